"""Reads of challenges and proposals, each a constant number of queries whatever the
number of rows."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from challenges.enums import ProposalStatus
from challenges.models import Attachment, Challenge, Proposal
from startups.models import Membership


def challenges_public(*, now=None) -> QuerySet[Challenge]:
    """Published challenges with their derived status (`current_status`).

    Their public pages live in `cms`, which depends on this app and not the reverse:
    `cms.selectors.attach_challenge_pages` adds each row's page in a language.
    """
    return Challenge.objects.published().with_status(now or timezone.now())


def proposals_for_user(*, user, with_attachments: bool = True) -> QuerySet[Proposal]:
    """Proposals of the organisations `user` belongs to, with their challenge, track and
    organisation joined and (unless told otherwise) their attachments prefetched. Another
    organisation's proposal is simply not in it: views answer 404."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    proposals = Proposal.objects.filter(
        organization__in=Membership.objects.filter(user=user).values("organization")
    ).select_related("challenge", "track", "organization")
    if with_attachments:
        proposals = proposals.prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id"))
        )
    return proposals.order_by("-created_at", "-id")


# Long texts of a proposal and of what it joins, which staff lists and exports never show:
# left out of their rows (sorting 2,000 rows that carried them made deep pages slower).
PROPOSAL_LONG_TEXTS = (
    "description",
    "team",
    "challenge__summary",
    "challenge__support_offered",
    "organization__description",
)


def proposals_sent() -> QuerySet[Proposal]:
    """Every sent proposal (drafts are the applicants' own business), for department
    staff: challenge, track and organisation joined, the number of attachments
    annotated in the same query."""
    # A correlated count rather than a join and GROUP BY over every row: PostgreSQL
    # works it out only for the rows of the page, after sorting and OFFSET.
    files = (
        Attachment.objects.filter(proposal=OuterRef("pk"))
        .order_by()
        .values("proposal")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        Proposal.objects.exclude(status=ProposalStatus.DRAFT)
        .select_related("challenge", "track", "organization")
        .annotate(attachments_count=Coalesce(Subquery(files), 0))
    )
