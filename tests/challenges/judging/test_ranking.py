import math
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from challenges.judging import services
from challenges.judging.models import (
    Assignment,
    AssignmentStatus,
    RankingMethod,
    RoundEntry,
    RoundJuror,
    Score,
)
from challenges.judging.ranking import round_progress, round_ranking
from tests.factories.judging import (
    AssignmentFactory,
    JurorFactory,
    RoundEntryFactory,
    RoundFactory,
)
from tests.helpers import assert_constant_queries, count_queries

pytestmark = pytest.mark.django_db

# Weights 50, 30, 20; highest scores 5, 5 and 10. A sheet without abstention scores
# 100 × (50a/5 + 30b/5 + 20c/10) / 100 = 10a + 6b + 2c.
CRITERIA = [(50, 5), (30, 5), (20, 10)]
ROOT_3_2 = math.sqrt(1.5)


def criteria(round_):
    return list(round_.rubric.criteria.order_by("sort_order"))


def give(round_, assignment, values, *, submit=True, comment=""):
    """Score a sheet through the juror's services; None abstains."""
    payload = [
        {"criterion": c.pk, "value": v}
        if v is not None
        else {"criterion": c.pk, "abstain": True, "reason": "Ngoài chuyên môn của tôi."}
        for c, v in zip(criteria(round_), values, strict=True)
    ]
    services.sheet_save(assignment, actor=assignment.juror, scores=payload, comment=comment)
    if submit:
        services.sheet_submit(assignment, actor=assignment.juror)
    return assignment


def assign(entry, juror, **kwargs):
    return AssignmentFactory(entry=entry, juror=juror, **kwargs)


@pytest.fixture
def example():
    """The worked example.

    Sheets (a, b, c) → score = 10a + 6b + 2c:

        juror H (harsh):   E1 (3,3,1) = 50   E3 (3,3,abstain) = 60   E4 (2,3,1) = 40
        juror L (lenient): E1 (4,5,8) = 86   E2 (4,5,5) = 80         E4 (4,4,5) = 74
        juror M:           E1 (3,5,3) = 66   E2 (3,3,4) = 56         E3 (4,4,6) = 76
        juror P:           E1 (5,5,10) = 100
        juror Q:           E1 (2,2,6) = 44

    H abstains on the third criterion of E3: (50·3/5 + 30·3/5) / 80 × 100 = 48/80 × 100
    = 60 (counted as zero it would be 48). E5 has a draft of M (all zeros) and an
    assignment P has not opened: both pending, neither counted. Q declared a conflict
    on E2: neither done nor pending.

    Juror averages and population deviations:
        H: (50 + 60 + 40)/3 = 50, deviations 0, +10, −10, σ = √(200/3) = 8.1650
        L: (86 + 80 + 74)/3 = 80, deviations +6, 0, −6,  σ = √(72/3) = √24 = 4.8990
        M: (66 + 56 + 76)/3 = 66, deviations 0, −10, +10, σ = 8.1650
        P and Q scored one entry each: z = 0.
    So every ±deviation is z = ±√(3/2) = ±1.224745 (10/8.1650 = 6/4.8990).

    Entries:
        E1: 50, 86, 66, 100, 44: mean 346/5 = 69.2; five sheets, so trimmed drops 100
            and 44: (50 + 86 + 66)/3 = 67.3333; spread 100 − 44 = 56;
            z: 0, +1.2247, 0, 0, 0 → normalised √1.5/5 = 0.244949.
        E2: 80, 56: mean 68; spread 24; z: 0, −1.2247 → −0.612372.
        E3: 60, 76: mean 68; spread 16; z: +1.2247, +1.2247 → +1.224745.
        E4: 40, 74: mean 57; spread 34; z: −1.2247, −1.2247 → −1.224745.
        E5: no submitted sheet.

    Disagreement threshold 34: E1 (56) and E4 (34, the threshold itself) are flagged.

    By mean: E1 69.2; E2 and E3 tie at 68 with two reviews each, and E3 was submitted
    first, so E3 ranks 2 and E2 3 (though E2 has the smaller reference); E4 57; E5 last.
    """
    round_ = RoundFactory(rubric__criteria=CRITERIA, disagreement_threshold=34)
    now = timezone.now()
    entries = {
        name: RoundEntryFactory(round=round_, proposal__submitted_at=now - timedelta(hours=h))
        for name, h in [("E1", 5), ("E2", 3), ("E3", 4), ("E4", 2), ("E5", 1)]
    }
    h, l_, m, p, q = (JurorFactory() for _ in range(5))
    e1, e2, e3, e4, e5 = entries.values()
    give(round_, assign(e1, h), [3, 3, 1])
    give(round_, assign(e3, h), [3, 3, None])
    give(round_, assign(e4, h), [2, 3, 1])
    give(round_, assign(e1, l_), [4, 5, 8])
    give(round_, assign(e2, l_), [4, 5, 5])
    give(round_, assign(e4, l_), [4, 4, 5])
    give(round_, assign(e1, m), [3, 5, 3])
    give(round_, assign(e2, m), [3, 3, 4])
    give(round_, assign(e3, m), [4, 4, 6])
    give(round_, assign(e1, p), [5, 5, 10])
    give(round_, assign(e1, q), [2, 2, 6])
    give(round_, assign(e5, m), [0, 0, 0], submit=False)
    assign(e5, p)
    assign(e2, q, status=AssignmentStatus.CONFLICT, conflict_reason="Từng làm cố vấn.")
    return round_, entries


