"""Read-only figures of the fund, for the public page and for staff: the position per fund,
call, instrument, sector, organisation and month, the public list of awards and each
award's public trail.

Every figure is summed by the database, one query per breakdown whatever the number of
awards or ledger entries. Committed and paid come from the running totals the services
keep on awards (held by constraints, reconciled against the ledger); only the months are
read from the ledger itself, since its dates are the payments' dates.

The sector is the organisation's (`startups.Organization.sector`, its main field of
activity): every award has one, whereas a challenge (and its theme) stands behind an
award only when the call or the backing proposal names one.

The public functions (`public_awards`, `award_trail`, `open_calls`) return public fields
only: never an application's plan, budget breakdown, documents or notes, nor who asked,
decided or verified anything.
"""

from __future__ import annotations

import datetime
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from fund.enums import Instrument
from fund.models import Award, Fund, FundingCall, LedgerEntry, Tranche
from fund.selectors import fund_position
from startups.enums import Sector

logger = logging.getLogger(__name__)

FundScope = Fund | int | None


def _fund_id(fund: FundScope) -> int | None:
    return fund.pk if isinstance(fund, Fund) else fund


def _awards(fund: FundScope) -> QuerySet:
    fund_id = _fund_id(fund)
    awards = Award.objects.all()
    return awards if fund_id is None else awards.filter(fund_id=fund_id)


def _sums(prefix: str = "") -> dict:
    """Committed, paid and the number of awards, summed over `prefix`'s awards."""
    return {
        "committed": Coalesce(Sum(f"{prefix}approved_vnd"), 0),
        "paid": Coalesce(Sum(f"{prefix}paid_vnd"), 0),
        "award_count": Count(f"{prefix}pk" if prefix else "pk"),
    }


@dataclass(frozen=True)
class Position:
    """One row of a breakdown. `limit_vnd` is the capital (a fund) or the budget (a
    call) where there is one; then `remaining_vnd` is what new awards may still take.
    `group` names what the row belongs to where that helps (a call's fund)."""

    key: object
    label: str
    committed_vnd: int
    paid_vnd: int
    awards: int
    limit_vnd: int | None = None
    group: str = ""

    @property
    def remaining_vnd(self) -> int | None:
        return None if self.limit_vnd is None else self.limit_vnd - self.committed_vnd

    @property
    def outstanding_vnd(self) -> int:
        """Committed but not paid yet."""
        return self.committed_vnd - self.paid_vnd


@dataclass(frozen=True)
class Totals:
    """The position of one fund, or of every fund together."""

    capital_vnd: int
    committed_vnd: int
    paid_vnd: int
    awards: int
    funds: int

    @property
    def remaining_vnd(self) -> int:
        return self.capital_vnd - self.committed_vnd

    @property
    def outstanding_vnd(self) -> int:
        return self.committed_vnd - self.paid_vnd


def fund_totals(fund: FundScope = None) -> Totals:
    """Capital, committed, paid and awards of one fund or of all: `fund_position`'s
    figures (the API's), in its one query."""
    fund_id = _fund_id(fund)
    positions = fund_position() if fund_id is None else [fund_position(Fund(pk=fund_id))]
    return Totals(
        capital_vnd=sum(p.capital_vnd for p in positions),
        committed_vnd=sum(p.committed_vnd for p in positions),
        paid_vnd=sum(p.paid_vnd for p in positions),
        awards=sum(p.awards for p in positions),
        funds=len(positions),
    )


# Breakdowns


def position_by_call(fund: FundScope = None, *, published_only: bool = False) -> list[Position]:
    """Each call, newest first, with its fund's name, budget, committed, paid and
    remaining."""
    fund_id = _fund_id(fund)
    calls = FundingCall.objects.all()
    if fund_id is not None:
        calls = calls.filter(fund_id=fund_id)
    if published_only:
        calls = calls.filter(is_published=True)
    rows = (
        calls.order_by("-opens_at", "id")
        .annotate(**_sums("awards__"))
        .values_list("pk", "title", "budget_vnd", "committed", "paid", "award_count", "fund__name")
    )
    return [
        Position(pk, title, committed, paid, count, limit_vnd=budget, group=fund_name)
        for pk, title, budget, committed, paid, count, fund_name in rows
    ]


