"""A round's results, computed by the database in one query.

How the numbers are made (each on a scale of 0 to 100, except the z-scores):

Sheet score
    Only submitted score sheets count; drafts and sheets not yet opened are reported
    as pending, declared conflicts and released reviews not at all. A sheet's score is
    100 × Σ(weight × value / highest score) / Σ(weight) over the criteria the juror
    scored. An abstention is left out and the other criteria's weights share its
    place; it never counts as zero.

Mean
    The average of the entry's sheet scores.

Normalised
    Each sheet's z-score among the sheets its juror submitted in this round:
    (sheet score − the juror's average) / the juror's population standard deviation;
    0 when the juror scored a single entry or gave every entry the same score. The
    entry's normalised score is the average of its sheets' z-scores, so a harsh and a
    lenient juror weigh alike. 0 is an average entry; +1 is one standard deviation
    above it.

Trimmed mean
    Where an entry has five submitted sheets or more: the mean once its highest and
    its lowest sheet are dropped. Empty below five.

Spread and disagreement
    The highest sheet score minus the lowest. The entry is flagged when the spread
    reaches the round's disagreement threshold.

Ranking score and rank
    The round's ranking method names the column that ranks: mean, normalised, or
    trimmed (the mean where an entry has fewer than five sheets). Ties are broken by,
    in turn: the higher mean, more reviews done, the earlier submitted proposal, then
    the proposal reference. Every entry of the round is ranked, those without a
    submitted sheet last. Ranks run from 1 without gaps.

Numbers keep their full precision; ranking compares them to nine decimals (so that
equal scores whose sums were added up in another order, and differ in the last binary
digit, still tie). `RankedEntry.rounded()` gives them as shown: two decimals for
scores, three for z-scores.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, FilteredRelation, Q
from django.utils.translation import gettext_lazy as _

from challenges.judging.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    Round,
    RoundEntry,
    RoundJuror,
    Score,
)
from challenges.models import Proposal
from startups.models import Organization

SCORE_PLACES = 2
Z_PLACES = 3
# Below this a juror's standard deviation is rounding noise: they gave equal scores.
ZERO_DEVIATION = 1e-9
TRIMMED_MIN_SHEETS = 5
# Scores are compared for ranking to this many decimals: the same mean summed in
# another order can differ in its last binary digit, and must still tie.
COMPARE_PLACES = 9

# The module docstring's definitions, for the pages that show a ranking.
RANKING_DEFINITIONS = [
    (
        _("Sheet score"),
        _(
            "Only submitted score sheets count. A sheet scores 100 × Σ(weight × score ÷ "
            "highest score) ÷ Σ(weight) over the criteria the juror scored: an abstention "
            "is left out, never counted as zero."
        ),
    ),
    (_("Weighted mean"), _("The average of the entry's sheet scores, out of 100.")),
    (
        _("Normalised (z-score)"),
        _(
            "Each sheet compared with the other sheets of the same juror in this round: "
            "(score − the juror's average) ÷ the juror's standard deviation, 0 when the "
            "juror scored one entry or gave every entry the same score; averaged over the "
            "entry's sheets, so harsh and lenient jurors weigh alike."
        ),
    ),
    (
        _("Trimmed mean"),
        _(
            "From five submitted sheets: the mean without the highest and the lowest "
            "sheet. Ranking by trimmed mean uses the mean below five sheets."
        ),
    ),
    (
        _("Spread"),
        _(
            "The highest sheet score minus the lowest; the entry is flagged when it "
            "reaches the round's disagreement threshold."
        ),
    ),
    (
        _("Tie-break"),
        _(
            "Equal ranking scores are ordered by the higher mean, then more reviews "
            "done, then the earlier submitted proposal, then the reference. Entries "
            "without a submitted sheet come last."
        ),
    ),
]


@dataclass(frozen=True, slots=True)
class RankedEntry:
    entry_id: int
    proposal_id: int
    reference: str | None
    title: str
    organization_name: str
    organization_tax_code: str | None
    reviews_done: int
    reviews_pending: int
    mean: float | None
    normalised: float | None
    trimmed: float | None
    spread: float | None
    disagreement: bool
    ranking_score: float | None
    rank: int

    def rounded(self) -> RankedEntry:
        """The same entry with its numbers as shown to people."""
        return dataclasses.replace(
            self,
            mean=_round(self.mean, SCORE_PLACES),
            normalised=_round(self.normalised, Z_PLACES),
            trimmed=_round(self.trimmed, SCORE_PLACES),
            spread=_round(self.spread, SCORE_PLACES),
            ranking_score=_round(self.ranking_score, Z_PLACES),
        )


def _round(value: float | None, places: int) -> float | None:
    if value is None:
        return None
    value = round(value, places)
    return 0.0 if value == 0 else value  # no "-0.0"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _ranking_sql() -> str:
    """One statement for SQLite and PostgreSQL: CTEs, window functions, NULLS LAST.
    Every computed number is cast to DOUBLE PRECISION (REAL affinity on SQLite), so
    both databases do the same IEEE arithmetic."""
    # Only table names are interpolated (from the models); values go as parameters.
    return f"""