def by_name(ranking, entries):
    names = {entry.pk: name for name, entry in entries.items()}
    return {names[row.entry_id]: row for row in ranking}


def approx(value):
    return pytest.approx(value, abs=1e-9)


def test_ranking_by_mean_matches_the_worked_example(example):
    round_, entries = example

    ranking = round_ranking(round_)
    rows = by_name(ranking, entries)

    assert by_rank(ranking, entries) == ["E1", "E3", "E2", "E4", "E5"]
    expected = {
        # name: (mean, normalised, trimmed, spread, disagreement, done, pending)
        "E1": (69.2, ROOT_3_2 / 5, 202 / 3, 56, True, 5, 0),
        "E2": (68, -ROOT_3_2 / 2, None, 24, False, 2, 0),
        "E3": (68, ROOT_3_2, None, 16, False, 2, 0),
        "E4": (57, -ROOT_3_2, None, 34, True, 2, 0),
        "E5": (None, None, None, None, False, 0, 2),
    }
    for name, (mean, normalised, trimmed, spread, flag, done, pending) in expected.items():
        row = rows[name]
        assert (row.mean is None) == (mean is None), name
        if mean is not None:
            assert row.mean == approx(mean), name
            assert row.normalised == approx(normalised), name
            assert row.spread == approx(spread), name
            assert row.ranking_score == approx(mean), name
        if trimmed is None:
            assert row.trimmed is None, name
        else:
            assert row.trimmed == approx(trimmed), name
        assert row.disagreement is flag, name
        assert (row.reviews_done, row.reviews_pending) == (done, pending), name
    e1 = rows["E1"]
    proposal = entries["E1"].proposal
    assert (e1.proposal_id, e1.reference, e1.title) == (
        proposal.pk,
        proposal.reference,
        proposal.title,
    )
    assert e1.organization_name == proposal.organization.legal_name
    assert e1.organization_tax_code == proposal.organization.tax_code


def by_rank(ranking, entries):
    names = {entry.pk: name for name, entry in entries.items()}
    assert [row.rank for row in ranking] == list(range(1, len(ranking) + 1))
    return [names[row.entry_id] for row in ranking]


def test_ranking_by_normalised_score_weighs_harsh_and_lenient_jurors_alike(example):
    round_, entries = example
    round_.ranking_method = RankingMethod.NORMALISED
    round_.save()

    ranking = round_ranking(round_)

    # E3 was scored high by the harsh juror H and by M; E2 low-to-average by the
    # lenient L and by M: same mean, far apart once each juror's habits are removed.
    assert by_rank(ranking, entries) == ["E3", "E1", "E2", "E4", "E5"]
    assert [row.ranking_score for row in ranking[:4]] == [
        approx(ROOT_3_2),
        approx(ROOT_3_2 / 5),
        approx(-ROOT_3_2 / 2),
        approx(-ROOT_3_2),
    ]
    assert ranking[4].ranking_score is None


