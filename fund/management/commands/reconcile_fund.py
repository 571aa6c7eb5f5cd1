"""`manage.py reconcile_fund`: recompute the fund's running totals from the record they
summarise and report every row whose stored total differs. It changes nothing.

The services keep `paid_vnd` (awards, tranches) and `committed_vnd` (funds, calls) in the
same transaction as the ledger entries and awards they sum; this command checks that they
still do, whatever wrote to the database since. Each check is one GROUP BY in the database
that returns only the rows that differ, so it stays fast on a ledger of millions of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

from fund.enums import DisbursementStatus
from fund.models import Award, Disbursement, Fund, FundingCall, LedgerEntry, Tranche


@dataclass(frozen=True)
class Difference:
    """One stored figure that does not match what it is recomputed from."""

    row: str  # "award 12", "tranche 40 (award 12, #2)", ...
    figure: str  # which column, and from what it is recomputed
    stored: int
    recomputed: int

    def __str__(self) -> str:
        return (
            f"{self.row}: {self.figure}: stored {self.stored:,}, recomputed "
            f"{self.recomputed:,} (difference {self.stored - self.recomputed:+,})"
        )


def _sum(path: str):
    return Coalesce(Sum(path), 0)


def award_paid_differences() -> list[Difference]:
    """Awards whose paid total is not the sum of their ledger entries."""
    rows = (
        Award.objects.annotate(recomputed=_sum("ledger__amount_vnd"))
        .exclude(paid_vnd=F("recomputed"))
        .order_by("pk")
        .values_list("pk", "paid_vnd", "recomputed")
    )
    return [
        Difference(f"award {pk}", "paid_vnd from the ledger", stored, recomputed)
        for pk, stored, recomputed in rows
    ]


def tranche_paid_differences() -> list[Difference]:
    """Tranches whose paid total is not the sum of their ledger entries."""
    rows = (
        Tranche.objects.annotate(recomputed=_sum("ledger__amount_vnd"))
        .exclude(paid_vnd=F("recomputed"))
        .order_by("award_id", "number")
        .values_list("pk", "award_id", "number", "paid_vnd", "recomputed")
    )
    return [
        Difference(
            f"tranche {pk} (award {award_id}, #{number})",
            "paid_vnd from the ledger",
            stored,
            recomputed,
        )
        for pk, award_id, number, stored, recomputed in rows
    ]


def award_schedule_differences() -> list[Difference]:
    """Awards whose tranches do not add up to the amount approved."""
    rows = (
        Award.objects.annotate(recomputed=_sum("tranches__amount_vnd"))
        .exclude(approved_vnd=F("recomputed"))
        .order_by("pk")
        .values_list("pk", "approved_vnd", "recomputed")
    )
    return [
        Difference(f"award {pk}", "approved_vnd from its tranches", stored, recomputed)
        for pk, stored, recomputed in rows
    ]


def fund_committed_differences() -> list[Difference]:
    """Funds whose committed total is not the sum of their awards."""
    rows = (
        Fund.objects.annotate(recomputed=_sum("awards__approved_vnd"))
        .exclude(committed_vnd=F("recomputed"))
        .order_by("pk")
        .values_list("pk", "name", "committed_vnd", "recomputed")
    )
    return [
        Difference(f"fund {pk} ({name})", "committed_vnd from its awards", stored, recomputed)
        for pk, name, stored, recomputed in rows
    ]


def call_committed_differences() -> list[Difference]:
    """Calls whose committed total is not the sum of their awards."""
    rows = (
        FundingCall.objects.annotate(recomputed=_sum("awards__approved_vnd"))
        .exclude(committed_vnd=F("recomputed"))
        .order_by("pk")
        .values_list("pk", "title", "committed_vnd", "recomputed")
    )
    return [
        Difference(f"call {pk} ({title})", "committed_vnd from its awards", stored, recomputed)
        for pk, title, stored, recomputed in rows
    ]


def payment_differences() -> list[Difference]:
    """Payments in the ledger that no approved disbursement of the same amount, award
    and tranche accounts for: money that left without four eyes, or an amount that
    differs from the one approved. (Reversals are checked through the totals above.)"""
    rows = (
        LedgerEntry.objects.filter(reverses__isnull=True)
        .exclude(
            disbursement__status=DisbursementStatus.APPROVED,
            disbursement__amount_vnd=F("amount_vnd"),
            disbursement__award_id=F("award_id"),
            disbursement__tranche_id=F("tranche_id"),
        )
        .order_by("pk")
        .values_list("pk", "award_id", "amount_vnd", "disbursement__amount_vnd")
    )
    return [
        Difference(
            f"ledger entry {pk} (award {award_id})",
            "payment against its approved disbursement",
            stored,
            approved or 0,
        )
        for pk, award_id, stored, approved in rows
    ]


def unpaid_approvals() -> list[Difference]:
    """Approved disbursements with no payment in the ledger."""
    rows = (
        Disbursement.objects.filter(status=DisbursementStatus.APPROVED)
        .annotate(payments=Count("ledger", filter=Q(ledger__reverses__isnull=True)))
        .filter(payments=0)
        .order_by("pk")
        .values_list("pk", "award_id", "amount_vnd")
    )
    return [
        Difference(
            f"disbursement {pk} (award {award_id})", "approved amount in the ledger", amount, 0
        )
        for pk, award_id, amount in rows
    ]


CHECKS = (
    award_paid_differences,
    tranche_paid_differences,
    award_schedule_differences,
    fund_committed_differences,
    call_committed_differences,
    payment_differences,
    unpaid_approvals,
)


def reconcile() -> list[Difference]:
    """Every difference found, in the order of CHECKS."""
    return [difference for check in CHECKS for difference in check()]


def _counted(number: int, singular: str, plural: str) -> str:
    return f"{number:,} {singular if number == 1 else plural}"


class Command(BaseCommand):
    help = (
        "Recompute every award's and tranche's paid total from the ledger, every fund's "
        "and call's committed total from the awards, and check each payment against its "
        "approved disbursement; print each difference and exit non-zero if there is any. "
        "Changes nothing."
    )

    def handle(self, *args, **options):
        differences = reconcile()
        for difference in differences:
            self.stderr.write(str(difference))
        if differences:
            raise CommandError(
                f"The fund does NOT reconcile: "
                f"{_counted(len(differences), 'difference', 'differences')}."
            )
        awards, funds = Award.objects.count(), Fund.objects.count()
        tranches, calls = Tranche.objects.count(), FundingCall.objects.count()
        entries = LedgerEntry.objects.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"All {_counted(awards, 'award', 'awards')}, {_counted(funds, 'fund', 'funds')}"
                f" reconcile ({_counted(tranches, 'tranche', 'tranches')},"
                f" {_counted(calls, 'call', 'calls')},"
                f" {_counted(entries, 'ledger entry', 'ledger entries')})."
            )
        )
