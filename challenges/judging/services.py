"""Writes to score sheets: draft, submit, declare a conflict.

A juror acts only on their own assignments (others are a 404 before any service is
called); the services check the rest: the sheet is not submitted, the round is scoring
and its window open on the server clock, each value within its criterion's range.
Every write holds the assignment's row lock, so a double click submits once.
"""

from __future__ import annotations

from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.judging.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    RoundStatus,
    Score,
)
from challenges.services import local_time
from portal.audit import audit_record
from portal.errors import Conflict

OPEN_SHEET_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT)


def _locked_sheet(assignment: Assignment, actor) -> Assignment:
    locked = Assignment.objects.select_for_update().select_related("round").get(pk=assignment.pk)
    if locked.juror_id != actor.pk:
        raise PermissionDenied(_("Only the juror it is assigned to may change this score sheet."))
    if locked.status == AssignmentStatus.SUBMITTED:
        raise Conflict(_("This score sheet is submitted and locked."))
    if locked.status not in OPEN_SHEET_STATUSES:
        raise Conflict(_("This entry is no longer assigned to you."))
    round_ = locked.round
    now = timezone.now()
    if round_.status != RoundStatus.SCORING:
        raise Conflict(_("This round is not open for scoring."))
    if now < round_.opens_at:
        raise Conflict(_("Scoring opens at %(time)s.") % {"time": local_time(round_.opens_at)})
    if now >= round_.closes_at:
        raise Conflict(_("Scoring closed at %(time)s.") % {"time": local_time(round_.closes_at)})
    return locked


class SheetError(ValidationError):
    """The sheet's field errors, all at once. As a ValidationError it reads
    `{"scores": ["Criterion 2: ...", ...]}`; `item_errors` holds them the way the input
    came, one dict per score given (`{}` for a good one, else field -> messages), so
    that the API answers like a DRF list field and a page puts each beside its input."""

    def __init__(self, item_errors: list[dict], scores: list, criteria: dict):
        messages = []
        for item, problems in zip(scores, item_errors, strict=True):
            criterion = criteria.get(item.get("criterion"))
            label = criterion.name if criterion else str(item.get("criterion"))
            messages += [f"{label}: {m}" for field in problems.values() for m in field]
        super().__init__({"scores": messages})
        self.item_errors = item_errors


def _clean_scores(round_, scores) -> list[Score]:
    """Every problem of the sheet at once (`SheetError`), or the rows to write."""
    criteria = {c.pk: c for c in round_.rubric.criteria.all()}
    errors: list = []
    rows: list[Score] = []
    seen: set[int] = set()
    for item in scores:
        problems = {}
        criterion = criteria.get(item.get("criterion"))
        if criterion is None:
            problems["criterion"] = [_("This criterion is not in the round's rubric.")]
        elif criterion.pk in seen:
            problems["criterion"] = [_("This criterion is scored twice.")]
        abstain = bool(item.get("abstain"))
        value = item.get("value")
        reason = (item.get("reason") or "").strip()
        if abstain:
            if value is not None:
                problems["value"] = [_("Give a score or abstain, not both.")]
            if not reason:
                problems["reason"] = [_("Say why you abstain.")]
        elif value is None:
            problems["value"] = [_("Give a score or abstain with a reason.")]
        elif isinstance(value, bool) or not isinstance(value, int):
            problems["value"] = [_("A score is a whole number.")]
        elif criterion is not None and not 0 <= value <= criterion.max_score:
            problems["value"] = [
                _("Scores for this criterion run from 0 to %(max)d.") % {"max": criterion.max_score}
            ]
        errors.append(problems)
        if criterion is not None:
            seen.add(criterion.pk)
        if not problems:
            rows.append(
                Score(
                    criterion=criterion,
                    value=None if abstain else value,
                    abstain=abstain,
                    reason=reason if abstain else "",
                )
            )
    if any(errors):
        raise SheetError(errors, scores, criteria)
    return rows


@transaction.atomic
def sheet_save(assignment: Assignment, *, actor, scores: list[dict], comment: str | None = None):
    """Keep a draft of the sheet: the scores given (each a `{"criterion", "value"}` or
    `{"criterion", "abstain": True, "reason"}`) replace the criteria they name; the
    others stay as they were. A sheet may be saved half-filled."""
    sheet = _locked_sheet(assignment, actor)
    rows = _clean_scores(sheet.round, scores)
    for row in rows:
        Score.objects.update_or_create(
            assignment=sheet,
            criterion=row.criterion,
            defaults={"value": row.value, "abstain": row.abstain, "reason": row.reason},
        )
    if comment is not None:
        sheet.comment = comment
    sheet.status = AssignmentStatus.DRAFT
    sheet.save(update_fields=["comment", "status", "updated_at"])
    return sheet


def sheet_score(scores) -> float | None:
    """A sheet's weighted score out of 100: over the criteria it scores, 100 x the sum
    of weight x value / highest score, divided by the sum of their weights. Abstentions
    are left out (the other weights count for more), never counted as zero."""
    scored = [s for s in scores if not s.abstain]
    weights = sum(s.criterion.weight for s in scored)
    if not weights:
        return None
    total = sum(Fraction(s.criterion.weight * s.value, s.criterion.max_score) for s in scored)
    return float(100 * total / weights)


def sheet_missing(sheet: Assignment) -> list[Criterion]:
    """The rubric's criteria the sheet neither scores nor abstains on."""
    done = set(sheet.scores.values_list("criterion_id", flat=True))
    return [c for c in sheet.round.rubric.criteria.all() if c.pk not in done]


@transaction.atomic
def sheet_submit(assignment: Assignment, *, actor) -> Assignment:
    """Lock the sheet. Every criterion needs a score or a reasoned abstention, and at
    least one a score (a sheet of abstentions says nothing about the entry)."""
    sheet = _locked_sheet(assignment, actor)
    missing = sheet_missing(sheet)
    if missing:
        raise ValidationError(
            {
                "scores": [
                    _("Score or abstain on every criterion first: %(names)s.")
                    % {"names": ", ".join(c.name for c in missing)}
                ]
            }
        )
    if not sheet.scores.filter(abstain=False).exists():
        raise ValidationError({"scores": [_("Score at least one criterion.")]})
    previous = sheet.status
    sheet.status = AssignmentStatus.SUBMITTED
    sheet.submitted_at = timezone.now()
    sheet.score = sheet_score(sheet.scores.select_related("criterion"))
    sheet.save(update_fields=["status", "submitted_at", "score", "updated_at"])
    audit_record(
        actor=actor,
        action="review.submitted",
        obj=sheet,
        data={
            "from": previous,
            "to": sheet.status,
            "round": sheet.round_id,
            "entry": sheet.entry_id,
            "scores": [
                [s.criterion_id, s.value, s.abstain] for s in sheet.scores.order_by("criterion_id")
            ],
        },
    )
    return sheet