def test_ranking_by_trimmed_mean_falls_back_to_the_mean_below_five_sheets(example):
    round_, entries = example
    round_.ranking_method = RankingMethod.TRIMMED
    round_.save()

    ranking = round_ranking(round_)

    # E1's trimmed mean 67.33 falls below E3's and E2's 68 (their plain means).
    assert by_rank(ranking, entries) == ["E3", "E2", "E1", "E4", "E5"]
    assert [row.ranking_score for row in ranking[:4]] == [
        approx(68),
        approx(68),
        approx(202 / 3),
        approx(57),
    ]


def test_rounded_entries_show_two_decimals_for_scores_and_three_for_z(example):
    round_, entries = example
    rows = by_name(round_ranking(round_), entries)

    shown = rows["E1"].rounded()

    assert (shown.mean, shown.trimmed, shown.normalised, shown.spread) == (
        69.2,
        67.33,
        0.245,
        56.0,
    )
    assert rows["E5"].rounded().mean is None


def test_an_abstention_is_left_out_not_counted_as_zero():
    round_ = RoundFactory(rubric__criteria=CRITERIA)
    entry = RoundEntryFactory(round=round_)
    give(round_, assign(entry, JurorFactory()), [5, None, 10])  # (50 + 20) / 70 → 100

    (row,) = round_ranking(round_)

    assert row.mean == approx(100)  # as zero it would be 70


def test_drafts_are_reported_pending_and_never_counted():
    round_ = RoundFactory(rubric__criteria=CRITERIA)
    entry = RoundEntryFactory(round=round_)
    other = RoundEntryFactory(round=round_)
    juror = JurorFactory()
    give(round_, assign(entry, juror), [4, 4, 4])  # 72
    give(round_, assign(other, juror), [0, 0, 0], submit=False)  # a draft of 0
    give(round_, assign(entry, JurorFactory()), [0, 0, 0], submit=False)
    assign(entry, JurorFactory())  # not opened
    assign(entry, JurorFactory(), status=AssignmentStatus.RELEASED)

    first, second = round_ranking(round_)

    assert (first.entry_id, first.mean, first.reviews_done, first.reviews_pending) == (
        entry.pk,
        approx(72),
        1,
        2,
    )
    # Alone among the juror's submitted sheets, the sheet is average: z = 0.
    assert first.normalised == 0
    assert (second.entry_id, second.mean, second.reviews_done, second.reviews_pending) == (
        other.pk,
        None,
        0,
        1,
    )


def test_an_exact_tie_down_to_the_submission_time_ranks_by_reference():
    round_ = RoundFactory(rubric__criteria=CRITERIA)
    moment = timezone.now() - timedelta(days=1)
    later = RoundEntryFactory(
        round=round_, proposal__reference="T-2026-9002", proposal__submitted_at=moment
    )
    earlier = RoundEntryFactory(
        round=round_, proposal__reference="T-2026-9001", proposal__submitted_at=moment
    )
    juror = JurorFactory()
    give(round_, assign(later, juror), [3, 3, 3])
    give(round_, assign(earlier, juror), [3, 3, 3])
    unscored = RoundEntryFactory(round=round_)

    ranking = round_ranking(round_)

    assert [row.entry_id for row in ranking] == [earlier.pk, later.pk, unscored.pk]
    assert [row.rank for row in ranking] == [1, 2, 3]


def test_more_reviews_done_break_a_tie_of_means():
    round_ = RoundFactory(rubric__criteria=CRITERIA)
    now = timezone.now()
    one = RoundEntryFactory(round=round_, proposal__submitted_at=now - timedelta(days=2))
    two = RoundEntryFactory(round=round_, proposal__submitted_at=now - timedelta(days=1))
    give(round_, assign(one, JurorFactory()), [3, 3, 3])
    give(round_, assign(two, JurorFactory()), [3, 3, 3])
    give(round_, assign(two, JurorFactory()), [3, 3, 3])

    assert [row.entry_id for row in round_ranking(round_)] == [two.pk, one.pk]


def test_entries_of_other_rounds_and_their_sheets_stay_out():
    round_ = RoundFactory(rubric__criteria=CRITERIA)
    entry = RoundEntryFactory(round=round_)
    juror = JurorFactory()
    give(round_, assign(entry, juror), [5, 5, 10])
    other_round = RoundFactory(challenge=round_.challenge, number=2, rubric=round_.rubric)
    other_entry = RoundEntryFactory(round=other_round, proposal=entry.proposal)
    give(other_round, assign(other_entry, juror), [0, 0, 0])

    (row,) = round_ranking(round_)

    assert (row.entry_id, row.mean, row.normalised) == (entry.pk, approx(100), 0)


