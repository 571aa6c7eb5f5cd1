"""The fund office's exports (/dashboard/fund/office/export/<kind>.<fmt>): applications,
awards and the ledger as CSV and XLSX, streamed, to fund staff only; their content
(headings, rows, amounts as numbers, formulas neutralised) and their query counts."""

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from django.http import FileResponse, StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fund import exports, services
from fund.enums import ApplicationStatus
from fund.models import FundApplication, LedgerEntry
from tests.factories import OrganizationFactory
from tests.fund.conftest import approve

pytestmark = pytest.mark.django_db

S = ApplicationStatus

APPLICATION_HEADINGS = [
    "Application",
    "Status",
    "Submitted at (Vietnam time)",
    "Decided at (Vietnam time)",
    "Fund",
    "Call ID",
    "Call",
    "Organisation ID",
    "Organisation",
    "Tax code",
    "Instrument",
    "Requested (VND)",
    "Approved (VND)",
    "Paid (VND)",
    "Summary",
    "Reason given",
]
AWARD_HEADINGS = [
    "Award",
    "Application",
    "Decided at (Vietnam time)",
    "Fund",
    "Call ID",
    "Call",
    "Organisation ID",
    "Organisation",
    "Tax code",
    "Instrument",
    "Approved (VND)",
    "Paid (VND)",
    "Remaining (VND)",
    "Tranches",
    "Decided by",
    "Conditions",
]
LEDGER_HEADINGS = [
    "Entry",
    "Recorded at (Vietnam time)",
    "Kind",
    "Amount (VND)",
    "Reverses entry",
    "Award",
    "Fund",
    "Call",
    "Organisation",
    "Tax code",
    "Tranche",
    "Disbursement reference",
    "Requested by",
    "Recorded by",
    "Note",
]