def position_by_instrument(fund: FundScope = None) -> list[Position]:
    """Each instrument, in the order of `Instrument`, those without awards included."""
    rows = {
        instrument: (committed, paid, count)
        for instrument, committed, paid, count in _awards(fund)
        .order_by()
        .values("application__instrument")
        .annotate(**_sums())
        .values_list("application__instrument", "committed", "paid", "award_count")
    }
    return [
        Position(value, str(label), *rows.get(value, (0, 0, 0)))
        for value, label in Instrument.choices
    ]


def position_by_sector(fund: FundScope = None) -> list[Position]:
    """Each sector of the organisations awarded, most paid first."""
    labels = dict(Sector.choices)
    rows = (
        _awards(fund)
        .order_by()
        .values("application__organization__sector")
        .annotate(**_sums())
        .order_by("-paid", "-committed", "application__organization__sector")
        .values_list("application__organization__sector", "committed", "paid", "award_count")
    )
    return [
        Position(sector, str(labels.get(sector, sector)), committed, paid, count)
        for sector, committed, paid, count in rows
    ]


def position_by_organization(fund: FundScope = None, *, limit: int | None = None) -> list[Position]:
    """Each organisation awarded, most committed first (the first `limit`)."""
    rows = (
        _awards(fund)
        .order_by()
        .values("application__organization")
        .annotate(**_sums())
        .order_by("-committed", "application__organization")
        .values_list(
            "application__organization",
            "application__organization__legal_name",
            "committed",
            "paid",
            "award_count",
        )
    )
    if limit is not None:
        rows = rows[:limit]
    return [Position(pk, name, committed, paid, count) for pk, name, committed, paid, count in rows]


def organization_rows(fund: FundScope = None) -> QuerySet:
    """`position_by_organization` as a queryset, to be paged: tuples of (organisation
    id, legal name, committed, paid, awards), most committed first. A Paginator counts
    them in one query and reads a page in another; `as_positions` makes them rows."""
    return (
        _awards(fund)
        .order_by()
        .values("application__organization")
        .annotate(**_sums())
        .order_by("-committed", "application__organization")
        .values_list(
            "application__organization",
            "application__organization__legal_name",
            "committed",
            "paid",
            "award_count",
        )
    )


def as_positions(rows) -> list[Position]:
    """`organization_rows`' tuples (a page of them) as Positions."""
    return [Position(pk, name, committed, paid, count) for pk, name, committed, paid, count in rows]


# Months


@dataclass(frozen=True)
class Month:
    month: datetime.date  # its first day, in Vietnam
    committed_vnd: int
    paid_vnd: int


# Past months' sums, by fund and window. The ledger is append-only and every entry is
# dated by the server's clock as it is written (a payment, or a reversal dated the day it
# is made), so a month that is over stays as it is: its sum is kept, and only the months
# still open are read again, an indexed range of the ledger instead of the whole window.
# A month counts as over a day after it ended, past any transaction still committing
# rows dated just before midnight. Rows written with earlier dates (an import) must call
# `forget_past_months()`.
_PAST_MONTHS_KEY = "fund:paid-by-month:{version}:{fund}:{first}:{live}"
_PAST_MONTHS_VERSION_KEY = "fund:paid-by-month:version"
_PAST_MONTHS_SECONDS = 31 * 24 * 3600
_SETTLING = datetime.timedelta(days=1)


def _months(first: datetime.date, count: int) -> list[datetime.date]:
    months, year, month = [], first.year, first.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _window(count: int, now: datetime.datetime | None) -> list[datetime.date]:
    """The `count` months ending with the current one, in Vietnam."""
    today = timezone.localdate(now or timezone.now())
    year, month = today.year, today.month - (count - 1)
    while month < 1:
        year, month = year - 1, month + 12
    return _months(datetime.date(year, month, 1), count)


def _start(month: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        month, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )


def _paid_per_month(fund_id: int | None, since: datetime.date) -> dict[datetime.date, int]:
    """Net payments (reversals subtracted) per month from `since`: one GROUP BY over the
    ledger's `created_at` index range."""
    entries = LedgerEntry.objects.filter(created_at__gte=_start(since))
    if fund_id is not None:
        entries = entries.filter(award__fund_id=fund_id)
    rows = (
        entries.order_by()
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(total=Sum("amount_vnd"))
        .values_list("month", "total")
    )
    return {_as_date(month): total for month, total in rows}


