import csv
import hashlib
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.http import StreamingHttpResponse
from django.utils import translation

from challenges.judging import services
from challenges.judging.exports import (
    csv_safe,
    ranking_csv_response,
    ranking_xlsx_response,
    scores_csv_response,
    scores_xlsx_response,
    seal_form_response,
)
from challenges.judging.models import Assignment, AssignmentStatus, Score
from challenges.judging.seal import round_close, round_seal_digest
from tests.factories.judging import (
    AssignmentFactory,
    JurorFactory,
    RoundEntryFactory,
    RoundFactory,
)
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

RANKING_HEADINGS = [
    "Rank",
    "Reference",
    "Title",
    "Organisation",
    "Tax code",
    "Reviews done",
    "Reviews pending",
    "Weighted mean (0–100)",
    "Normalised (z-score)",
    "Trimmed mean (0–100)",
    "Spread (points)",
    "Jurors disagree",
    "Ranking score",
]
SCORE_HEADINGS = [
    "Reference",
    "Juror",
    "Juror's e-mail",
    "Criterion",
    "Weight (%)",
    "Score",
    "Highest score",
    "Abstained",
    "Reason for abstaining",
    "Submitted at (Vietnam time)",
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def give(assignment, values, *, submit=True):
    criteria = assignment.round.rubric.criteria.order_by("sort_order")
    payload = [
        {"criterion": c.pk, "value": v}
        if v is not None
        else {"criterion": c.pk, "abstain": True, "reason": "-Ngoài chuyên môn."}
        for c, v in zip(criteria, values, strict=True)
    ]
    services.sheet_save(assignment, actor=assignment.juror, scores=payload)
    if submit:
        services.sheet_submit(assignment, actor=assignment.juror)
    return assignment


@pytest.fixture
def scored():
    """Weights 50, 30, 20, scores 0 to 5; a sheet scores 20 × (0.5a + 0.3b + 0.2c).

    E1 ("=HYPERLINK" title, organisation "+Evil"): juror A (5, 5, 5) = 100,
        juror B (3, abstain, 2) = 20 × (1.5 + 0.4) / 0.7 = 54.2857.
        mean 77.142857, spread 45.714286; z: A +1, B −1 → 0.
    E2: juror A (1, 1, 1) = 20, juror B (4, 4, 4) = 80; mean 50, spread 60;
        z: A −1, B +1 → 0.
    A: 100, 20 → mean 60, σ 40. B: 54.2857, 80 → σ 12.857; each sheet ±1.
    """
    round_ = RoundFactory(challenge__code="P1-2026", disagreement_threshold=50)
    e1 = RoundEntryFactory(
        round=round_,
        proposal__reference="P1-2026-0001",
        proposal__title='=HYPERLINK("http://evil.example","x")',
        proposal__organization__legal_name="+Evil Corp",
    )
    e2 = RoundEntryFactory(
        round=round_,
        proposal__reference="P1-2026-0002",
        proposal__title="Giám sát nước thải KCN",
    )
    a = JurorFactory(full_name="Nguyễn Văn A", email="a@example.test")
    b = JurorFactory(full_name="", email="@b@example.test")
    give(AssignmentFactory(entry=e1, juror=a), [5, 5, 5])
    give(AssignmentFactory(entry=e1, juror=b), [3, None, 2])
    give(AssignmentFactory(entry=e2, juror=a), [1, 1, 1])
    give(AssignmentFactory(entry=e2, juror=b), [4, 4, 4])
    give(AssignmentFactory(entry=e2), [0, 0, 0], submit=False)  # a draft: not exported
    # Fixed submission times, for exact cells.
    Assignment.objects.filter(round=round_, status=AssignmentStatus.SUBMITTED).update(
        submitted_at=datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    )
    return round_, e1, e2


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_workbook(response):
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_csv_safe_neutralises_formula_triggers_only_in_text():
    assert [csv_safe(v) for v in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "ok", -0.5, 3]] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "ok",
        -0.5,
        3,
    ]


def test_ranking_csv_has_a_row_per_entry_with_rounded_numbers(scored):
    round_, e1, e2 = scored

    response = ranking_csv_response(round_)

    assert response["Content-Disposition"] == 'attachment; filename="P1-2026-round-1-ranking.csv"'
    rows = csv_rows(response)
    assert rows == [
        RANKING_HEADINGS,
        [
            "1",
            "P1-2026-0001",
            '\'=HYPERLINK("http://evil.example","x")',
            "'+Evil Corp",
            e1.proposal.organization.tax_code,
            "2",
            "0",
            "77.14",
            "0.0",
            "",
            "45.71",
            "no",
            "77.143",
        ],
        [
            "2",
            "P1-2026-0002",
            "Giám sát nước thải KCN",
            e2.proposal.organization.legal_name,
            e2.proposal.organization.tax_code,
            "2",
            "1",
            "50.0",
            "0.0",
            "",
            "60.0",
            "yes",
            "50.0",
        ],
    ]


