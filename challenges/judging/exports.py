"""A round's ranking and scores as CSV and XLSX files, for programme managers.

Rows are written as they are read: CSV through a StreamingHttpResponse, XLSX with
openpyxl's write-only mode into a temporary file sent in blocks. The views that call
these check who may download (managers); the files name the organisations, since
blind review hides them from jurors only.

A spreadsheet opening a CSV runs a cell that starts with "=", "+", "-" or "@" as a
formula, so text cells starting that way are written with a leading apostrophe
(`csv_safe`); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from challenges.judging.models import AssignmentStatus, RankingMethod, Round, Score
from challenges.judging.ranking import RankedEntry, round_ranking
from challenges.judging.seal import SEAL_FORMAT, round_canonical_form

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
EXPORT_CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters an XLSX file may not hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def csv_safe(value):
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _filename(round_: Round, what: str, extension: str) -> str:
    code = re.sub(r"[^A-Za-z0-9._-]", "_", round_.challenge.code)
    return f"{code}-round-{round_.number}-{what}.{extension}"


def _yes_no(flag: bool) -> str:
    return gettext("yes") if flag else gettext("no")


def _vietnam_iso(value) -> str:
    return timezone.localtime(value, VIETNAM).isoformat() if value else ""


# (heading, value of one row) for each column, in order.
Columns = list[tuple[object, Callable]]

RANKING_COLUMNS: Columns = [
    (_("Rank"), lambda e: e.rank),
    (_("Reference"), lambda e: e.reference or ""),
    (_("Title"), lambda e: e.title),
    (_("Organisation"), lambda e: e.organization_name),
    (_("Tax code"), lambda e: e.organization_tax_code or ""),
    (_("Reviews done"), lambda e: e.reviews_done),
    (_("Reviews pending"), lambda e: e.reviews_pending),
    (_("Weighted mean (0–100)"), lambda e: e.mean),
    (_("Normalised (z-score)"), lambda e: e.normalised),
    (_("Trimmed mean (0–100)"), lambda e: e.trimmed),
    (_("Spread (points)"), lambda e: e.spread),
    (_("Jurors disagree"), lambda e: _yes_no(e.disagreement)),
    (_("Ranking score"), lambda e: e.ranking_score),
]


def _criterion_name(criterion) -> str:
    if (get_language() or "").startswith("en") and criterion.name_en:
        return criterion.name_en
    return criterion.name


def _juror_name(user) -> str:
    return user.full_name or user.email


SCORE_COLUMNS: Columns = [
    (_("Reference"), lambda s: s.assignment.entry.proposal.reference or ""),
    (_("Juror"), lambda s: _juror_name(s.assignment.juror)),
    (_("Juror's e-mail"), lambda s: s.assignment.juror.email),
    (_("Criterion"), lambda s: _criterion_name(s.criterion)),
    (_("Weight (%)"), lambda s: s.criterion.weight),
    (_("Score"), lambda s: s.value),
    (_("Highest score"), lambda s: s.criterion.max_score),
    (_("Abstained"), lambda s: _yes_no(s.abstain)),
    (_("Reason for abstaining"), lambda s: s.reason),
    (_("Submitted at (Vietnam time)"), lambda s: _vietnam_iso(s.assignment.submitted_at)),
]


def _headings(columns: Columns) -> list[str]:
    return [str(heading) for heading, _value in columns]


def _ranking_rows(round_: Round) -> list[list]:
    # Computed before the response starts, so that a failure is an error page, not a
    # truncated file. Numbers rounded as shown elsewhere.
    entries: list[RankedEntry] = [entry.rounded() for entry in round_ranking(round_)]
    return [[value(entry) for _heading, value in RANKING_COLUMNS] for entry in entries]


def _score_rows(round_: Round) -> Iterator[list]:
    scores = (
        Score.objects.filter(
            assignment__round=round_, assignment__status=AssignmentStatus.SUBMITTED
        )
        .select_related("assignment__entry__proposal", "assignment__juror", "criterion")
        .only(
            "value",
            "abstain",
            "reason",
            "assignment__submitted_at",
            "assignment__entry__proposal__reference",
            "assignment__juror__full_name",
            "assignment__juror__email",
            "criterion__name",
            "criterion__name_en",
            "criterion__weight",
            "criterion__max_score",
        )
        .order_by(
            "assignment__entry__proposal__reference",
            "assignment__juror_id",
            "criterion__sort_order",
            "criterion_id",
        )
    )
    for score in scores.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield [value(score) for _heading, value in SCORE_COLUMNS]


class _Echo:
    """A file-like object whose write returns the line, for a streamed csv writer."""

    def write(self, value):
        return value


def _csv_response(headings: list[str], rows: Iterable[list], filename: str):
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(headings)  # BOM: Excel reads UTF-8
        for row in rows:
            yield writer.writerow([csv_safe(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _xlsx_cells(sheet, row: list) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if isinstance(value, str):
            value = _XLSX_ILLEGAL.sub("", value)
        cell = WriteOnlyCell(sheet, value)
        if cell.data_type == "f":
            cell.data_type = "s"  # text beginning with "=" stays text
        cells.append(cell)
    return cells


def _xlsx_response(sheets: list[tuple[str, list[str], Iterable[list]]], filename: str):
    """One workbook of (title, headings, rows) sheets, written to disk as it goes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    for title, headings, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        heading_cells = _xlsx_cells(sheet, headings)
        for cell in heading_cells:
            cell.font = Font(bold=True)
        sheet.append(heading_cells)
        for row in rows:
            sheet.append(_xlsx_cells(sheet, row))
    output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(output)
    output.seek(0)
    response = FileResponse(
        output, as_attachment=True, content_type=XLSX_CONTENT_TYPE, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _round_facts(round_: Round) -> list[list]:
    """What the ranking sheet's numbers rest on, with the seal once the round is closed."""
    return [
        [gettext("Challenge"), round_.challenge.code],
        [gettext("Round"), round_.number],
        [gettext("Round name"), round_.name],
        [gettext("Status"), str(round_.get_status_display())],
        [gettext("Ranks by"), str(RankingMethod(round_.ranking_method).label)],
        [gettext("Disagreement flag (points)"), round_.disagreement_threshold],
        [gettext("Seal format"), SEAL_FORMAT if round_.sealed_digest else ""],
        [gettext("Sealed digest (SHA-256)"), round_.sealed_digest],
        [gettext("Sealed at (Vietnam time)"), _vietnam_iso(round_.sealed_at)],
    ]


def ranking_csv_response(round_: Round) -> StreamingHttpResponse:
    """Every entry ranked, one row each (see `challenges.judging.ranking`)."""
    return _csv_response(
        _headings(RANKING_COLUMNS),
        _ranking_rows(round_),
        _filename(round_, "ranking", "csv"),
    )


def ranking_xlsx_response(round_: Round) -> FileResponse:
    """The ranking, and a second sheet naming the round, its method and its seal."""
    return _xlsx_response(
        [
            (str(_("Ranking")), _headings(RANKING_COLUMNS), _ranking_rows(round_)),
            (str(_("Round")), [gettext("Item"), gettext("Value")], _round_facts(round_)),
        ],
        _filename(round_, "ranking", "xlsx"),
    )


def scores_csv_response(round_: Round) -> StreamingHttpResponse:
    """One row per score of every submitted sheet (abstentions with their reason)."""
    return _csv_response(
        _headings(SCORE_COLUMNS), _score_rows(round_), _filename(round_, "scores", "csv")
    )


def scores_xlsx_response(round_: Round) -> FileResponse:
    return _xlsx_response(
        [(str(_("Scores")), _headings(SCORE_COLUMNS), _score_rows(round_))],
        _filename(round_, "scores", "xlsx"),
    )


def seal_form_response(round_: Round) -> StreamingHttpResponse:
    """The canonical form the round's seal is computed over, so that a manager can
    check the stored digest with `sha256sum`."""
    response = StreamingHttpResponse(
        round_canonical_form(round_), content_type="application/x-ndjson; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(round_, "seal", "jsonl")}"'
    response["Cache-Control"] = "private, no-store"
    return response
