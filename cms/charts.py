"""Bar charts drawn on the server as inline SVG: no script, readable on a phone, and each
with its figures in a table for screen readers and for anyone who wants the numbers.

The functions here compute the geometry; `cms/_bar_chart.html` and
`cms/_sector_chart.html` draw it. Amounts are whole đồng; only the drawing divides.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from fund.services import vnd

BILLION = 10**9
MILLION = 10**6


def compact_vnd(amount: int) -> str:
    """An amount short enough for an axis or a bar: 1,5 tỷ / 1.5 bn, 250 triệu / 250 m."""
    size = abs(amount)
    if size >= BILLION:
        unit, template = BILLION, _("%(amount)s bn")
    elif size >= MILLION:
        unit, template = MILLION, _("%(amount)s m")
    else:
        return formats.number_format(amount, force_grouping=True)
    value = (Decimal(amount) / unit).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    places = 0 if value == value.to_integral_value() else 1
    shown = formats.number_format(value, decimal_pos=places, force_grouping=True)
    return template % {"amount": shown}


def compact_vnd_with_unit(amount: int) -> str:
    """`compact_vnd` with the currency: 1,5 tỷ đồng / 1.5 bn VND."""
    return _("%(amount)s VND") % {"amount": compact_vnd(amount)}


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least `value`."""
    if value <= 0:
        return 0
    power = 1
    while power * 10 <= value:
        power *= 10
    for step in (1, 2, 2.5, 5, 10):
        ceiling = int(power * Decimal(str(step)))
        if ceiling >= value:
            return ceiling
    return power * 10


@dataclass(frozen=True)
class Bar:
    label: str  # on the axis
    long_label: str  # in the table and the tooltip
    value: int
    shown: str  # the value as people read it
    x: float
    y: float
    width: float
    height: float
    label_x: float
    negative: bool


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class ColumnChart:
    title: str
    description: str
    period: str  # what each bar is, for the table's first column
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    empty: bool
    label_y: float


def column_chart(
    points: list[tuple[str, str, int]],
    *,
    title: str,
    period: str,
    width: int = 640,
    height: int = 240,
) -> ColumnChart:
    """Vertical bars for (axis label, long label, amount) in order; negative amounts
    (a month whose reversals outweigh its payments) go below the zero line."""
    left, right, top, bottom = 56, 4, 12, 28
    plot_height = height - top - bottom
    values = [value for _label, _long, value in points]
    high = _nice_ceiling(max([0, *values]))
    low = -_nice_ceiling(-min([0, *values]))
    span = (high - low) or 1
    scale = plot_height / span
    baseline = top + high * scale
    slot = (width - left - right) / max(len(points), 1)
    bar_width = slot * 0.7
    # An axis label needs about 40 units ("12/26" at 12 px): label every month that fits,
    # counted back from the latest, so the newest month is always named.
    every = max(1, -(-40 // max(int(slot), 1)))
    bars = []
    for index, (label, long_label, value) in enumerate(points):
        if (len(points) - 1 - index) % every:
            label = ""
        x = left + index * slot + (slot - bar_width) / 2
        size = abs(value) * scale
        bars.append(
            Bar(
                label=label,
                long_label=long_label,
                value=value,
                shown=vnd(value),
                x=round(x, 1),
                y=round(baseline - size if value >= 0 else baseline, 1),
                width=round(bar_width, 1),
                height=round(size, 1),
                label_x=round(x + bar_width / 2, 1),
                negative=value < 0,
            )
        )
    ticks = []
    if high or low:
        steps = 4
        for step in range(steps + 1):
            amount = low + span * step // steps
            ticks.append(Tick(y=round(baseline - amount * scale, 1), label=compact_vnd(amount)))
    total = sum(values)
    if any(values):
        top = max(bars, key=lambda bar: bar.value)
        description = _("In all: %(total)s. Highest: %(label)s, %(amount)s.") % {
            "total": vnd(total),
            "label": top.long_label,
            "amount": top.shown,
        }
    else:
        description = _("Nothing was paid in this period.")
    return ColumnChart(
        title=str(title),
        description=description,
        period=str(period),
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        baseline=round(baseline, 1),
        bars=bars,
        ticks=ticks,
        empty=not any(values),
        label_y=height - 8,
    )


@dataclass(frozen=True)
class Row:
    label: str
    paid: int
    committed: int
    paid_shown: str
    committed_shown: str
    compact: str
    y: float
    label_y: float
    bar_y: float
    paid_width: float
    committed_width: float
    value_x: float


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: int
    height: int
    left: int
    rows: list[Row]
    bar_height: int


def bar_chart(rows: list[tuple[str, int, int]], *, title: str, width: int = 640) -> BarChart:
    """Horizontal bars for (label, paid, committed): the amount committed as a light bar,
    what is paid of it as a dark bar over it. Labels sit above their bars, so that long
    sector names need no room beside them."""
    left, row_height, bar_height, value_room = 0, 44, 16, 130
    plot_width = width - left - value_room
    high = max([1, *(max(paid, committed) for _label, paid, committed in rows)])
    drawn = []
    for index, (label, paid, committed) in enumerate(rows):
        top = index * row_height
        committed_width = max(committed, 0) * plot_width / high
        drawn.append(
            Row(
                label=label,
                paid=paid,
                committed=committed,
                paid_shown=vnd(paid),
                committed_shown=vnd(committed),
                compact=_("%(paid)s of %(committed)s")
                % {"paid": compact_vnd(paid), "committed": compact_vnd(committed)},
                y=top,
                label_y=top + 14,
                bar_y=top + 20,
                paid_width=round(max(paid, 0) * plot_width / high, 1),
                committed_width=round(committed_width, 1),
                value_x=round(left + committed_width + 6, 1),
            )
        )
    description = "; ".join(
        _("%(label)s: %(paid)s paid of %(committed)s committed")
        % {"label": row.label, "paid": row.paid_shown, "committed": row.committed_shown}
        for row in drawn
    )
    return BarChart(
        title=str(title),
        description=description,
        width=width,
        height=max(len(rows), 1) * row_height,
        left=left,
        rows=drawn,
        bar_height=bar_height,
    )
