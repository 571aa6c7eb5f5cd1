"""Four eyes on the fund's money, in a browser: a fund officer requests a disbursement on
an award whose milestone is met, a finance approver (another person) approves it, and the
public fund page, served from the anonymous page cache, shows the new total at once. The
office pages fit a phone's width and pass axe-core."""

import re

import pytest
from playwright.sync_api import expect

from cms.models import FundPage, HomePage
from fund import services
from fund.enums import ApplicationStatus, DisbursementStatus
from fund.models import Disbursement, LedgerEntry
from portal.roles import Role
from tests.browser.helpers import check_on_a_phone, person, sign_in
from tests.factories import OrganizationFactory
from tests.factories.challenges import translate
from tests.factories.fund import (
    FundApplicationFactory,
    FundFactory,
    FundingCallFactory,
    tranche_plan,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MILLION = 1_000_000


def paid_total(page) -> str:
    return page.locator("#fund-paid").inner_text()


def test_an_officer_requests_a_second_person_approves_and_the_public_total_moves(
    live_server, browser, settings
):
    settings.PAGE_CACHE_ENABLED = True  # as deployed: the public page is served cached
    officer = person("can.bo.quy@example.test", "Trần Văn Quỹ", Role.FUND_OFFICER)
    approver = person("phe.duyet@example.test", "Nguyễn Thị Duyệt", Role.FINANCE_APPROVER)
    fund = FundFactory(name="Quỹ khởi nghiệp sáng tạo", capital_vnd=50_000 * MILLION)
    call = FundingCallFactory(fund=fund, title="Đợt 1 năm 2026")
    application = FundApplicationFactory(
        call=call,
        organization=OrganizationFactory(legal_name="Công ty Cổ phần Nông nghiệp Số"),
        status=ApplicationStatus.COMMITTEE,
        requested_vnd=900 * MILLION,
    )
    award = services.application_decide(
        application,
        actor=officer,
        decision="approve",
        approved_vnd=900 * MILLION,
        tranches=tranche_plan(600 * MILLION, 300 * MILLION),
        note="Hội đồng thông qua",
    )
    first = award.tranches.get(number=1)
    services.tranche_milestone_met(first, actor=officer, note="Biên bản nghiệm thu số 12")
    home = HomePage.objects.get(depth=2, locale__language_code="vi")
    translate(home, "en", title="Open Innovation Portal")
    fund_page = home.add_child(instance=FundPage(title="Quỹ đầu tư", slug="quy-dau-tu", fund=fund))
    english = translate(fund_page, "en", title="Venture fund", slug="venture-fund")
    public_url = live_server.url + english.url

    # The public reads the total paid: nothing yet (and the page is now cached).
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(public_url)
    before = paid_total(public)
    assert re.sub(r"\D", "", before) == "0"
    assert public.goto(public_url).headers.get("x-cache") == "hit"

    # The officer requests 250 million on the first tranche.
    award_path = f"/en/dashboard/fund/office/awards/{award.pk}/"
    desk = sign_in(browser, live_server, officer, award_path)
    expect(desk.get_by_role("heading", level=1)).to_have_text("Công ty Cổ phần Nông nghiệp Số")
    request = desk.locator("#request")
    request.get_by_label("Tranche").select_option(str(first.pk))
    request.get_by_label("Amount (VND)").fill("250.000.000")
    request.get_by_label("Payment reference").fill("UNC-2026-0042")
    request.get_by_role("button", name="Request the disbursement").click()
    row = desk.locator("#requests").get_by_role("row", name=re.compile("UNC-2026-0042"))
    expect(row).to_contain_text("Requested")
    # Not theirs to approve: the officer is told why.
    expect(row.get_by_role("button", name=re.compile("Approve"))).to_have_count(0)
    disbursement = Disbursement.objects.get(reference="UNC-2026-0042")
    assert (disbursement.amount_vnd, disbursement.requested_by) == (250 * MILLION, officer)
    # Requested is not paid: the public total has not moved.
    public.goto(public_url)
    assert paid_total(public) == before

    # A finance approver, someone else, approves it from the award page.
    desk2 = sign_in(browser, live_server, approver, award_path)
    row = desk2.locator("#requests").get_by_role("row", name=re.compile("UNC-2026-0042"))
    row.get_by_role("button", name=re.compile("Approve")).click()
    expect(desk2.locator("#ledger-entries")).to_contain_text("250,000,000")
    expect(desk2.locator("#ledger-entries")).to_contain_text("UNC-2026-0042")
    disbursement.refresh_from_db()
    assert disbursement.status == DisbursementStatus.APPROVED
    assert disbursement.decided_by == approver
    assert LedgerEntry.objects.get().amount_vnd == 250 * MILLION

    # The public page shows the payment at once (the cached copy was dropped).
    response = public.goto(public_url)
    assert response.headers.get("x-cache") != "hit"
    assert re.sub(r"\D", "", paid_total(public)) == str(250 * MILLION)

    # The office on a phone: no sideways scrolling, no accessibility violation.
    check_on_a_phone(
        browser, live_server, desk2, ["/en/dashboard/fund/office/", award_path, english.url]
    )
