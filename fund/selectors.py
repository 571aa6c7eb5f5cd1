"""Reads of the fund that must stay fast whatever the size of the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from fund.enums import ApplicationStatus, CallStatus
from fund.models import Award, Disbursement, Fund, FundApplication, FundingCall, LedgerEntry
from fund.rules import reads_all_of_fund
from startups.models import Membership


@dataclass(frozen=True)
class FundPosition:
    fund_id: int
    name: str
    managing_unit: str
    capital_vnd: int
    committed_vnd: int  # approved by the committee, summed over the awards
    paid_vnd: int  # approved disbursements less reversals, summed over the awards
    awards: int

    @property
    def remaining_vnd(self) -> int:
        """Capital not yet committed: what new awards may still take."""
        return self.capital_vnd - self.committed_vnd

    @property
    def outstanding_vnd(self) -> int:
        """Committed but not yet paid."""
        return self.committed_vnd - self.paid_vnd


def fund_position(fund: Fund | None = None) -> list[FundPosition] | FundPosition:
    """Capital, committed, paid and remaining per fund (or for one fund), in one query.

    Paid is summed over the awards' running totals, which the services keep in the
    transaction that writes each ledger entry (and which the database holds within the
    amounts approved): summing a ledger of a million rows on every read would not be
    fast. The ledger remains the record they are reconciled against.
    """
    # One relation joined, so the sums cannot be multiplied by another join's rows.
    funds = Fund.objects.order_by("name", "id").annotate(
        total_committed=Coalesce(Sum("awards__approved_vnd"), 0),
        total_paid=Coalesce(Sum("awards__paid_vnd"), 0),
        award_count=Count("awards"),
    )
    if fund is not None:
        funds = funds.filter(pk=fund.pk)
    positions = [
        FundPosition(
            fund_id=row.pk,
            name=row.name,
            managing_unit=row.managing_unit,
            capital_vnd=row.capital_vnd,
            committed_vnd=row.total_committed,
            paid_vnd=row.total_paid,
            awards=row.award_count,
        )
        for row in funds
    ]
    if fund is not None:
        return positions[0]
    return positions


# Scoped to the caller: staff who read the fund (officers, approvers, auditors) see every
# row; an organisation's members see their organisations' own; anyone else nothing.
# Another organisation's application or award is simply not there: views answer 404.


def calls_public(*, now=None) -> QuerySet[FundingCall]:
    """Published calls, upcoming, open and past, each annotated with `current_status`
    (upcoming, open, closed) on the server clock, so that filters run in the database."""
    now = now or timezone.now()
    return (
        FundingCall.objects.filter(is_published=True)
        .annotate(
            current_status=Case(
                When(opens_at__gt=now, then=Value(CallStatus.UPCOMING)),
                When(closes_at__lte=now, then=Value(CallStatus.CLOSED)),
                default=Value(CallStatus.OPEN),
                output_field=CharField(),
            )
        )
        .select_related("fund", "challenge")
        .order_by("-opens_at", "id")
    )


def _my_organizations(user):
    return Membership.objects.filter(user=user).values("organization")


def applications_for(user) -> QuerySet[FundApplication]:
    """The applications `user` may read, with their call and organisation joined: fund
    staff read every sent one, members their organisations' (drafts included). A draft
    is its applicants' business until they send it, as proposals are."""
    if not user.is_authenticated:
        return FundApplication.objects.none()
    applications = FundApplication.objects.select_related("call", "organization")
    mine = Q(organization__in=_my_organizations(user))
    if reads_all_of_fund(user):
        applications = applications.filter(~Q(status=ApplicationStatus.DRAFT) | mine)
    else:
        applications = applications.filter(mine)
    return applications.order_by("-created_at", "-id")


def awards_for(user) -> QuerySet[Award]:
    """The awards `user` may read: staff all, members their organisations' (the
    awardee's)."""
    if not user.is_authenticated:
        return Award.objects.none()
    awards = Award.objects.select_related("application__organization", "call", "fund")
    if not reads_all_of_fund(user):
        awards = awards.filter(application__organization__in=_my_organizations(user))
    return awards.order_by("-decided_at", "-id")


def disbursements_for(user) -> QuerySet[Disbursement]:
    """Disbursement requests: fund staff's business only (the awardee follows its award's
    tranches)."""
    if not (user.is_authenticated and reads_all_of_fund(user)):
        return Disbursement.objects.none()
    return Disbursement.objects.select_related("tranche").order_by("-requested_at", "-id")


def ledger_for(user) -> QuerySet[LedgerEntry]:
    """Ledger entries: fund staff's business only."""
    if not (user.is_authenticated and reads_all_of_fund(user)):
        return LedgerEntry.objects.none()
    return LedgerEntry.objects.order_by("created_at", "id")
