"""The fund office's position page (/dashboard/fund/office/position/): who reads it, its
figures against an example worked out by hand (two funds, three awards in three calls,
two instruments, two sectors, payments in January and March, a reversal in February),
the fund filter, the organisations' pages, the CSV downloads, the thousands separators
of each language and a constant number of queries. Text is checked on English pages."""

import csv
import html
import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fund import services
from fund.enums import ApplicationStatus, Instrument
from fund.views import staff
from tests.factories import OrganizationFactory
from tests.factories.fund import (
    FundApplicationFactory,
    FundFactory,
    FundingCallFactory,
    tranche_plan,
)

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
M = 1_000_000


def en(name, *args):
    with translation.override("en"):
        return reverse(f"dashboard:{name}", args=args)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def squeeze(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def table(response, table_id: str) -> list[list[str]]:
    """The rows of the page's table `table_id` (head, body and foot), each a list of the
    cells' visible text."""
    content = response.content.decode()
    found = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', content, re.S)
    assert found, f"no table {table_id}"
    return [
        [squeeze(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)
    ]


def totals(response) -> dict[str, str]:
    content = response.content.decode()
    facts = re.search(r'<dl class="facts" id="totals">(.*?)</dl>', content, re.S).group(1)
    return {
        squeeze(term): squeeze(value)
        for term, value in re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", facts, re.S)
    }


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


@pytest.fixture
def clock(monkeypatch):
    def set_to(*args):
        moment = datetime(*args, tzinfo=HANOI)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_to


def decide(officer, call, organization, instrument, *amounts):
    application = FundApplicationFactory(
        status=ApplicationStatus.COMMITTEE,
        call=call,
        organization=organization,
        instrument=instrument,
        requested_vnd=sum(amounts),
    )
    award = services.application_decide(
        application,
        actor=officer,
        decision="approve",
        approved_vnd=sum(amounts),
        tranches=tranche_plan(*amounts),
    )
    for tranche in award.tranches.all():
        services.tranche_milestone_met(tranche, actor=officer)
    return award


def pay(officer, approver, award, amount, number=1):
    tranche = award.tranches.get(number=number)
    reference = f"UNC-{award.pk}-{award.disbursements.count() + 1}"
    disbursement = services.disbursement_request(award, tranche, amount, reference, actor=officer)
    return services.disbursement_approve(disbursement, actor=approver).ledger.get()


@pytest.fixture
def example(clock, officer, approver, second_approver):
    """Fund A (capital 10,000 million) with calls A1 (budget 5,000, opened 1 December)
    and A2 (3,000, opened 15 December); fund B (4,000) with call B1 (2,000, opened
    1 February). Organisations X and Z in software, Y in agriculture.

    10 January: X is awarded 1,000 (grant, A1); 12 January: Y 1,500 (equity, A2).
    20 January: 600 paid to X, 500 to Y. 20 February: Z is awarded 800 (grant, B1).
    25 February: Y's 500 reversed. 10 March: 700 paid to Y, 500 to Z. Now: 15 April 2026.
    """
    clock(2025, 12, 1, 8, 0)
    fund_a = FundFactory(name="A", capital_vnd=10_000 * M)
    fund_b = FundFactory(name="B", capital_vnd=4_000 * M)
    a1 = FundingCallFactory(fund=fund_a, title="A1", budget_vnd=5_000 * M, opens_at=timezone.now())
    a2 = FundingCallFactory(
        fund=fund_a,
        title="A2",
        budget_vnd=3_000 * M,
        opens_at=datetime(2025, 12, 15, 8, 0, tzinfo=HANOI),
        offers_equity=True,
    )
    b1 = FundingCallFactory(
        fund=fund_b,
        title="B1",
        budget_vnd=2_000 * M,
        opens_at=datetime(2026, 2, 1, 8, 0, tzinfo=HANOI),
    )
    x = OrganizationFactory(legal_name="X", sector="software")
    y = OrganizationFactory(legal_name="Y", sector="agriculture")
    z = OrganizationFactory(legal_name="Z", sector="software")

    clock(2026, 1, 10, 10, 0)
    to_x = decide(officer, a1, x, Instrument.GRANT, 600 * M, 400 * M)
    clock(2026, 1, 12, 10, 0)
    to_y = decide(officer, a2, y, Instrument.EQUITY, 1_500 * M)
    clock(2026, 1, 20, 10, 0)
    pay(officer, approver, to_x, 600 * M)
    wrong = pay(officer, approver, to_y, 500 * M)
    clock(2026, 2, 20, 10, 0)
    to_z = decide(officer, b1, z, Instrument.GRANT, 500 * M, 300 * M)
    clock(2026, 2, 25, 10, 0)
    services.ledger_reverse(wrong, actor=second_approver, note="Sai số tài khoản")
    clock(2026, 3, 10, 10, 0)
    pay(officer, approver, to_y, 700 * M)
    pay(officer, approver, to_z, 500 * M)
    clock(2026, 4, 15, 12, 0)
    return {
        "funds": (fund_a, fund_b),
        "calls": (a1, a2, b1),
        "organizations": (x, y, z),
    }


# Who reads it


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get(en("fund_office_position"))

    assert response.status_code == 302
    assert response["Location"].startswith(
        "/en/accounts/login/?next=/en/dashboard/fund/office/position/"
    )


def test_applicants_are_refused_the_page_and_its_downloads(member, organization):
    client = browser(member)

    for url in (en("fund_office_position"), en("fund_office_position_csv", "calls")):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "This workspace is for the fund office" in squeeze(response.content.decode())


@pytest.mark.parametrize("role", ["officer", "approver", "auditor"])
def test_each_fund_role_reads_the_position(role, request):
    response = browser(request.getfixturevalue(role)).get(en("fund_office_position"))

    assert response.status_code == 200
    assert ("Read-only: auditors" in response.content.decode()) == (role == "auditor")


def test_the_office_links_to_the_position_from_its_tabs_and_home(officer):
    client = browser(officer)
    url = en("fund_office_position")

    home = client.get(en("fund_office")).content.decode()
    page = client.get(url).content.decode()

    assert home.count(f'href="{url}"') == 2  # the tab and the home page's link
    assert f'<a href="{url}" aria-current="page">Fund position</a>' in page


# The figures


def test_every_fund_adds_up_to_the_hand_computed_figures(example, officer):
    fund_a, fund_b = example["funds"]

    response = browser(officer).get(en("fund_office_position"))

    assert response.status_code == 200
    assert totals(response) == {
        "Capital": "14,000,000,000 VND",
        "Committed": "3,300,000,000 VND",
        "Paid": "1,800,000,000 VND",
        "Left to commit": "10,700,000,000 VND",
        "Left to pay": "1,500,000,000 VND",
        "Awards": "3",
    }
    head = ["Committed (VND)", "Paid (VND)", "Left to commit (VND)", "Left to pay (VND)", "Awards"]
    assert table(response, "per-fund") == [
        ["Fund", "Capital (VND)", *head],
        ["A", "10,000,000,000", "2,500,000,000", "1,300,000,000", "7,500,000,000"]
        + ["1,200,000,000", "2"],
        ["B", "4,000,000,000", "800,000,000", "500,000,000", "3,200,000,000", "300,000,000", "1"],
    ]
    assert f'href="/en/dashboard/fund/office/position/?fund={fund_b.pk}"' in (
        response.content.decode()
    )
    # Newest call first, each with its fund; what is left to commit is the budget's.
    assert table(response, "per-call") == [
        ["Call", "Fund", "Budget (VND)", *head],
        ["B1", "B", "2,000,000,000", "800,000,000", "500,000,000", "1,200,000,000"]
        + ["300,000,000", "1"],
        ["A2", "A", "3,000,000,000", "1,500,000,000", "700,000,000", "1,500,000,000"]
        + ["800,000,000", "1"],
        ["A1", "A", "5,000,000,000", "1,000,000,000", "600,000,000", "4,000,000,000"]
        + ["400,000,000", "1"],
    ]
    head = ["Committed (VND)", "Paid (VND)", "Left to pay (VND)", "Awards"]
    assert table(response, "per-instruments") == [
        ["Instrument", *head],
        ["Grant", "1,800,000,000", "1,100,000,000", "700,000,000", "2"],
        ["Equity investment", "1,500,000,000", "700,000,000", "800,000,000", "1"],
        ["Convertible loan", "0", "0", "0", "0"],
    ]
    assert table(response, "per-sectors") == [
        ["Sector", *head],
        ["Software and IT services", "1,800,000,000", "1,100,000,000", "700,000,000", "2"],
        ["Agriculture and food", "1,500,000,000", "700,000,000", "800,000,000", "1"],
    ]
    assert table(response, "per-organizations") == [
        ["Organisation", *head],
        ["Y", "1,500,000,000", "700,000,000", "800,000,000", "1"],
        ["X", "1,000,000,000", "600,000,000", "400,000,000", "1"],
        ["Z", "800,000,000", "500,000,000", "300,000,000", "1"],
    ]
    assert "Per organisation (3)" in squeeze(response.content.decode())
    months = table(response, "per-month")
    assert months[0] == ["Month", "Committed in the month (VND)", "Paid in the month (VND)"]
    assert len(months) == 1 + 12 + 1
    assert (months[1][0], months[12][0]) == ("05/2025", "04/2026")
    assert months[-5:] == [
        ["01/2026", "2,500,000,000", "1,100,000,000"],
        ["02/2026", "800,000,000", "-500,000,000"],  # the reversal, in the month it was made
        ["03/2026", "0", "1,200,000,000"],
        ["04/2026", "0", "0"],
        ["Total", "3,300,000,000", "1,800,000,000"],
    ]
    assert all(row[1:] == ["0", "0"] for row in months[1:9])


def test_one_fund_shows_its_own_figures(example, officer):
    fund_a, _fund_b = example["funds"]

    response = browser(officer).get(en("fund_office_position"), {"fund": fund_a.pk})

    content = response.content.decode()
    assert response.status_code == 200
    assert '<h1 id="page-heading">Fund position: A</h1>' in content
    assert f'<option value="{fund_a.pk}" selected>A</option>' in content
    assert totals(response) == {
        "Capital": "10,000,000,000 VND",
        "Committed": "2,500,000,000 VND",
        "Paid": "1,300,000,000 VND",
        "Left to commit": "7,500,000,000 VND",
        "Left to pay": "1,200,000,000 VND",
        "Awards": "2",
    }
    assert 'id="per-fund"' not in content
    assert [row[:4] for row in table(response, "per-call")[1:]] == [
        ["A2", "3,000,000,000", "1,500,000,000", "700,000,000"],
        ["A1", "5,000,000,000", "1,000,000,000", "600,000,000"],
    ]
    assert [row[:3] for row in table(response, "per-instruments")[1:]] == [
        ["Grant", "1,000,000,000", "600,000,000"],
        ["Equity investment", "1,500,000,000", "700,000,000"],
        ["Convertible loan", "0", "0"],
    ]
    assert [row[:3] for row in table(response, "per-sectors")[1:]] == [
        ["Agriculture and food", "1,500,000,000", "700,000,000"],
        ["Software and IT services", "1,000,000,000", "600,000,000"],
    ]
    assert [row[0] for row in table(response, "per-organizations")[1:]] == ["Y", "X"]
    assert table(response, "per-month")[-5:] == [
        ["01/2026", "2,500,000,000", "1,100,000,000"],
        ["02/2026", "0", "-500,000,000"],
        ["03/2026", "0", "700,000,000"],
        ["04/2026", "0", "0"],
        ["Total", "2,500,000,000", "1,300,000,000"],
    ]


def test_an_unknown_fund_is_not_found(example, officer):
    client = browser(officer)

    for value in ("999999", "A", "-1"):
        assert client.get(en("fund_office_position"), {"fund": value}).status_code == 404


def test_the_months_cover_a_year_or_two(example, officer):
    client = browser(officer)
    url = en("fund_office_position")

    two_years = table(client.get(url, {"months": "24"}), "per-month")
    unknown = table(client.get(url, {"months": "7"}), "per-month")

    assert (len(two_years), two_years[1][0], two_years[-2][0]) == (26, "05/2024", "04/2026")
    assert len(unknown) == 1 + 12 + 1


def test_the_organisations_come_in_pages(example, officer, monkeypatch):
    monkeypatch.setattr(staff, "POSITION_ORGANIZATIONS_PER_PAGE", 2)
    fund_a, _fund_b = example["funds"]
    client = browser(officer)
    url = en("fund_office_position")

    first = client.get(url)
    second = client.get(url, {"organizations": "2"})
    of_a = client.get(url, {"fund": fund_a.pk, "months": "24"})

    assert [row[0] for row in table(first, "per-organizations")[1:]] == ["Y", "X"]
    assert [row[0] for row in table(second, "per-organizations")[1:]] == ["Z"]
    assert "Page 1 of 2" in squeeze(first.content.decode())
    assert 'href="?organizations=2#organizations-heading"' in first.content.decode()
    assert "Per organisation (3)" in squeeze(second.content.decode())
    # The pages keep the filters; one fund's two organisations fit on one page.
    assert [row[0] for row in table(of_a, "per-organizations")[1:]] == ["Y", "X"]
    assert "Page 1 of" not in squeeze(of_a.content.decode())


def test_amounts_are_grouped_in_the_readers_language(example, officer):
    with translation.override("vi"):
        url = reverse("dashboard:fund_office_position")

    response = browser(officer).get(url)

    assert url == "/dashboard/fund/office/position/"
    assert totals(response)["Vốn"] == "14.000.000.000 đồng"
    assert table(response, "per-fund")[1][:2] == ["A", "10.000.000.000"]


def test_each_table_scrolls_in_a_focusable_group_named_by_its_heading(example, officer):
    content = browser(officer).get(en("fund_office_position")).content.decode()

    # A group, not a second region: its section is the landmark of that name already.
    regions = re.findall(
        r'<div class="table-wrap" role="group" tabindex="0" aria-labelledby="([^"]+)">', content
    )
    assert regions == [
        "funds-heading",
        "calls-heading",
        "instruments-heading",
        "sectors-heading",
        "organizations-heading",
        "months-heading",
    ]
    for heading in regions:
        assert f'<h2 id="{heading}">' in content
        assert f'<section aria-labelledby="{heading}">' in content


# Downloads


def test_each_breakdown_downloads_as_csv_with_the_filters(example, officer):
    fund_a, _fund_b = example["funds"]
    a1, a2, b1 = example["calls"]
    x, y, z = example["organizations"]
    client = browser(officer)

    calls = client.get(en("fund_office_position_csv", "calls"))
    organizations = client.get(en("fund_office_position_csv", "organizations"))
    months = client.get(en("fund_office_position_csv", "months"), {"fund": fund_a.pk})
    funds = client.get(en("fund_office_position_csv", "funds"), {"fund": fund_a.pk})
    sectors = client.get(en("fund_office_position_csv", "sectors"))

    assert calls["Content-Type"] == "text/csv; charset=utf-8"
    assert calls["Content-Disposition"].startswith('attachment; filename="fund-position-calls-')
    assert csv_rows(calls) == [
        ["Call ID", "Call", "Fund", "Budget (VND)", "Committed (VND)", "Paid (VND)"]
        + ["Left to commit (VND)", "Left to pay (VND)", "Awards"],
        [str(b1.pk), "B1", "B", "2000000000", "800000000", "500000000", "1200000000"]
        + ["300000000", "1"],
        [str(a2.pk), "A2", "A", "3000000000", "1500000000", "700000000", "1500000000"]
        + ["800000000", "1"],
        [str(a1.pk), "A1", "A", "5000000000", "1000000000", "600000000", "4000000000"]
        + ["400000000", "1"],
    ]
    assert csv_rows(organizations) == [
        ["Organisation ID", "Organisation", "Committed (VND)", "Paid (VND)"]
        + ["Left to pay (VND)", "Awards"],
        [str(y.pk), "Y", "1500000000", "700000000", "800000000", "1"],
        [str(x.pk), "X", "1000000000", "600000000", "400000000", "1"],
        [str(z.pk), "Z", "800000000", "500000000", "300000000", "1"],
    ]
    months = csv_rows(months)
    assert months[0] == ["Month", "Committed in the month (VND)", "Paid in the month (VND)"]
    assert months[-4:] == [
        ["2026-01", "2500000000", "1100000000"],
        ["2026-02", "0", "-500000000"],
        ["2026-03", "0", "700000000"],
        ["2026-04", "0", "0"],
    ]
    assert csv_rows(funds)[1:] == [
        [str(fund_a.pk), "A", "10000000000", "2500000000", "1300000000", "7500000000"]
        + ["1200000000", "2"]
    ]
    assert [row[:3] for row in csv_rows(sectors)] == [
        ["Code", "Sector", "Committed (VND)"],
        ["software", "Software and IT services", "1800000000"],
        ["agriculture", "Agriculture and food", "1500000000"],
    ]


def test_an_unknown_table_is_not_found(officer):
    assert browser(officer).get("/en/dashboard/fund/office/position/awards.csv").status_code == 404


def test_the_page_links_each_download_with_its_filters(example, officer):
    fund_a, _fund_b = example["funds"]

    content = (
        browser(officer)
        .get(en("fund_office_position"), {"fund": fund_a.pk, "months": "24"})
        .content.decode()
    )

    links = re.findall(r'href="(/en/dashboard/fund/office/position/[a-z]+\.csv[^"]*)"', content)
    query = f"?fund={fund_a.pk}&amp;months=24"
    assert links == [
        f"/en/dashboard/fund/office/position/{name}.csv{query}"
        for name in ("calls", "instruments", "sectors", "organizations", "months")
    ]


# Queries


@pytest.mark.parametrize("one_fund", [False, True])
def test_the_page_runs_the_same_queries_for_few_and_many_rows(
    one_fund, officer, approver, django_assert_num_queries
):
    fund = FundFactory(capital_vnd=100_000 * M)
    FundFactory(capital_vnd=1_000 * M)  # another fund, in the filter's choices
    call = FundingCallFactory(fund=fund, budget_vnd=50_000 * M)

    def grow(count):
        for n in range(count):
            organization = OrganizationFactory(sector=["software", "health", "tourism"][n % 3])
            award = decide(officer, call, organization, Instrument.GRANT, 100 * M, 100 * M)
            pay(officer, approver, award, 50 * M)
            pay(officer, approver, award, 30 * M, number=2)

    client = browser(officer)
    url = en("fund_office_position")
    params = {"fund": fund.pk} if one_fund else {}

    grow(1)
    client.get(url, params)  # the site's settings are made on a first visit
    # The session, the user, their groups; the funds, the organisations' count and
    # page, the calls, instruments, sectors and the two monthly sums; the dashboard's
    # menus, the user's own permissions, e-mail check and site settings.
    with django_assert_num_queries(15):
        assert client.get(url, params).status_code == 200
    grow(25)  # more organisations than a page holds
    with django_assert_num_queries(15):
        response = client.get(url, params)
    assert "Per organisation (26)" in squeeze(response.content.decode())
    assert len(table(response, "per-organizations")) == 1 + staff.POSITION_ORGANIZATIONS_PER_PAGE


def test_a_download_runs_the_same_queries_for_few_and_many_rows(
    officer, approver, django_assert_num_queries
):
    call = FundingCallFactory(budget_vnd=50_000 * M)
    client = browser(officer)
    url = en("fund_office_position_csv", "organizations")

    decide(officer, call, OrganizationFactory(), Instrument.GRANT, 100 * M)
    with django_assert_num_queries(5):
        assert len(csv_rows(client.get(url))) == 2
    for _n in range(10):
        decide(officer, call, OrganizationFactory(), Instrument.GRANT, 100 * M)
    with django_assert_num_queries(5):
        assert len(csv_rows(client.get(url))) == 12
