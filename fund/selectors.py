"""Reads of the fund that must stay fast whatever the size of the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from fund.models import Fund


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
