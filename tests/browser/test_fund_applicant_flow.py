"""A founder applies to the venture fund, in a browser: from the public fund page's open
call to a draft, the checklist that says what is missing, a document, the submit, and
the reasons the fund office gives (asking for more, then rejecting). The applicant's
pages fit a phone's width and pass axe-core; another organisation's application stays
out of reach."""

import re

import pytest
from playwright.sync_api import expect

from cms.models import FundPage, HomePage
from fund import services
from fund.enums import ApplicationStatus, DocumentKind, Instrument
from fund.models import FundApplication, FundDocument
from portal.roles import Role
from tests.browser.helpers import check_on_a_phone, person, sign_in
from tests.factories import OrganizationFactory, StartupFactory
from tests.factories.challenges import translate
from tests.factories.fund import FundApplicationFactory, FundFactory, FundingCallFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The smallest file the content check takes for a PDF: its magic bytes decide.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ASK_FOR_MORE = "Please add your 2025 financial statements to the budget breakdown."
REJECTION = "The plan does not show how the sensors would be maintained after year one."


def test_a_founder_applies_submits_and_reads_the_fund_offices_reasons(live_server, browser):
    founder = person("hoa@xanh-agri.example", "Nguyễn Thị Hoa")
    officer = person("can.bo.quy@example.test", "Trần Văn Quỹ", Role.FUND_OFFICER)
    organization = StartupFactory(
        legal_name="Công ty TNHH Nông nghiệp Xanh", owner=founder, verified=True
    )
    fund = FundFactory(name="Quỹ khởi nghiệp sáng tạo")
    call = FundingCallFactory(fund=fund, title="Đợt 1 năm 2026")
    # Someone else's application to the same call: never this founder's to read.
    others = FundApplicationFactory(
        call=call,
        organization=OrganizationFactory(legal_name="Công ty Cổ phần Đối Thủ", verified=True),
        status=ApplicationStatus.SUBMITTED,
    )
    home = HomePage.objects.get(depth=2, locale__language_code="vi")
    translate(home, "en", title="Open Innovation Portal")
    fund_page = home.add_child(instance=FundPage(title="Quỹ đầu tư", slug="quy-dau-tu", fund=fund))
    translate(fund_page, "en", title="Venture fund", slug="venture-fund")

    # From the public page's open call to the form.
    desk = sign_in(browser, live_server, founder, "/en/venture-fund/")
    desk.get_by_role("link", name=re.compile(r"^Apply\b.*Đợt 1 năm 2026")).click()
    new_path = f"/en/dashboard/fund/applications/new/?call={call.pk}"
    expect(desk).to_have_url(live_server.url + new_path)
    expect(desk.get_by_role("heading", level=1)).to_have_text("Apply to the fund")
    expect(desk.get_by_label("On behalf of")).to_have_value(str(organization.pk))

    # A first draft with what saving needs; the checklist names what submitting needs.
    desk.get_by_label("Amount requested (VND)").fill("1,500,000,000")
    desk.get_by_label("Instrument").select_option(Instrument.CONVERTIBLE_LOAN)
    desk.get_by_label("Summary").fill("Cảm biến độ ẩm đất cho 40 hợp tác xã chè.")
    desk.get_by_role("button", name="Save the draft").click()
    application = FundApplication.objects.get(organization=organization)
    detail_path = f"/en/dashboard/fund/applications/{application.pk}/"
    expect(desk).to_have_url(live_server.url + detail_path)
    expect(desk.get_by_text("The draft is saved.", exact=False)).to_be_visible()
    expect(desk.locator("#requested-amount")).to_have_text("1,500,000,000 VND")
    problems = desk.locator("#submit-problems li")
    missing = "Fill this in before you submit."
    expect(problems).to_have_text([f"Plan: {missing}", f"Budget breakdown: {missing}"])
    expect(desk.get_by_role("button", name="Submit the application")).to_have_count(0)

    # The draft and its edit form on a phone, while the upload form is on the page.
    check_on_a_phone(browser, live_server, desk, [detail_path, f"{detail_path}edit/", new_path])

    # The rest of the draft.
    desk.get_by_role("link", name="Edit the draft").click()
    desk.get_by_label("Plan").fill("Quý 1: lắp đặt 40 trạm; quý 2: đào tạo hợp tác xã.")
    desk.get_by_label("Budget breakdown").fill("Thiết bị: 1,1 tỷ; đào tạo: 0,4 tỷ.")
    desk.get_by_role("button", name="Save the draft").click()
    expect(desk).to_have_url(live_server.url + detail_path)
    expect(desk.locator("#submit-problems")).to_have_count(0)

    # A document through the file input, checked from its content and listed.
    desk.get_by_label("Kind of document").select_option(DocumentKind.BUSINESS_PLAN)
    desk.get_by_label("File", exact=True).set_input_files(
        {"name": "Kế hoạch kinh doanh.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    desk.get_by_role("button", name="Upload").click()
    expect(desk.get_by_text("“Kế hoạch kinh doanh.pdf” is attached.")).to_be_visible()
    files = desk.locator("section[aria-labelledby=files-heading] tbody tr")
    expect(files).to_have_count(1)
    expect(files.get_by_role("link", name="Kế hoạch kinh doanh.pdf")).to_be_visible()
    expect(files).to_contain_text("Business plan")
    # A screen reader's list of landmarks tells the section from its table.
    expect(desk.get_by_role("region", name="Documents", exact=True)).to_have_count(1)
    expect(desk.get_by_role("region", name="Attached documents")).to_have_count(1)
    assert FundDocument.objects.get().application == application

    # Submit.
    desk.get_by_role("button", name="Submit the application").click()
    expect(desk.get_by_text("Your application is submitted.", exact=False)).to_be_visible()
    expect(desk.locator("#status-heading")).to_have_text("Status: Submitted")
    expect(desk.get_by_role("button", name="Upload")).to_have_count(0)
    application.refresh_from_db()
    assert (application.status, application.requested_vnd, application.instrument) == (
        ApplicationStatus.SUBMITTED,
        1_500_000_000,
        Instrument.CONVERTIBLE_LOAN,
    )
    # The same page in Vietnamese.
    desk.goto(f"{live_server.url}/dashboard/fund/applications/{application.pk}/")
    expect(desk.locator("#status-heading")).to_have_text("Trạng thái: Đã nộp")

    # The fund office screens it, then asks for more: the founder reads why.
    application = services.application_transition(
        application, ApplicationStatus.SCREENING, actor=officer
    )
    desk.goto(live_server.url + detail_path)
    expect(desk.locator("#status-heading")).to_have_text("Status: Screening")
    expect(desk.locator("#status-note")).to_have_count(0)
    application = services.application_transition(
        application, ApplicationStatus.SUBMITTED, actor=officer, note=ASK_FOR_MORE
    )
    desk.reload()
    expect(desk.locator("#status-heading")).to_have_text("Status: Submitted")
    expect(desk.get_by_role("heading", name="Reason given by the fund office")).to_be_visible()
    expect(desk.locator("#status-note")).to_have_text(ASK_FOR_MORE)

    # Screened again and rejected, with a reason, on the page and in the list.
    application = services.application_transition(
        application, ApplicationStatus.SCREENING, actor=officer
    )
    services.application_transition(
        application, ApplicationStatus.REJECTED, actor=officer, note=REJECTION
    )
    desk.reload()
    expect(desk.locator("#status-heading")).to_have_text("Status: Rejected")
    expect(desk.locator("#status-note")).to_have_text(REJECTION)
    expect(desk.get_by_role("button", name="Withdraw the application")).to_have_count(0)
    desk.get_by_role("link", name="Fund applications").first.click()
    list_path = "/en/dashboard/fund/applications/"
    expect(desk).to_have_url(live_server.url + list_path)
    rows = desk.locator("tbody tr")
    expect(rows).to_have_count(1)  # the other organisation's is not listed
    expect(rows).to_contain_text("Rejected")
    expect(rows).to_contain_text(REJECTION)

    # Another organisation's application is not found, not forbidden.
    response = desk.goto(f"{live_server.url}/en/dashboard/fund/applications/{others.pk}/")
    assert response.status == 404
    expect(desk.get_by_text("Công ty Cổ phần Đối Thủ")).to_have_count(0)

    check_on_a_phone(browser, live_server, desk, [list_path, detail_path])