WITH sheet AS (
    SELECT a.id AS assignment_id, a.entry_id, a.juror_id,
           SUM(CAST(c.weight * s.value AS DOUBLE PRECISION) / c.max_score) * 100
               / SUM(c.weight) AS score
    FROM {_table(Assignment)} a
    JOIN {_table(Score)} s ON s.assignment_id = a.id
    JOIN {_table(Criterion)} c ON c.id = s.criterion_id
    WHERE a.round_id = %(round)s AND a.status = %(submitted)s
      AND NOT s.abstain AND s.value IS NOT NULL
    GROUP BY a.id, a.entry_id, a.juror_id
),
sheet_juror AS (
    SELECT entry_id, juror_id, score,
           AVG(score) OVER (PARTITION BY juror_id) AS juror_mean,
           COUNT(*) OVER (PARTITION BY juror_id) AS juror_sheets
    FROM sheet
),
sheet_deviation AS (
    SELECT entry_id, score, juror_mean, juror_sheets,
           SQRT(AVG((score - juror_mean) * (score - juror_mean))
                OVER (PARTITION BY juror_id)) AS juror_sd
    FROM sheet_juror
),
sheet_z AS (
    SELECT entry_id, score,
           CASE WHEN juror_sheets < 2 OR juror_sd < %(zero_sd)s
                THEN CAST(0 AS DOUBLE PRECISION)
                ELSE (score - juror_mean) / juror_sd END AS z
    FROM sheet_deviation
),
entry_scores AS (
    SELECT entry_id,
           AVG(score) AS mean,
           AVG(z) AS normalised,
           MAX(score) - MIN(score) AS spread,
           CASE WHEN COUNT(*) >= %(trimmed_min)s
                THEN (SUM(score) - MAX(score) - MIN(score)) / (COUNT(*) - 2) END AS trimmed
    FROM sheet_z
    GROUP BY entry_id
),
entry_reviews AS (
    SELECT entry_id,
           SUM(CASE WHEN status = %(submitted)s THEN 1 ELSE 0 END) AS done,
           SUM(CASE WHEN status IN (%(assigned)s, %(draft)s) THEN 1 ELSE 0 END) AS pending
    FROM {_table(Assignment)}
    WHERE round_id = %(round)s
    GROUP BY entry_id
),
entry AS (
    SELECT e.id AS entry_id, p.id AS proposal_id, p.reference, p.title, p.submitted_at,
           o.legal_name, o.tax_code,
           COALESCE(r.done, 0) AS done, COALESCE(r.pending, 0) AS pending,
           s.mean, s.normalised, s.trimmed, s.spread,
           CASE %(method)s
                WHEN 'normalised' THEN s.normalised
                WHEN 'trimmed' THEN COALESCE(s.trimmed, s.mean)
                ELSE s.mean END AS ranking_score
    FROM {_table(RoundEntry)} e
    JOIN {_table(Proposal)} p ON p.id = e.proposal_id
    JOIN {_table(Organization)} o ON o.id = p.organization_id
    LEFT JOIN entry_scores s ON s.entry_id = e.id
    LEFT JOIN entry_reviews r ON r.entry_id = e.id
    WHERE e.round_id = %(round)s
)
SELECT entry_id, proposal_id, reference, title, legal_name, tax_code, done, pending,
       mean, normalised, trimmed, spread,
       CASE WHEN spread >= %(threshold)s THEN 1 ELSE 0 END AS disagreement,
       ranking_score,
       ROW_NUMBER() OVER (
           ORDER BY ROUND(CAST(ranking_score AS NUMERIC), %(places)s) DESC NULLS LAST,
                    ROUND(CAST(mean AS NUMERIC), %(places)s) DESC NULLS LAST,
                    done DESC, submitted_at ASC NULLS LAST, reference ASC NULLS LAST,
                    entry_id ASC
       ) AS rank
