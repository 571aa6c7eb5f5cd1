"""The fund's applications, awards and ledger as CSV and XLSX files, for the fund office.

Rows come from one query each (`values_list`, the joins done by the database) read in
chunks through `.iterator()`, and are written as they are read: CSV through a
StreamingHttpResponse, XLSX with openpyxl's write-only mode into a temporary file sent
in blocks. So a ledger of a hundred thousand entries costs the same few queries as one
of ten, and memory does not grow with it. The views that call these check who may
download (fund officers, finance approvers, auditors).

Amounts are whole đồng written as integers (numbers in XLSX); times are Vietnam time in
ISO 8601 with their offset. Text that a spreadsheet would run as a formula is written as
text (`csv_safe`; in XLSX a string cell).
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext

from challenges.judging.exports import csv_safe
from fund.enums import ApplicationStatus, Instrument
from fund.models import Award, FundApplication, LedgerEntry, Tranche

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
EXPORT_CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = ("applications", "awards", "ledger")
FORMATS = ("csv", "xlsx")
# Control characters an XLSX file may not hold (openpyxl refuses them).
_XLSX_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")


def _vietnam_iso(value) -> str:
    return timezone.localtime(value, VIETNAM).isoformat() if value else ""


def _blank(value):
    return "" if value is None else value


@dataclass(frozen=True)
class Export:
    """One export: its sheet title, column headings and rows, ready to write. The
    headings and labels are translated when it is built, in the request's language;
    the rows are read only as they are written."""

    title: str
    headings: list[str]
    rows: Iterator[list]


# Applications


APPLICATION_FIELDS = (
    "id",
    "status",
    "submitted_at",
    "decided_at",
    "call__fund__name",
    "call_id",
    "call__title",
    "organization_id",
    "organization__legal_name",
    "organization__tax_code",
    "instrument",
    "requested_vnd",
    "award__approved_vnd",
    "award__paid_vnd",
    "summary",
    "status_note",
)


def application_rows(applications: QuerySet[FundApplication] | None = None) -> Export:
    """One row per application (drafts too), the newest first; approved and paid come
    from its award, if any."""
    if applications is None:
        applications = FundApplication.objects.all()
    statuses = {value: str(label) for value, label in ApplicationStatus.choices}
    instruments = {value: str(label) for value, label in Instrument.choices}
    headings = [
        gettext("Application"),
        gettext("Status"),
        gettext("Submitted at (Vietnam time)"),
        gettext("Decided at (Vietnam time)"),
        gettext("Fund"),
        gettext("Call ID"),
        gettext("Call"),
        gettext("Organisation ID"),
        gettext("Organisation"),
        gettext("Tax code"),
        gettext("Instrument"),
        gettext("Requested (VND)"),
        gettext("Approved (VND)"),
        gettext("Paid (VND)"),
        gettext("Summary"),
        gettext("Reason given"),
    ]
    rows = applications.order_by("-created_at", "-id").values_list(*APPLICATION_FIELDS)

    def generate():
        for (
            pk,
            status,
            submitted_at,
            decided_at,
            fund,
            call_id,
            call,
            organization_id,
            organization,
            tax_code,
            instrument,
            requested,
            approved,
            paid,
            summary,
            note,
        ) in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            yield [
                pk,
                statuses.get(status, status),
                _vietnam_iso(submitted_at),
                _vietnam_iso(decided_at),
                fund,
                call_id,
                call,
                organization_id,
                organization,
                _blank(tax_code),
                instruments.get(instrument, instrument),
                requested,
                _blank(approved),
                _blank(paid),
                summary,
                note,
            ]

    return Export(gettext("Applications"), headings, generate())


# Awards


AWARD_FIELDS = (
    "id",
    "application_id",
    "decided_at",
    "fund__name",
    "call_id",
    "call__title",
    "application__organization_id",
    "application__organization__legal_name",
    "application__organization__tax_code",
    "application__instrument",
    "approved_vnd",
    "paid_vnd",
    "remaining",
    "tranche_count",
    "decided_by__email",
    "conditions",
)


def award_rows(awards: QuerySet[Award] | None = None) -> Export:
    """One row per award, the newest first: approved, paid and what remains, by the
    database."""
    if awards is None:
        awards = Award.objects.all()
    instruments = {value: str(label) for value, label in Instrument.choices}
    tranche_count = (
        Tranche.objects.filter(award=OuterRef("pk"))
        .order_by()
        .values("award")
        .annotate(n=Count("pk"))
        .values("n")
    )
    headings = [
        gettext("Award"),
        gettext("Application"),
        gettext("Decided at (Vietnam time)"),
        gettext("Fund"),
        gettext("Call ID"),
        gettext("Call"),
        gettext("Organisation ID"),
        gettext("Organisation"),
        gettext("Tax code"),
        gettext("Instrument"),
        gettext("Approved (VND)"),
        gettext("Paid (VND)"),
        gettext("Remaining (VND)"),
        gettext("Tranches"),
        gettext("Decided by"),
        gettext("Conditions"),
    ]
    rows = (
        awards.annotate(
            remaining=F("approved_vnd") - F("paid_vnd"),
            tranche_count=Coalesce(Subquery(tranche_count), 0),
        )
        .order_by("-decided_at", "-id")
        .values_list(*AWARD_FIELDS)
    )

    def generate():
        for row in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            row = list(row)
            row[2] = _vietnam_iso(row[2])
            row[8] = _blank(row[8])
            row[9] = instruments.get(row[9], row[9])
            yield row

    return Export(gettext("Awards"), headings, generate())


# The ledger


LEDGER_FIELDS = (
    "id",
    "created_at",
    "amount_vnd",
    "reverses_id",
    "award_id",
    "award__fund__name",
    "award__call__title",
    "award__application__organization__legal_name",
    "award__application__organization__tax_code",
    "tranche__number",
    "disbursement__reference",
    "disbursement__requested_by__email",
    "created_by__email",
    "note",
)


def ledger_rows(entries: QuerySet[LedgerEntry] | None = None) -> Export:
    """Every entry of the ledger in the order it was written: payments positive,
    reversals negative with the entry they correct."""
    if entries is None:
        entries = LedgerEntry.objects.all()
    payment, reversal = gettext("Payment"), gettext("Reversal")
    headings = [
        gettext("Entry"),
        gettext("Recorded at (Vietnam time)"),
        gettext("Kind"),
        gettext("Amount (VND)"),
        gettext("Reverses entry"),
        gettext("Award"),
        gettext("Fund"),
        gettext("Call"),
        gettext("Organisation"),
        gettext("Tax code"),
        gettext("Tranche"),
        gettext("Disbursement reference"),
        gettext("Requested by"),
        gettext("Recorded by"),
        gettext("Note"),
    ]
    rows = entries.order_by("created_at", "id").values_list(*LEDGER_FIELDS)

    def generate():
        for (
            pk,
            created_at,
            amount,
            reverses,
            award,
            fund,
            call,
            organization,
            tax_code,
            tranche,
            reference,
            requested_by,
            created_by,
            note,
        ) in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            yield [
                pk,
                _vietnam_iso(created_at),
                reversal if reverses else payment,
                amount,
                _blank(reverses),
                award,
                fund,
                call,
                organization,
                _blank(tax_code),
                tranche,
                _blank(reference),
                _blank(requested_by),
                created_by,
                note,
            ]

    return Export(gettext("Ledger"), headings, generate())


BUILDERS: dict[str, Callable[..., Export]] = {
    "applications": application_rows,
    "awards": award_rows,
    "ledger": ledger_rows,
}


# Writing


class _Echo:
    """A file-like object whose write returns the line, for a streamed csv writer."""

    def write(self, value):
        return value


def csv_lines(export: Export) -> Iterator[str]:
    """The export as CSV lines, a byte-order mark first so that Excel reads UTF-8
    (Vietnamese) rightly."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(export.headings)
    for row in export.rows:
        yield writer.writerow([csv_safe(value) for value in row])


