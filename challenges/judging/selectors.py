"""Reads for jurors, scoped to the caller: an assignment that is not theirs, or one
they may no longer act on, is not found (404), never forbidden."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from challenges.judging.models import Assignment, AssignmentStatus, RoundStatus, Score

# What a juror still sees: the entries they score or scored. A declared conflict or a
# released review leaves their workspace.
JUROR_VISIBLE_STATUSES = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.DRAFT,
    AssignmentStatus.SUBMITTED,
)
# Jurors meet their assignments once the round opens for scoring (managers may still
# rearrange them while it is being set up).
JUROR_VISIBLE_ROUNDS = (RoundStatus.SCORING, RoundStatus.CLOSED)


def juror_assignments(user):
    """The caller's live assignments, with what a list shows, in one query: the round
    and its challenge, the proposal's title and reference, and how many criteria the
    sheet has answered. The organisation is joined for lists that may show it; a blind
    challenge's rows must not (`Challenge.blind_review`)."""
    answered = (
        Score.objects.filter(assignment=OuterRef("pk"))
        .order_by()
        .values("assignment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Assignment.objects.filter(
            juror=user, status__in=JUROR_VISIBLE_STATUSES, round__status__in=JUROR_VISIBLE_ROUNDS
        )
        .select_related("round__challenge", "entry__proposal__organization")
        # A correlated count, not a join and GROUP BY: worked out for the rows shown.
        .annotate(answered=Coalesce(Subquery(answered), 0))
        .order_by("round__closes_at", "status", "entry__proposal__reference", "pk")
    )


def juror_assignment_or_404(user, pk) -> Assignment:
    return get_object_or_404(
        Assignment.objects.filter(
            juror=user, status__in=JUROR_VISIBLE_STATUSES, round__status__in=JUROR_VISIBLE_ROUNDS
        ).select_related("round__challenge", "round__rubric", "entry__proposal__organization"),
        pk=pk,
    )