# Many rows, written directly.


def add_scored_entries(round_, n, *, jurors=3):
    """n entries, all scored by the same `jurors` new jurors (submitted sheets)."""
    rng = random.Random(n)
    rubric = criteria(round_)
    new_entries = [RoundEntryFactory(round=round_) for _ in range(n)]
    panel = [JurorFactory() for _ in range(jurors)]
    RoundJuror.objects.bulk_create(
        [RoundJuror(round=round_, user=j) for j in panel], ignore_conflicts=True
    )
    sheets = Assignment.objects.bulk_create(
        [
            Assignment(
                round=round_,
                entry=entry,
                juror=juror,
                status=AssignmentStatus.SUBMITTED,
                submitted_at=timezone.now(),
            )
            for entry in new_entries
            for juror in panel
        ]
    )
    Score.objects.bulk_create(
        [
            Score(assignment=sheet, criterion=c, value=rng.randint(0, c.max_score))
            for sheet in sheets
            for c in rubric
        ]
    )
    return new_entries


def test_ranking_runs_one_query_however_many_entries_and_jurors():
    round_ = RoundFactory(rubric__criteria=CRITERIA)

    # Each entry brings three jurors of its own: 3 jurors, then 36.
    queries, ranking = assert_constant_queries(
        lambda: round_ranking(round_),
        lambda n: [add_scored_entries(round_, 1) for _ in range(n)],
        few=1,
        many=12,
    )

    assert queries == 1
    assert len(ranking) == 12


def python_ranking(round_):
    """The definitions of `challenges.judging.ranking`, row by row in Python."""
    weights = {c.pk: (c.weight, c.max_score) for c in round_.rubric.criteria.all()}
    sheets = {}
    for score in Score.objects.filter(
        assignment__round=round_, assignment__status=AssignmentStatus.SUBMITTED, abstain=False
    ).select_related("assignment"):
        key = (score.assignment.entry_id, score.assignment.juror_id)
        weight, top = weights[score.criterion_id]
        total, weight_sum = sheets.get(key, (0.0, 0))
        sheets[key] = (total + weight * score.value / top, weight_sum + weight)
    score_of = {key: 100 * total / weight_sum for key, (total, weight_sum) in sheets.items()}
    by_juror = {}
    for (_entry, juror), score in score_of.items():
        by_juror.setdefault(juror, []).append(score)
    z = {}
    for (entry, juror), score in score_of.items():
        mine = by_juror[juror]
        mean = sum(mine) / len(mine)
        sd = math.sqrt(sum((s - mean) ** 2 for s in mine) / len(mine))
        z[(entry, juror)] = 0.0 if len(mine) < 2 or sd < 1e-9 else (score - mean) / sd
    result = {}
    for entry in RoundEntry.objects.filter(round=round_):
        mine = sorted(s for (e, _j), s in score_of.items() if e == entry.pk)
        zs = [value for (e, _j), value in z.items() if e == entry.pk]
        result[entry.pk] = (
            sum(mine) / len(mine),
            sum(zs) / len(zs),
            sum(mine[1:-1]) / (len(mine) - 2) if len(mine) >= 5 else None,
            mine[-1] - mine[0],
        )
    return result