def test_ranking_xlsx_opens_and_keeps_formulas_as_text(scored, manager):
    round_, e1, _e2 = scored
    round_close(round_, actor=manager)

    response = ranking_xlsx_response(round_)

    assert response["Content-Disposition"] == (
        'attachment; filename="P1-2026-round-1-ranking.xlsx"'
    )
    workbook = xlsx_workbook(response)
    assert workbook.sheetnames == ["Ranking", "Round"]
    ranking = workbook["Ranking"]
    rows = rows_of(ranking)
    assert rows[0] == RANKING_HEADINGS
    assert rows[1] == [
        1,
        "P1-2026-0001",
        '=HYPERLINK("http://evil.example","x")',
        "+Evil Corp",
        e1.proposal.organization.tax_code,
        2,
        0,
        77.14,
        0,
        None,
        45.71,
        "no",
        77.143,
    ]
    assert ranking["C2"].data_type == "s"  # shown as text, never run
    assert len(rows) == 3
    facts = dict(rows_of(workbook["Round"])[1:])
    assert facts["Challenge"] == "P1-2026"
    assert facts["Ranks by"] == "Weighted mean"
    assert facts["Seal format"] == "round-seal/1"
    assert facts["Sealed digest (SHA-256)"] == round_seal_digest(round_)


def test_scores_csv_has_a_row_per_submitted_score(scored):
    round_, _e1, _e2 = scored
    names = [c.name_en for c in round_.rubric.criteria.order_by("sort_order")]
    at = "2026-05-04T10:02:01+07:00"

    response = scores_csv_response(round_)

    assert response["Content-Disposition"] == 'attachment; filename="P1-2026-round-1-scores.csv"'
    rows = csv_rows(response)
    assert rows[0] == SCORE_HEADINGS
    a, b = "Nguyễn Văn A", "'@b@example.test"
    assert rows[1:] == [
        ["P1-2026-0001", a, "a@example.test", names[0], "50", "5", "5", "no", "", at],
        ["P1-2026-0001", a, "a@example.test", names[1], "30", "5", "5", "no", "", at],
        ["P1-2026-0001", a, "a@example.test", names[2], "20", "5", "5", "no", "", at],
        ["P1-2026-0001", b, b, names[0], "50", "3", "5", "no", "", at],
        ["P1-2026-0001", b, b, names[1], "30", "", "5", "yes", "'-Ngoài chuyên môn.", at],
        ["P1-2026-0001", b, b, names[2], "20", "2", "5", "no", "", at],
        ["P1-2026-0002", a, "a@example.test", names[0], "50", "1", "5", "no", "", at],
        ["P1-2026-0002", a, "a@example.test", names[1], "30", "1", "5", "no", "", at],
        ["P1-2026-0002", a, "a@example.test", names[2], "20", "1", "5", "no", "", at],
        ["P1-2026-0002", b, b, names[0], "50", "4", "5", "no", "", at],
        ["P1-2026-0002", b, b, names[1], "30", "4", "5", "no", "", at],
        ["P1-2026-0002", b, b, names[2], "20", "4", "5", "no", "", at],
    ]


def test_scores_xlsx_opens_with_the_same_rows(scored):
    round_, _e1, _e2 = scored

    response = scores_xlsx_response(round_)

    assert response["Content-Disposition"] == ('attachment; filename="P1-2026-round-1-scores.xlsx"')
    rows = rows_of(xlsx_workbook(response)["Scores"])
    assert rows[0] == SCORE_HEADINGS
    assert len(rows) == 13
    abstained = rows[5]
    assert abstained[1:] == [
        "@b@example.test",
        "@b@example.test",
        abstained[3],
        30,
        None,
        5,
        "yes",
        "-Ngoài chuyên môn.",
        "2026-05-04T10:02:01+07:00",
    ]


def test_headings_follow_the_language_and_criteria_their_vietnamese_name(scored):
    round_, _e1, _e2 = scored
    with translation.override("vi"):
        rows = csv_rows(scores_csv_response(round_))

    first = round_.rubric.criteria.order_by("sort_order").first()
    assert rows[1][3] == first.name


def test_scores_export_runs_constant_queries_as_sheets_grow():
    round_ = RoundFactory()
    criteria = list(round_.rubric.criteria.all())

    def add_rows(n):
        for _ in range(n):
            sheet = AssignmentFactory(
                entry=RoundEntryFactory(round=round_),
                status=AssignmentStatus.SUBMITTED,
                submitted_at=datetime(2026, 5, 4, tzinfo=UTC),
            )
            Score.objects.bulk_create(
                [Score(assignment=sheet, criterion=c, value=3) for c in criteria]
            )

    def export():
        return csv_rows(scores_csv_response(round_))

    queries, rows = assert_constant_queries(export, add_rows, few=1, many=8)

    assert len(rows) == 1 + 8 * 3
    assert queries <= 2


def test_seal_form_download_hashes_to_the_sealed_digest(scored, manager):
    round_, _e1, _e2 = scored
    round_close(round_, actor=manager)

    response = seal_form_response(round_)

    assert response["Content-Disposition"] == 'attachment; filename="P1-2026-round-1-seal.jsonl"'
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == round_.sealed_digest