def url(kind, fmt, query=""):
    with translation.override("en"):
        return reverse("dashboard:fund_office_export", args=[kind, fmt]) + query


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def csv_rows(response):
    assert isinstance(response, StreamingHttpResponse)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="fund-')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads the Vietnamese as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response):
    assert isinstance(response, FileResponse)  # a StreamingHttpResponse sent in blocks
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.worksheets[0]
    return sheet, [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def evil_organization(member):
    """An organisation whose name a spreadsheet would run as a formula."""
    return OrganizationFactory(
        owner=member,
        legal_name='=HYPERLINK("http://evil.example","Bấm vào")',
        tax_code="0101234567",
    )


@pytest.fixture
def paid(officer, approver, application_in, evil_organization):
    """An award of 300 million (tranches 200 + 100) to the formula-named organisation:
    a payment of 80 million, reversed, then 50 million paid; and a rejected draft."""
    application = application_in(
        S.COMMITTEE,
        organization=evil_organization,
        requested_vnd=300_000_000,
        summary="+ Giải pháp giám sát giao thông thông minh",
    )
    award = approve(officer, application, 200_000_000, 100_000_000)
    first = award.tranches.get(number=1)
    services.tranche_milestone_met(first, actor=officer)
    d1 = services.disbursement_request(award, first, 80_000_000, "@UNC-1", actor=officer)
    services.disbursement_approve(d1, actor=approver)
    services.ledger_reverse(
        LedgerEntry.objects.get(disbursement=d1), actor=approver, note="-Sai tài khoản"
    )
    d2 = services.disbursement_request(award, first, 50_000_000, "UNC-2", actor=officer)
    services.disbursement_approve(d2, actor=approver)
    # Fixed times, for exact cells.
    moment = datetime(2026, 5, 4, 3, 2, 1, tzinfo=UTC)
    FundApplication.objects.filter(pk=application.pk).update(submitted_at=moment)
    return award


# Who may download


@pytest.mark.parametrize("kind", exports.KINDS)
@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_applicants_are_refused_and_visitors_sent_to_sign_in(kind, fmt, member, paid):
    response = browser(member).get(url(kind, fmt))
    assert response.status_code == 403
    assert not isinstance(response, StreamingHttpResponse)
    assert Client().get(url(kind, fmt)).status_code == 302


def test_an_unknown_export_is_not_found(officer):
    assert browser(officer).get("/en/dashboard/fund/office/export/users.csv").status_code == 404
    assert browser(officer).get("/en/dashboard/fund/office/export/ledger.pdf").status_code == 404


@pytest.mark.parametrize("role", ["officer", "approver", "auditor"])
def test_fund_staff_download_every_export(role, request, paid):
    client = browser(request.getfixturevalue(role))
    for kind in exports.KINDS:
        assert len(csv_rows(client.get(url(kind, "csv")))) > 1
        assert len(xlsx_rows(client.get(url(kind, "xlsx")))[1]) > 1


# Content


def test_the_ledger_csv_has_every_entry_with_formulas_neutralised(paid, officer, approver):
    organization = paid.application.organization
    entries = list(LedgerEntry.objects.order_by("created_at", "id"))
    first, reversal, second = entries

    rows = csv_rows(browser(officer).get(url("ledger", "csv")))

    assert rows[0] == LEDGER_HEADINGS
    common = [
        str(paid.pk),
        paid.fund.name,
        paid.call.title,
        "'" + organization.legal_name,  # shown as text, never run
        "0101234567",
        "1",
    ]
    assert rows[1:] == [
        [str(first.pk), rows[1][1], "Payment", "80000000", "", *common]
        + ["'@UNC-1", officer.email, approver.email, ""],
        [str(reversal.pk), rows[2][1], "Reversal", "-80000000", str(first.pk), *common]
        + ["'@UNC-1", officer.email, approver.email, "'-Sai tài khoản"],
        [str(second.pk), rows[3][1], "Payment", "50000000", "", *common]
        + ["UNC-2", officer.email, approver.email, ""],
    ]
    assert rows[1][1].endswith("+07:00")


def test_the_ledger_xlsx_keeps_amounts_as_numbers_and_formulas_as_text(paid, officer):
    sheet, rows = xlsx_rows(browser(officer).get(url("ledger", "xlsx")))

    assert sheet.title == "Ledger"
    assert rows[0] == LEDGER_HEADINGS
    assert [row[3] for row in rows[1:]] == [80_000_000, -80_000_000, 50_000_000]
    assert sheet["D2"].data_type == "n"
    assert rows[1][8] == '=HYPERLINK("http://evil.example","Bấm vào")'
    assert sheet["I2"].data_type == "s"  # text, never a formula
    assert rows[2][14] == "-Sai tài khoản"


def test_one_awards_ledger(paid, officer, approver, application_in):
    other = approve(officer, application_in(S.COMMITTEE, requested_vnd=10_000_000), 10_000_000)
    tranche = other.tranches.get()
    services.tranche_milestone_met(tranche, actor=officer)
    services.disbursement_approve(
        services.disbursement_request(other, tranche, 5_000_000, "KHAC", actor=officer),
        actor=approver,
    )
    rows = csv_rows(browser(officer).get(url("ledger", "csv", f"?award={other.pk}")))
    assert [row[11] for row in rows[1:]] == ["KHAC"]
    assert len(csv_rows(browser(officer).get(url("ledger", "csv")))) == 5


def test_the_applications_export_has_a_row_per_sent_one_and_follows_the_filters(
    paid, officer, application_in
):
    draft = application_in(S.DRAFT, requested_vnd=7_000_000)
    application = paid.application

    headings, *rows = csv_rows(browser(officer).get(url("applications", "csv")))

    assert headings == APPLICATION_HEADINGS
    assert str(draft.pk) not in [row[0] for row in rows]  # the applicants' until sent
    sent = application_in(S.SUBMITTED, requested_vnd=7_000_000)
    headings, *rows = csv_rows(browser(officer).get(url("applications", "csv")))
    rows.sort(key=lambda row: int(row[0]))
    assert rows[1][:2] == [str(sent.pk), "Submitted"] and rows[1][11:14] == ["7000000", "", ""]
    assert rows[0] == [
        str(application.pk),
        "Approved",
        "2026-05-04T10:02:01+07:00",
        rows[0][3],
        paid.fund.name,
        str(paid.call_id),
        paid.call.title,
        str(application.organization_id),
        "'" + application.organization.legal_name,
        "0101234567",
        "Grant",
        "300000000",
        "300000000",
        "50000000",
        "'+ Giải pháp giám sát giao thông thông minh",
        "Hội đồng thông qua",
    ]
    approved_only = csv_rows(browser(officer).get(url("applications", "csv", "?status=approved")))
    assert [row[0] for row in approved_only[1:]] == [str(application.pk)]
    _sheet, xlsx = xlsx_rows(browser(officer).get(url("applications", "xlsx")))
    (approved_row,) = [row for row in xlsx if row[0] == application.pk]
    assert approved_row[11:14] == [300_000_000, 300_000_000, 50_000_000]


def test_the_awards_export_computes_what_remains(paid, officer, approver):
    rows = csv_rows(browser(approver).get(url("awards", "csv")))
    assert rows[0] == AWARD_HEADINGS
    assert len(rows) == 2
    row = rows[1]
    assert row[:2] == [str(paid.pk), str(paid.application_id)]
    assert row[9:16] == [
        "Grant",
        "300000000",
        "50000000",
        "250000000",
        "2",
        officer.email,
        "Báo cáo tiến độ hằng quý.",
    ]


def test_headings_follow_the_language(paid, officer):
    with translation.override("vi"):
        vi_url = reverse("dashboard:fund_office_export", args=["ledger", "csv"])
    rows = csv_rows(browser(officer).get(vi_url))
    assert rows[0][0] != "Entry"  # the Vietnamese catalogue answers, not the English text


# Queries and streaming


def _ledger_of(size, *, officer, approver, award):
    tranche = award.tranches.get(number=1)
    services.tranche_milestone_met(tranche, actor=officer)
    for index in range(size):
        services.disbursement_approve(
            services.disbursement_request(award, tranche, 1_000, f"UNC-{index}", actor=officer),
            actor=approver,
        )


@pytest.mark.parametrize("kind", exports.KINDS)
@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_an_export_runs_the_same_queries_for_few_and_many_rows(
    kind, fmt, officer, approver, application_in, django_assert_num_queries
):
    client = browser(officer)
    read = csv_rows if fmt == "csv" else (lambda response: xlsx_rows(response)[1])

    def add(n):
        for _ in range(n):
            award = approve(officer, application_in(S.COMMITTEE, requested_vnd=10**9), 10**9)
            _ledger_of(2, officer=officer, approver=approver, award=award)

    add(1)
    read(client.get(url(kind, fmt)))  # warm the per-process caches
    with django_assert_num_queries(4):  # session, user, groups and permissions, the rows
        rows = read(client.get(url(kind, fmt)))
    few = len(rows)
    add(12)
    with django_assert_num_queries(4):
        rows = read(client.get(url(kind, fmt)))
    assert len(rows) > few


def test_the_ledger_rows_are_read_lazily(paid, django_assert_num_queries):
    """What the benchmark measures: building the export runs no query; the rows come
    in one, as they are written."""
    with translation.override("en"), django_assert_num_queries(0):
        export = exports.ledger_rows()
    assert export.headings == LEDGER_HEADINGS
    with django_assert_num_queries(1):
        lines = list(exports.csv_lines(export))
    assert len(lines) == 4