FROM entry
ORDER BY rank
"""  # noqa: S608


def round_ranking(round_: Round) -> list[RankedEntry]:
    """Every entry of the round, ranked (see the module's docstring). One query."""
    params = {
        "round": round_.pk,
        "submitted": AssignmentStatus.SUBMITTED.value,
        "assigned": AssignmentStatus.ASSIGNED.value,
        "draft": AssignmentStatus.DRAFT.value,
        "zero_sd": ZERO_DEVIATION,
        "trimmed_min": TRIMMED_MIN_SHEETS,
        "method": str(round_.ranking_method),
        "threshold": round_.disagreement_threshold,
        "places": COMPARE_PLACES,
    }
    with connection.cursor() as cursor:
        cursor.execute(_ranking_sql(), params)
        rows = cursor.fetchall()
    return [
        RankedEntry(
            entry_id=row[0],
            proposal_id=row[1],
            reference=row[2],
            title=row[3],
            organization_name=row[4],
            organization_tax_code=row[5],
            reviews_done=int(row[6]),
            reviews_pending=int(row[7]),
            mean=_float(row[8]),
            normalised=_float(row[9]),
            trimmed=_float(row[10]),
            spread=_float(row[11]),
            disagreement=bool(row[12]),
            ranking_score=_float(row[13]),
            rank=int(row[14]),
        )
        for row in rows
    ]


def _float(value) -> float | None:
    return None if value is None else float(value)


# Progress


@dataclass(frozen=True, slots=True)
class JurorProgress:
    juror_id: int
    name: str
    email: str
    withdrawn: bool
    assigned: int  # not opened yet
    draft: int
    submitted: int
    conflicts: int

    @property
    def pending(self) -> int:
        return self.assigned + self.draft

    @property
    def total(self) -> int:
        """The reviews this juror carries or carried (conflicts excluded)."""
        return self.assigned + self.draft + self.submitted


@dataclass(frozen=True, slots=True)
class RoundProgress:
    jurors: list[JurorProgress]
    entries: int
    assigned: int
    draft: int
    submitted: int
    conflicts: int

    @property
    def pending(self) -> int:
        return self.assigned + self.draft

    @property
    def percent_done(self) -> int:
        """Submitted reviews as a whole percentage of the live ones (0 when none)."""
        live = self.assigned + self.draft + self.submitted
        return (100 * self.submitted) // live if live else 0


def _status_counts(prefix: str) -> dict:
    field = f"{prefix}__status" if prefix else "status"
    target = f"{prefix}__id" if prefix else "id"
    return {
        "n_assigned": Count(target, filter=Q(**{field: AssignmentStatus.ASSIGNED})),
        "n_draft": Count(target, filter=Q(**{field: AssignmentStatus.DRAFT})),
        "n_submitted": Count(target, filter=Q(**{field: AssignmentStatus.SUBMITTED})),
        "n_conflicts": Count(target, filter=Q(**{field: AssignmentStatus.CONFLICT})),
    }


def round_progress(round_: Round) -> RoundProgress:
    """Reviews per panel juror (withdrawn jurors included, for the reviews they kept)
    and for the whole round: two aggregate queries."""
    panel = (
        RoundJuror.objects.filter(round=round_)
        .annotate(
            sheets=FilteredRelation(
                "user__assignments", condition=Q(user__assignments__round=round_)
            )
        )
        .annotate(**_status_counts("sheets"))
        .values_list(
            "user_id",
            "user__full_name",
            "user__email",
            "withdrawn_at",
            "n_assigned",
            "n_draft",
            "n_submitted",
            "n_conflicts",
        )
        .order_by("user__full_name", "user__email")
    )
    jurors = [
        JurorProgress(
            juror_id=user_id,
            name=full_name or email,
            email=email,
            withdrawn=withdrawn_at is not None,
            assigned=assigned,
            draft=draft,
            submitted=submitted,
            conflicts=conflicts,
        )
        for user_id, full_name, email, withdrawn_at, assigned, draft, submitted, conflicts in panel
    ]
    totals = RoundEntry.objects.filter(round=round_).aggregate(
        entries=Count("id", distinct=True), **_status_counts("assignments")
    )
    return RoundProgress(
        jurors=jurors,
        entries=totals["entries"],
        assigned=totals["n_assigned"],
        draft=totals["n_draft"],
        submitted=totals["n_submitted"],
        conflicts=totals["n_conflicts"],
    )
