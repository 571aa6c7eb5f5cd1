"""Reads of challenges and proposals, each a constant number of queries whatever the
number of rows."""

from django.db.models import Avg, Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from challenges.enums import SENT_PROPOSAL_STATUSES, ProposalStatus
from challenges.judging.models import Assignment, AssignmentStatus, RoundEntry
from challenges.models import Attachment, Challenge, Proposal
from portal.text import fold
from startups.models import Membership

# The folded search copies of what a proposal joins, which no proposal page shows.
JOINED_SEARCH_TEXTS = (
    "challenge__search_text",
    "challenge__pages_search_text",
    "organization__search_text",
)


def challenges_public(*, now=None) -> QuerySet[Challenge]:
    """Published challenges with their derived status (`current_status`).

    Their public pages live in `cms`, which depends on this app and not the reverse:
    `cms.selectors.attach_challenge_pages` adds each row's page in a language.
    """
    return Challenge.objects.published().with_status(now or timezone.now())


# Words of a query beyond these are ignored: enough for any real search, and the SQL
# stays small whatever is typed.
SEARCH_MAX_WORDS = 8


def challenges_search(challenges: QuerySet[Challenge], *, query: str) -> QuerySet[Challenge]:
    """`challenges` whose code, title, summary or live pages (any language) contain
    every word of `query`, diacritics ignored (`giam sat` finds `giám sát`, `d` finds
    `đ`). Filters the folded columns: no join, no extra query."""
    for word in fold(query).split()[:SEARCH_MAX_WORDS]:
        # Both sides are folded to lower case already: a plain `contains` is enough.
        challenges = challenges.filter(
            Q(search_text__contains=word) | Q(pages_search_text__contains=word)
        )
    return challenges


def public_figures(*, now=None) -> dict[str, int]:
    """The programme in three numbers, counted by the database in one query: calls open
    now, proposals sent to published calls, and the organisations that sent them."""
    now = now or timezone.now()
    sent = Q(proposals__status__in=SENT_PROPOSAL_STATUSES)
    return Challenge.objects.published().aggregate(
        open_calls=Count("pk", distinct=True, filter=Q(opens_at__lte=now, closes_at__gt=now)),
        proposals_sent=Count("proposals", filter=sent),
        organizations=Count("proposals__organization", distinct=True, filter=sent),
    )


def proposals_for_user(*, user, with_attachments: bool = True) -> QuerySet[Proposal]:
    """Proposals of the organisations `user` belongs to, with their challenge, track and
    organisation joined and (unless told otherwise) their attachments prefetched. Another
    organisation's proposal is simply not in it: views answer 404."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    proposals = Proposal.objects.filter(
        organization__in=Membership.objects.filter(user=user).values("organization")
    ).select_related("challenge", "track", "organization")
    proposals = proposals.defer(*JOINED_SEARCH_TEXTS)
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
    *JOINED_SEARCH_TEXTS,
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
    return with_review_progress(
        Proposal.objects.exclude(status=ProposalStatus.DRAFT)
        .select_related("challenge", "track", "organization")
        .annotate(attachments_count=Coalesce(Subquery(files), 0))
    )


def with_review_progress(proposals: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Annotate where judging stands in the latest round each proposal reached:
    `reviews_done` (submitted sheets), `reviews_pending` (assigned or in draft) and
    `mean_score` (the submitted sheets' mean, out of 100; None before the first).
    Correlated subqueries, worked out only for the rows of a page."""
    latest_entry = (
        RoundEntry.objects.filter(proposal=OuterRef(OuterRef("pk")))
        .order_by("-round__number")
        .values("pk")[:1]
    )

    def per_entry(statuses, **aggregate):
        return Subquery(
            Assignment.objects.filter(entry=Subquery(latest_entry), status__in=statuses)
            .order_by()
            .values("entry")
            .annotate(**aggregate)
            .values(*aggregate)
        )

    submitted = [AssignmentStatus.SUBMITTED]
    pending = [AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT]
    return proposals.annotate(
        reviews_done=Coalesce(per_entry(submitted, n=Count("pk")), 0),
        reviews_pending=Coalesce(per_entry(pending, n=Count("pk")), 0),
        mean_score=per_entry(submitted, m=Avg("score")),
    )