def _paid_in_months(fund_id: int | None, months: list[datetime.date]) -> dict[datetime.date, int]:
    """Net payments in each of these consecutive months (the live ones), as one sum per
    month over the ledger's `created_at` range: no per-row month arithmetic, and on
    PostgreSQL read from the index alone (it carries the amounts)."""
    ends = [*months[1:], _months(months[-1], 2)[1]]
    entries = LedgerEntry.objects.filter(
        created_at__gte=_start(months[0]), created_at__lt=_start(ends[-1])
    )
    if fund_id is not None:
        entries = entries.filter(award__fund_id=fund_id)
    sums = entries.aggregate(
        **{
            f"m{i}": Sum(
                "amount_vnd", filter=Q(created_at__gte=_start(month), created_at__lt=_start(end))
            )
            for i, (month, end) in enumerate(zip(months, ends, strict=True))
        }
    )
    return {month: sums[f"m{i}"] or 0 for i, month in enumerate(months)}


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _months_version() -> int:
    # Never a number used before: if the counter is evicted, older sums stay unused.
    version = cache.get(_PAST_MONTHS_VERSION_KEY)
    if version is None:
        cache.add(_PAST_MONTHS_VERSION_KEY, time.time_ns(), None)
        version = cache.get(_PAST_MONTHS_VERSION_KEY)
    return version


def forget_past_months() -> None:
    """Drop the kept sums of past months (after rows were written with past dates)."""
    try:
        cache.incr(_PAST_MONTHS_VERSION_KEY)
    except ValueError:
        cache.add(_PAST_MONTHS_VERSION_KEY, time.time_ns(), None)
    except Exception:
        # A cache outage must not fail the write; the kept sums expire within a month.
        logger.exception("Could not drop the kept monthly sums")


def ledger_entry_written(entry: LedgerEntry) -> None:
    """Called for each ledger entry saved: one dated before the months still read live
    (an import, a test's clock) drops the kept sums. Bulk inserts send no signal: their
    writer calls `forget_past_months()`."""
    if entry.created_at < timezone.now() - _SETTLING:
        forget_past_months()


def paid_by_month(
    fund: FundScope = None, *, months: int = 12, now: datetime.datetime | None = None
) -> list[tuple[datetime.date, int]]:
    """(first day of the month, net paid) for each of the last `months` months, the
    current one last, months without payments at 0. One query."""
    fund_id = _fund_id(fund)
    now = now or timezone.now()
    window = _window(months, now)
    settled = timezone.localdate(now - _SETTLING).replace(day=1)
    live = [month for month in window if month >= settled]
    try:
        key = _PAST_MONTHS_KEY.format(
            version=_months_version(),
            fund=fund_id or "all",
            first=window[0].isoformat(),
            live=live[0].isoformat(),
        )
        past = cache.get(key)
    except Exception:
        # Without the cache, the whole window is read: slower, never wrong.
        logger.exception("Could not read the kept monthly sums")
        key, past = None, None
    if past is None:
        sums = _paid_per_month(fund_id, window[0])
        past = {month: sums.get(month, 0) for month in window if month < live[0]}
        if key is not None:
            try:
                cache.set(key, past, _PAST_MONTHS_SECONDS)
            except Exception:
                logger.exception("Could not keep the monthly sums")
    else:
        sums = _paid_in_months(fund_id, live)
    return [(month, past[month]) for month in window if month in past] + [
        (month, sums.get(month, 0)) for month in live
    ]


