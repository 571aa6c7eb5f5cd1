"""A juror's score sheet: drafts, validation, submission and its lock."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from challenges.judging.models import AssignmentStatus, RoundStatus, Score
from challenges.judging.services import sheet_save, sheet_submit
from portal.errors import Conflict
from portal.models import AuditEvent
from tests.factories.judging import AssignmentFactory, JurorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def sheet():
    return AssignmentFactory()


def criteria(sheet):
    return list(sheet.round.rubric.criteria.order_by("sort_order"))


def test_a_draft_may_be_half_filled_and_saved_again(sheet):
    first, second, _third = criteria(sheet)

    sheet_save(sheet, actor=sheet.juror, scores=[{"criterion": first.pk, "value": 4}], comment="")
    sheet_save(
        sheet,
        actor=sheet.juror,
        scores=[{"criterion": first.pk, "value": 5}, {"criterion": second.pk, "value": 2}],
        comment="Khả thi.",
    )

    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.DRAFT
    assert sheet.comment == "Khả thi."
    assert dict(sheet.scores.values_list("criterion_id", "value")) == {first.pk: 5, second.pk: 2}


def test_bad_scores_are_field_errors_and_nothing_is_written(sheet):
    first, second, third = criteria(sheet)

    with pytest.raises(ValidationError) as error, translation.override("en"):
        sheet_save(
            sheet,
            actor=sheet.juror,
            scores=[
                {"criterion": first.pk, "value": 4},  # fine, yet not written either
                {"criterion": second.pk, "value": 6},  # above the highest score, 5
                {"criterion": third.pk, "abstain": True},  # no reason
                {"criterion": 999999, "value": 1},
            ],
        )

    errors = error.value.item_errors
    assert errors[0] == {}
    assert "value" in errors[1] and "reason" in errors[2] and "criterion" in errors[3]
    assert error.value.message_dict["scores"][0] == (
        "Tiêu chí 2: Scores for this criterion run from 0 to 5."
    )
    assert not Score.objects.exists()
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.ASSIGNED


def test_submit_needs_every_criterion_scored_or_abstained_with_a_reason(sheet):
    first, second, third = criteria(sheet)
    sheet_save(sheet, actor=sheet.juror, scores=[{"criterion": first.pk, "value": 4}])

    with pytest.raises(ValidationError):
        sheet_submit(sheet, actor=sheet.juror)

    sheet_save(
        sheet,
        actor=sheet.juror,
        scores=[
            {"criterion": second.pk, "value": 0},
            {"criterion": third.pk, "abstain": True, "reason": "Ngoài chuyên môn của tôi."},
        ],
    )
    submitted = sheet_submit(sheet, actor=sheet.juror)

    assert submitted.status == AssignmentStatus.SUBMITTED
    assert submitted.submitted_at is not None
    # Weights 50, 30, 20 (scores out of 5): 4 and 0 given, the third abstained. Out of
    # the 80 weight points answered: 100 x (50 x 4/5 + 30 x 0/5) / 80 = 50.
    assert submitted.score == 50.0
    event = AuditEvent.objects.get(action="review.submitted")
    assert event.data["scores"] == [
        [first.pk, 4, False],
        [second.pk, 0, False],
        [third.pk, None, True],
    ]


def test_a_sheet_of_abstentions_only_cannot_be_submitted(sheet):
    reason = {"abstain": True, "reason": "Không đủ thông tin."}
    sheet_save(
        sheet, actor=sheet.juror, scores=[{"criterion": c.pk, **reason} for c in criteria(sheet)]
    )

    with pytest.raises(ValidationError):
        sheet_submit(sheet, actor=sheet.juror)


def test_a_submitted_sheet_is_locked(sheet):
    sheet_save(
        sheet, actor=sheet.juror, scores=[{"criterion": c.pk, "value": 3} for c in criteria(sheet)]
    )
    sheet_submit(sheet, actor=sheet.juror)

    with pytest.raises(Conflict):
        sheet_save(
            sheet, actor=sheet.juror, scores=[{"criterion": criteria(sheet)[0].pk, "value": 5}]
        )
    with pytest.raises(Conflict):
        sheet_submit(sheet, actor=sheet.juror)
    assert set(Score.objects.values_list("value", flat=True)) == {3}
    assert AuditEvent.objects.filter(action="review.submitted").count() == 1


def test_only_the_assigned_juror_writes_the_sheet(sheet):
    with pytest.raises(PermissionDenied):
        sheet_save(sheet, actor=JurorFactory(), scores=[])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": RoundStatus.SETUP}, "not open"),
        ({"status": RoundStatus.CLOSED}, "not open"),
        ({"closes_at": timezone.now() - timedelta(minutes=1)}, "closed at"),
        ({"opens_at": timezone.now() + timedelta(hours=1)}, "opens at"),
    ],
)
def test_sheets_change_only_while_the_round_is_scoring(sheet, change, message):
    round_ = sheet.round
    for name, value in change.items():
        setattr(round_, name, value)
    if "opens_at" in change:
        round_.closes_at = round_.opens_at + timedelta(days=1)
    round_.save()

    with pytest.raises(Conflict) as error:
        sheet_save(sheet, actor=sheet.juror, scores=[])

    assert message in error.value.message