def _xlsx_cells(sheet, row: Iterable) -> list:
    """A row for the write-only sheet: plain values (the sheet reuses one cell for
    them), except text that would be read as a formula, written as a text cell."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in row:
        if isinstance(value, str):
            value = _XLSX_ILLEGAL.sub("", value)
            if value.startswith("="):
                value = WriteOnlyCell(sheet, value)
                value.data_type = "s"  # text beginning with "=" stays text
        cells.append(value)
    return cells


def write_xlsx(export: Export, output) -> None:
    """The export as a workbook of one sheet, written to `output` row by row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=export.title[:31])
    sheet.freeze_panes = "A2"
    headings = []
    for heading in export.headings:
        cell = WriteOnlyCell(sheet, heading)
        cell.font = Font(bold=True)
        headings.append(cell)
    sheet.append(headings)
    for row in export.rows:
        sheet.append(_xlsx_cells(sheet, row))
    workbook.save(output)


def _filename(kind: str, extension: str) -> str:
    stamp = timezone.localtime(timezone.now(), VIETNAM).strftime("%Y%m%d-%H%M")
    return f"fund-{kind}-{stamp}.{extension}"


def export_response(export: Export, kind: str, fmt: str) -> StreamingHttpResponse:
    """The export as a download. CSV streams as the rows are read; XLSX is written to a
    temporary file first (a workbook is a zip whose directory comes last), then sent in
    blocks."""
    if fmt == "csv":
        response = StreamingHttpResponse(csv_lines(export), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_filename(kind, "csv")}"'
    else:
        output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        write_xlsx(export, output)
        output.seek(0)
        response = FileResponse(
            output,
            as_attachment=True,
            content_type=XLSX_CONTENT_TYPE,
            filename=_filename(kind, "xlsx"),
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