def committed_by_month(
    fund: FundScope = None, *, months: int = 12, now: datetime.datetime | None = None
) -> list[tuple[datetime.date, int]]:
    """(first day of the month, approved by the committee) for each of the last `months`
    months. One query over the awards."""
    window = _window(months, now)
    rows = (
        _awards(fund)
        .filter(decided_at__gte=_start(window[0]))
        .order_by()
        .annotate(month=TruncMonth("decided_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(total=Sum("approved_vnd"))
        .values_list("month", "total")
    )
    sums = {_as_date(month): total for month, total in rows}
    return [(month, sums.get(month, 0)) for month in window]


def position_by_month(
    fund: FundScope = None, *, months: int = 12, now: datetime.datetime | None = None
) -> list[Month]:
    """Committed and paid in each of the last `months` months. Two queries."""
    paid = dict(paid_by_month(fund, months=months, now=now))
    return [
        Month(month, committed, paid[month])
        for month, committed in committed_by_month(fund, months=months, now=now)
    ]


# What the public sees


def open_calls(fund: FundScope = None, *, now: datetime.datetime | None = None) -> QuerySet:
    """Published calls taking applications now, closing soonest first, with their public
    fields only."""
    now = now or timezone.now()
    calls = FundingCall.objects.filter(is_published=True, opens_at__lte=now, closes_at__gt=now)
    fund_id = _fund_id(fund)
    if fund_id is not None:
        calls = calls.filter(fund_id=fund_id)
    return calls.order_by("closes_at", "id").only(
        "pk",
        "title",
        "description",
        "opens_at",
        "closes_at",
        "budget_vnd",
        "committed_vnd",
        "offers_grant",
        "offers_equity",
        "offers_convertible_loan",
    )


# The challenge an award came from: the call's, else the backing proposal's; only a
# published one (an unpublished challenge has no public existence).
_CALL_CHALLENGE = "call__challenge"
_PROPOSAL_CHALLENGE = "application__proposal__challenge"


def _challenge_field(name: str, output_field=None):
    return Case(
        When(**{f"{_CALL_CHALLENGE}__is_published": True}, then=F(f"{_CALL_CHALLENGE}__{name}")),
        When(
            **{
                f"{_CALL_CHALLENGE}__isnull": True,
                f"{_PROPOSAL_CHALLENGE}__is_published": True,
            },
            then=F(f"{_PROPOSAL_CHALLENGE}__{name}"),
        ),
        default=None,
        output_field=output_field,
    )


PUBLIC_AWARD_FIELDS = (
    "pk",
    "organization_name",
    "instrument",
    "approved_vnd",
    "paid_vnd",
    "decided_at",
    "fund_id",
    "call_title",
    "challenge_pk",
    "challenge_code",
    "challenge_title",
)


def _public_rows(fund: FundScope) -> QuerySet:
    return _awards(fund).annotate(
        organization_name=F("application__organization__legal_name"),
        instrument=F("application__instrument"),
        call_title=F("call__title"),
        challenge_pk=_challenge_field("pk", IntegerField()),
        challenge_code=_challenge_field("code"),
        challenge_title=_challenge_field("title"),
    )


def award_ids() -> QuerySet:
    """(pk, fund_id) of every award, oldest first: each has a public trail."""
    return Award.objects.order_by("pk").values_list("pk", "fund_id")


def public_awards(fund: FundScope = None) -> QuerySet:
    """Every award, newest decision first, as dicts of PUBLIC_AWARD_FIELDS: the
    organisation's legal name, the instrument, the amounts approved and paid, the date
    of the decision, the call and the (published) challenge it came from. Slice it."""
    return _public_rows(fund).order_by("-decided_at", "-pk").values(*PUBLIC_AWARD_FIELDS)


@dataclass(frozen=True)
class TrancheTrail:
    number: int
    amount_vnd: int
    paid_vnd: int
    planned_date: datetime.date
    milestone: str
    milestone_met_on: datetime.date | None

    @property
    def milestone_met(self) -> bool:
        return self.milestone_met_on is not None

    @property
    def paid_in_full(self) -> bool:
        return self.paid_vnd >= self.amount_vnd

    @property
    def state(self) -> str:
        """paid, partly_paid or unpaid."""
        if self.paid_in_full:
            return "paid"
        return "partly_paid" if self.paid_vnd else "unpaid"


def award_trail(
    award_id: int, fund: FundScope = None, *, extra: dict | None = None
) -> tuple[dict, list[TrancheTrail]] | None:
    """The public trail of one award (None if there is none in `fund`): the award's
    public fields (PUBLIC_AWARD_FIELDS, the fund's name and the backing proposal's
    title when its challenge is published, and the caller's `extra` annotations, such
    as a page's link) and its tranches in order, each with its milestone, whether it is
    met (on which day) and what is paid of it. Two queries."""
    extra = extra or {}
    award = (
        _public_rows(fund)
        .filter(pk=award_id)
        .annotate(**extra)
        .annotate(
            fund_name=F("fund__name"),
            proposal_title=Case(
                When(
                    **{f"{_PROPOSAL_CHALLENGE}__is_published": True},
                    then=F("application__proposal__title"),
                ),
                default=None,
            ),
        )
        .values(*PUBLIC_AWARD_FIELDS, "fund_name", "proposal_title", *extra)
        .first()
    )
    if award is None:
        return None
    tranches = [
        TrancheTrail(
            number=number,
            amount_vnd=amount,
            paid_vnd=paid,
            planned_date=planned,
            milestone=milestone,
            milestone_met_on=timezone.localdate(met_at) if met_at else None,
        )
        for number, amount, paid, planned, milestone, met_at in Tranche.objects.filter(
            award_id=award_id
        )
        .order_by("number")
        .values_list(
            "number", "amount_vnd", "paid_vnd", "planned_date", "milestone", "milestone_met_at"
        )
    ]
    return award, tranches
