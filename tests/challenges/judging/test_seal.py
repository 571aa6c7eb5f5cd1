import hashlib
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from challenges.judging import seal, services
from challenges.judging.models import Assignment, AssignmentStatus, RoundStatus, Score
from challenges.judging.seal import (
    round_canonical_form,
    round_close,
    round_seal_digest,
    round_verify_seal,
)
from portal.errors import Conflict
from portal.models import AuditEvent
from tests.factories.judging import (
    AssignmentFactory,
    JurorFactory,
    RoundEntryFactory,
    RoundFactory,
)

pytestmark = pytest.mark.django_db


def give(assignment, values, *, comment="", submit=True):
    """Score through the juror's services; None abstains."""
    criteria = assignment.round.rubric.criteria.order_by("sort_order")
    payload = [
        {"criterion": c.pk, "value": v}
        if v is not None
        else {"criterion": c.pk, "abstain": True, "reason": "Ngoài chuyên môn."}
        for c, v in zip(criteria, values, strict=True)
    ]
    services.sheet_save(assignment, actor=assignment.juror, scores=payload, comment=comment)
    if submit:
        services.sheet_submit(assignment, actor=assignment.juror)
    assignment.refresh_from_db()
    return assignment


@pytest.fixture
def scored_round():
    """Two submitted sheets (one with an abstention) and a draft."""
    round_ = RoundFactory()
    entry = RoundEntryFactory(round=round_, proposal__reference="P9-2026-0001")
    other = RoundEntryFactory(round=round_, proposal__reference="P9-2026-0002")
    first = give(AssignmentFactory(entry=entry), [4, 3, 5], comment="Khả thi, chi phí hợp lý.")
    second = give(AssignmentFactory(entry=other), [2, None, 1], comment="")
    give(AssignmentFactory(entry=other), [0, 0, 0], submit=False)
    return round_, first, second


def test_canonical_form_is_the_documented_json_lines(scored_round):
    round_, first, second = scored_round
    criteria = [c.pk for c in round_.rubric.criteria.order_by("pk")]

    lines = b"".join(round_canonical_form(round_)).decode().split("\n")

    assert lines[-1] == ""  # every line ends with "\n"
    assert [json.loads(line) for line in lines[:-1]] == [
        {"format": "round-seal/1", "challenge": round_.challenge.code, "round": 1},
        {
            "assignment": first.pk,
            "reference": "P9-2026-0001",
            "juror": first.juror_id,
            "submitted_at": first.submitted_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "comment": "Khả thi, chi phí hợp lý.",
            "scores": [
                [criteria[0], 4, False, ""],
                [criteria[1], 3, False, ""],
                [criteria[2], 5, False, ""],
            ],
        },
        {
            "assignment": second.pk,
            "reference": "P9-2026-0002",
            "juror": second.juror_id,
            "submitted_at": second.submitted_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "comment": "",
            "scores": [
                [criteria[0], 2, False, ""],
                [criteria[1], None, True, "Ngoài chuyên môn."],
                [criteria[2], 1, False, ""],
            ],
        },
    ]
    # Keys sorted, no spaces, Vietnamese written as is.
    assert lines[0] == (
        f'{{"challenge":"{round_.challenge.code}","format":"round-seal/1","round":1}}'
    )
    assert '"comment":"Khả thi, chi phí hợp lý.","juror":' in lines[1]


def test_digest_is_the_sha256_of_the_canonical_form_and_stable(scored_round, monkeypatch):
    round_, _first, _second = scored_round

    digest = round_seal_digest(round_)

    assert digest == hashlib.sha256(b"".join(round_canonical_form(round_))).hexdigest()
    assert round_seal_digest(round_) == digest
    # Reading the sheets in chunks of one changes nothing.
    monkeypatch.setattr(seal, "SEAL_CHUNK_SIZE", 1)
    assert round_seal_digest(round_) == digest


def test_a_fixed_round_has_a_known_digest():
    # Everything the form holds fixed by hand: a change of the format changes this.
    round_ = RoundFactory(challenge__code="P1-2026")
    entry = RoundEntryFactory(round=round_, proposal__reference="P1-2026-0007")
    juror = JurorFactory()
    sheet = AssignmentFactory(
        entry=entry,
        juror=juror,
        status=AssignmentStatus.SUBMITTED,
        submitted_at=datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC),
        comment="Tốt",
    )
    criterion = round_.rubric.criteria.order_by("pk").first()
    Score.objects.create(assignment=sheet, criterion=criterion, value=4)
    expected = (
        '{"challenge":"P1-2026","format":"round-seal/1","round":1}\n'
        f'{{"assignment":{sheet.pk},"comment":"Tốt","juror":{juror.pk},'
        f'"reference":"P1-2026-0007","scores":[[{criterion.pk},4,false,""]],'
        '"submitted_at":"2026-05-04T03:02:01.000000+00:00"}\n'
    ).encode()

    assert b"".join(round_canonical_form(round_)) == expected
    assert round_seal_digest(round_) == hashlib.sha256(expected).hexdigest()