def test_ranking_agrees_with_the_definitions_computed_in_python():
    # Random sheets (fixed seed), jurors sharing entries unevenly, some entries with
    # five sheets or more, an abstention here and there: the database's numbers equal
    # a plain computation to 1e-9, on SQLite and PostgreSQL alike.
    rng = random.Random(2026)
    round_ = RoundFactory(rubric__criteria=[(25, 5), (25, 10), (30, 7), (20, 3)])
    rubric = criteria(round_)
    jurors = [JurorFactory() for _ in range(7)]
    entries = [RoundEntryFactory(round=round_) for _ in range(15)]
    for entry in entries:
        for juror in rng.sample(jurors, rng.randint(1, 6)):
            sheet = AssignmentFactory(
                entry=entry,
                juror=juror,
                status=AssignmentStatus.SUBMITTED,
                submitted_at=timezone.now(),
            )
            abstain_on = rng.choice([None, None, None, *rubric[:3]])
            Score.objects.bulk_create(
                [
                    Score(assignment=sheet, criterion=c, abstain=True, reason="Không rõ.")
                    if c == abstain_on
                    else Score(assignment=sheet, criterion=c, value=rng.randint(0, c.max_score))
                    for c in rubric
                ]
            )
    expected = python_ranking(round_)

    ranking = round_ranking(round_)

    assert len(ranking) == 15
    for row in ranking:
        mean, normalised, trimmed, spread = expected[row.entry_id]
        assert row.mean == approx(mean)
        assert row.normalised == approx(normalised)
        assert row.spread == approx(spread)
        assert (row.trimmed is None) == (trimmed is None)
        if trimmed is not None:
            assert row.trimmed == approx(trimmed)
    means = [row.mean for row in ranking]
    assert means == sorted(means, reverse=True)


# Progress


def test_progress_counts_each_jurors_reviews_and_the_rounds(example):
    round_, _entries = example
    idle = JurorFactory(full_name="")
    RoundJuror.objects.create(round=round_, user=idle)
    # Another round's assignments stay out.
    AssignmentFactory(juror=idle)

    progress = round_progress(round_)

    counts = {j.juror_id: (j.assigned, j.draft, j.submitted, j.conflicts) for j in progress.jurors}
    by_sheets = sorted(counts.values())
    assert by_sheets == sorted(
        [
            (0, 0, 3, 0),  # H
            (0, 0, 3, 0),  # L
            (0, 1, 3, 0),  # M
            (1, 0, 1, 0),  # P
            (0, 0, 1, 1),  # Q
            (0, 0, 0, 0),  # the idle juror
        ]
    )
    idle_row = next(j for j in progress.jurors if j.juror_id == idle.pk)
    assert (idle_row.name, idle_row.withdrawn) == (idle.email, False)
    assert (
        progress.entries,
        progress.assigned,
        progress.draft,
        progress.submitted,
        progress.conflicts,
    ) == (5, 1, 1, 11, 1)
    assert (progress.pending, progress.percent_done) == (2, 84)  # 11 of 13


def test_progress_runs_two_queries_however_many_jurors():
    round_ = RoundFactory(rubric__criteria=CRITERIA)

    queries, progress = assert_constant_queries(
        lambda: round_progress(round_),
        lambda n: [add_scored_entries(round_, 1, jurors=2) for _ in range(n)],
        few=1,
        many=6,
    )

    assert queries == 2
    assert len(progress.jurors) == 12
    assert progress.submitted == 12


def test_ranking_of_an_empty_round_is_empty():
    round_ = RoundFactory()

    queries, ranking = count_queries(round_ranking, round_)

    assert (queries, ranking) == (1, [])


def test_means_equal_but_summed_in_another_order_still_tie():
    # With the second criterion abstained a sheet scores 100 × (10a + 2c) / 70:
    # (0, -, 1) = 2.857…, (0, -, 2) = 5.714…, (2, -, 0) = 28.571…. Both entries get
    # these three sheets from the same three jurors, in another order; in floating
    # point (5.714 + 28.571) + 2.857 and (2.857 + 5.714) + 28.571 differ in the last
    # bit. The means still tie, and the earlier submission ranks first.
    round_ = RoundFactory(rubric__criteria=CRITERIA)
    now = timezone.now()
    earlier = RoundEntryFactory(round=round_, proposal__submitted_at=now - timedelta(days=2))
    later = RoundEntryFactory(round=round_, proposal__submitted_at=now - timedelta(days=1))
    low, middle, high = [0, None, 1], [0, None, 2], [2, None, 0]
    for juror, (for_earlier, for_later) in zip(
        [JurorFactory() for _ in range(3)],
        [(middle, low), (high, middle), (low, high)],
        strict=True,
    ):
        give(round_, assign(earlier, juror), for_earlier)
        give(round_, assign(later, juror), for_later)

    ranking = round_ranking(round_)

    assert [row.entry_id for row in ranking] == [earlier.pk, later.pk]
    assert ranking[0].mean == approx(ranking[1].mean)
