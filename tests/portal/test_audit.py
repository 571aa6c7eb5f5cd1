import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from portal.audit import audit_record, audit_verify_chain
from portal.models import AuditEvent
from tests.factories import ChallengeFactory, UserFactory

pytestmark = pytest.mark.django_db


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
    # Tamper below the ORM, as someone with database access would.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET action = %s WHERE id = %s",  # noqa: S608
            ["challenge.deleted", events[1].pk],
        )

    checked, problems, _ = audit_verify_chain()

    assert checked == 3
    assert [(p.sequence, p.reason) for p in problems] == [(2, "content does not match its hash")]


def test_verify_catches_a_deleted_event():
    events = _record_three()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {AuditEvent._meta.db_table} WHERE id = %s",  # noqa: S608
            [events[1].pk],
        )

    _, problems, _ = audit_verify_chain()

    assert [p.sequence for p in problems] == [3, 3]
    assert "missing" in problems[0].reason
    assert "link" in problems[1].reason


def test_verify_with_expected_head_catches_removal_of_the_newest_event():
    events = _record_three()
    AuditEvent.objects.filter(pk=events[2].pk)._raw_delete(connection.alias)

    assert audit_verify_chain()[1] == []  # invisible from inside the chain
    _, problems, _ = audit_verify_chain(expected_head=events[2].hash)
    assert [p.reason for p in problems] == ["the expected head event is missing"]


def test_verify_audit_command_fails_on_tampering_and_passes_when_intact(capsys):
    events = _record_three()
    call_command("verify_audit")
    assert "Audit trail intact: 3 event(s)" in capsys.readouterr().out

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AuditEvent._meta.db_table} SET data = %s WHERE id = %s",  # noqa: S608
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