@pytest.mark.parametrize(
    "change",
    [
        "value",
        "abstain",
        "reason",
        "comment",
        "submitted_at",
        "unsubmit",
        "another_sheet",
        "delete_score",
    ],
)
def test_any_change_to_a_submitted_sheet_changes_the_digest(scored_round, change):
    round_, first, second = scored_round
    before = round_seal_digest(round_)
    score = first.scores.order_by("pk").first()
    abstained = second.scores.get(abstain=True)

    if change == "value":
        Score.objects.filter(pk=score.pk).update(value=score.value - 1)
    elif change == "abstain":
        Score.objects.filter(pk=score.pk).update(value=None, abstain=True, reason="Không rõ.")
    elif change == "reason":
        Score.objects.filter(pk=abstained.pk).update(reason="Ngoài chuyên môn")
    elif change == "comment":
        Assignment.objects.filter(pk=first.pk).update(comment="Khả thi, chi phí hợp lý")
    elif change == "submitted_at":
        Assignment.objects.filter(pk=first.pk).update(
            submitted_at=first.submitted_at + timedelta(seconds=1)
        )
    elif change == "unsubmit":
        Assignment.objects.filter(pk=first.pk).update(
            status=AssignmentStatus.DRAFT, submitted_at=None
        )
    elif change == "another_sheet":
        draft = Assignment.objects.get(round=round_, status=AssignmentStatus.DRAFT)
        services.sheet_submit(draft, actor=draft.juror)
    elif change == "delete_score":
        score.delete()

    assert round_seal_digest(round_) != before


def test_drafts_and_other_rounds_stay_out_of_the_seal(scored_round):
    round_, _first, _second = scored_round
    before = round_seal_digest(round_)
    draft = Assignment.objects.get(round=round_, status=AssignmentStatus.DRAFT)
    give(draft, [5, 5, 5], submit=False)
    give(AssignmentFactory(), [1, 1, 1])  # another round

    assert round_seal_digest(round_) == before


def test_closing_seals_the_round_and_audits_the_digest(scored_round, manager):
    round_, _first, _second = scored_round
    digest = round_seal_digest(round_)

    closed = round_close(round_, actor=manager)

    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    assert (round_.sealed_digest, round_.sealed_by) == (digest, manager)
    assert round_.sealed_at is not None
    assert closed.sealed_digest == digest
    event = AuditEvent.objects.get(action="round.closed")
    assert (event.actor, event.object_id) == (manager, str(round_.pk))
    assert event.data == {
        "from": "scoring",
        "to": "closed",
        "format": "round-seal/1",
        "digest": digest,
        "sheets": 2,
        "scores": 6,
        "pending": 1,
    }
    assert round_verify_seal(round_) is True


def test_a_closed_round_refuses_sheet_changes(scored_round, manager):
    round_, _first, _second = scored_round
    round_close(round_, actor=manager)
    draft = Assignment.objects.get(round=round_, status=AssignmentStatus.DRAFT)
    criterion = round_.rubric.criteria.first()

    with pytest.raises(Conflict):
        services.sheet_save(
            draft, actor=draft.juror, scores=[{"criterion": criterion.pk, "value": 1}]
        )
    with pytest.raises(Conflict):
        services.sheet_submit(draft, actor=draft.juror)
    assert round_verify_seal(round_) is True


@pytest.mark.parametrize("status", [RoundStatus.SETUP, RoundStatus.CLOSED])
def test_close_refuses_a_round_not_being_scored(manager, status):
    round_ = RoundFactory(status=status)

    with pytest.raises(Conflict):
        round_close(round_, actor=manager)

    round_.refresh_from_db()
    assert (round_.status, round_.sealed_digest, round_.sealed_at) == (status, "", None)
    assert not AuditEvent.objects.filter(action="round.closed").exists()


def test_close_is_for_programme_managers(scored_round, juror):
    round_, _first, _second = scored_round

    with pytest.raises(PermissionDenied):
        round_close(round_, actor=juror)

    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCORING


def test_verify_seal_is_false_for_a_round_never_sealed(scored_round):
    round_, _first, _second = scored_round

    assert round_verify_seal(round_) is False


def test_verify_seal_catches_a_score_changed_in_the_database(scored_round, manager):
    round_, first, _second = scored_round
    round_close(round_, actor=manager)

    Score.objects.filter(pk=first.scores.order_by("pk").first().pk).update(value=5)

    assert round_verify_seal(round_) is False


# The command


def run_command(*args):
    """The command's exit code under `manage.py` (which exits with a CommandError's
    returncode), and what it wrote to stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_round_seal", *args, stdout=out, stderr=err)
    except CommandError as error:
        err.write(str(error))
        return error.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_command_reports_each_closed_round_intact(scored_round, manager):
    round_, _first, _second = scored_round
    round_close(round_, actor=manager)
    RoundFactory(status=RoundStatus.SCORING)  # not sealed: not checked

    code, out, _err = run_command()

    assert code == 0
    assert out.count(round_.sealed_digest) == 2  # stored and recomputed
    assert "1 round seal(s) intact." in out


def test_command_exits_non_zero_when_a_score_row_changed_after_closing(scored_round, manager):
    round_, first, _second = scored_round
    round_close(round_, actor=manager)
    intact = RoundFactory(status=RoundStatus.SCORING)
    round_close(intact, actor=manager)
    score = first.scores.order_by("pk").first()
    Score.objects.filter(pk=score.pk).update(value=score.value + 1)

    code, out, err = run_command()

    assert code == 1
    recomputed = round_seal_digest(round_)
    assert recomputed != round_.sealed_digest
    assert f"stored     {round_.sealed_digest}" in out
    assert f"recomputed {recomputed}" in out
    assert "CHANGED" in err
    assert f"1 of 2 round(s) no longer match their seal: {round_.pk}." in err
    # Only the intact round, asked by id, passes.
    assert run_command("--round", str(intact.pk))[0] == 0
    assert run_command("--round", str(round_.pk))[0] == 1


def test_command_refuses_a_round_that_is_not_sealed(scored_round):
    round_, _first, _second = scored_round

    with pytest.raises(CommandError, match="not closed and sealed"):
        call_command("verify_round_seal", "--round", str(round_.pk))
    with pytest.raises(CommandError, match="No round with id 999999"):
        call_command("verify_round_seal", "--round", "999999")
