import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction

from portal.audit import audit_record, audit_verify_chain
from portal.models import AuditEvent
from tests.factories import ChallengeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _tamper(statement, params):
    """Change the table below the ORM, as someone with database superuser rights would
    (on PostgreSQL that means switching off the append-only trigger first)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(statement.format(table=AuditEvent._meta.db_table), params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def _record_three(actor=None):
    challenge = ChallengeFactory()
    return [
        audit_record(
            actor=actor,
            action="challenge.transition",
            obj=challenge,
            data={"from": "draft", "to": state, "note": f"step {i}"},
        )
        for i, state in enumerate(["open", "closed", "results"])
    ]


def test_events_chain_onto_each_other():
    user = UserFactory()
    first, second, third = _record_three(actor=user)

    assert [e.sequence for e in (first, second, third)] == [1, 2, 3]
    assert first.previous_hash == AuditEvent.GENESIS_HASH
    assert second.previous_hash == first.hash
    assert third.previous_hash == second.hash
    assert first.actor == user
    assert first.object_type == "challenges.challenge"
    assert audit_verify_chain() == (3, [], third.hash)


def test_verify_catches_a_changed_event():
    events = _record_three()
    _tamper("UPDATE {table} SET action = %s WHERE id = %s", ["challenge.deleted", events[1].pk])

    checked, problems, _ = audit_verify_chain()

    assert checked == 3
    assert [(p.sequence, p.reason) for p in problems] == [(2, "content does not match its hash")]


def test_verify_catches_a_deleted_event():
    events = _record_three()
    _tamper("DELETE FROM {table} WHERE id = %s", [events[1].pk])

    _, problems, _ = audit_verify_chain()

    assert [p.sequence for p in problems] == [3, 3]
    assert "missing" in problems[0].reason
    assert "link" in problems[1].reason


def test_verify_with_expected_head_catches_removal_of_the_newest_event():
    events = _record_three()
    _tamper("DELETE FROM {table} WHERE id = %s", [events[2].pk])

    assert audit_verify_chain()[1] == []  # invisible from inside the chain
    _, problems, _ = audit_verify_chain(expected_head=events[2].hash)
    assert [p.reason for p in problems] == ["the expected head event is missing"]


def test_verify_audit_command_fails_on_tampering_and_passes_when_intact(capsys):
    events = _record_three()
    call_command("verify_audit")
    assert "Audit trail intact: 3 event(s)" in capsys.readouterr().out

    _tamper(
        "UPDATE {table} SET data = %s WHERE id = %s",
        ['{"from": "draft", "to": "open", "note": "forged"}', events[0].pk],
    )
    with pytest.raises(CommandError, match="NOT intact: 1 problem"):
        call_command("verify_audit")
    assert "event 1: content does not match its hash" in capsys.readouterr().err


def test_events_cannot_be_changed_or_deleted_through_the_orm():
    event = _record_three()[0]

    event.action = "other"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="other")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


def test_postgresql_refuses_changes_below_the_orm():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    event = _record_three()[0]

    for statement in (
        "UPDATE {table} SET action = 'x' WHERE id = %s",
        "DELETE FROM {table} WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.format(table=AuditEvent._meta.db_table), [event.pk])

    assert AuditEvent.objects.get(pk=event.pk).action == "challenge.transition"


def test_postgresql_refuses_to_empty_the_trail():
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    _record_three()

    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test database allows TRUNCATE (tests/conftest.py); a real one does not.
        # (The deferred foreign-key checks of the rows just written must run first.)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL portal.allow_truncate = off")
        cursor.execute(f"TRUNCATE {AuditEvent._meta.db_table}")

    assert AuditEvent.objects.count() == 3


def test_floats_are_refused_because_jsonb_would_rewrite_them():
    with pytest.raises(TypeError, match=r"data.amounts\[1\] is a float"):
        audit_record(actor=None, action="fund.award", data={"amounts": [1, 1e16]})

    assert AuditEvent.objects.count() == 0


def test_large_integers_and_decimals_verify():
    from decimal import Decimal

    audit_record(
        actor=None,
        action="fund.award",
        data={"approved_vnd": 12_345_678_901_234_567, "rate": Decimal("0.075")},
    )

    assert audit_verify_chain()[1] == []


def test_data_with_dates_and_non_ascii_text_verifies():
    challenge = ChallengeFactory()
    audit_record(
        actor=None,
        action="challenge.reschedule",
        obj=challenge,
        data={"closes_at": challenge.closes_at, "note": "Gia hạn hạn chót"},
    )

    assert audit_verify_chain()[1] == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_writers_keep_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite serialises writes")
    challenge = ChallengeFactory()
    errors = []

    def write(n):
        try:
            for i in range(5):
                audit_record(
                    actor=None, action="test.parallel", obj=challenge, data={"n": n, "i": i}
                )
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    checked, problems, _ = audit_verify_chain()
    assert (checked, problems) == (30, [])
