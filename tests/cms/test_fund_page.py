"""The fund's public page and each award's public trail: the totals the services keep,
the charts drawn on the server, the calls open now, the awards; public fields only; the
same number of queries however many awards and payments; dropped from the anonymous
cache the moment a payment is approved."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation

from challenges.enums import ChallengeKind, ProposalStatus
from cms.models import FundPage, HomePage, ResultsPage
from cms.signals import next_page_change
from fund import services
from fund.enums import ApplicationStatus, Instrument
from fund.selectors import fund_position
from portal.roles import Role
from tests.factories import (
    ChallengeFactory,
    ChallengePageFactory,
    OrganizationFactory,
    UserFactory,
)
from tests.factories.challenges import ProposalFactory, challenge_index, translate
from tests.factories.fund import (
    FundApplicationFactory,
    FundFactory,
    FundingCallFactory,
    tranche_plan,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MILLION = 1_000_000
PLAN = "Kế hoạch riêng: thuê kỹ sư trưởng từ đối thủ"
BUDGET = "Chi tiết riêng: lương giám đốc 90 triệu/tháng"
DECISION_NOTE = "Ghi chú nội bộ của hội đồng về rủi ro"
CONDITIONS = "Điều kiện riêng: bảo lãnh của cổ đông"
VERIFICATION_NOTE = "Biên bản kiểm tra nội bộ số 17"
REFERENCE = "UNC-BI-MAT-001"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def staff(db):
    return {
        "officer": UserFactory(email="can.bo.quy@example.test", role=Role.FUND_OFFICER),
        "approver": UserFactory(email="phe.duyet@example.test", role=Role.FINANCE_APPROVER),
        "approver2": UserFactory(email="phe.duyet.2@example.test", role=Role.FINANCE_APPROVER),
    }


@pytest.fixture
def homes(db):
    vi = HomePage.objects.get(depth=2, locale__language_code="vi")
    return vi, translate(vi, "en", title="Open Innovation Portal")


@pytest.fixture
def fund():
    return FundFactory(name="Quỹ khởi nghiệp sáng tạo", capital_vnd=50_000 * MILLION)


@pytest.fixture
def pages(homes, fund):
    """The fund page in Vietnamese and English, showing every fund."""
    vi = homes[0].add_child(instance=FundPage(title="Quỹ đầu tư", slug="quy-dau-tu"))
    en = translate(vi, "en", title="Venture fund", slug="venture-fund")
    return vi, FundPage.objects.get(pk=en.pk)


def award_for(staff, call, amounts, *, organization=None, proposal=None, instrument=None):
    """An award decided through the services, with tranches of `amounts`."""
    fields = {"call": call, "requested_vnd": sum(amounts), "status": ApplicationStatus.COMMITTEE}
    if organization is not None:
        fields["organization"] = organization
    if proposal is not None:
        fields.update(proposal=proposal, organization=proposal.organization)
    if instrument is not None:
        fields["instrument"] = instrument
    application = FundApplicationFactory(plan=PLAN, budget_breakdown=BUDGET, **fields)
    return services.application_decide(
        application,
        actor=staff["officer"],
        decision="approve",
        approved_vnd=sum(amounts),
        tranches=tranche_plan(*amounts),
        conditions=CONDITIONS,
        note=DECISION_NOTE,
    )


def sent_proposal(challenge, status=ProposalStatus.SUBMITTED, **fields):
    """A proposal sent to `challenge`, with its receipt."""
    return ProposalFactory(
        challenge=challenge,
        status=status,
        reference=f"{challenge.code}-{ProposalFactory._meta.model.objects.count() + 1:04d}",
        submitted_at=timezone.now(),
        content_sha256="0" * 64,
        **fields,
    )


def pay(staff, award, amount, number=1, reference=None):
    tranche = award.tranches.get(number=number)
    if not tranche.milestone_met:
        services.tranche_milestone_met(tranche, actor=staff["officer"], note=VERIFICATION_NOTE)
    reference = reference or f"UNC-{award.pk}-{award.disbursements.count() + 1}"
    disbursement = services.disbursement_request(
        award, tranche, amount, reference, actor=staff["officer"]
    )
    return services.disbursement_approve(disbursement, actor=staff["approver"])


def _html(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


def _figure(html, name):
    return re.search(rf'<span id="fund-{name}">(.*?)</span>', html).group(1)


# The page and its figures


def test_fund_page_shows_the_services_totals_in_both_languages(client, staff, fund, pages):
    call = FundingCallFactory(fund=fund, budget_vnd=20_000 * MILLION)
    first = award_for(staff, call, [600 * MILLION, 400 * MILLION])
    second = award_for(staff, call, [1_500 * MILLION])
    pay(staff, first, 600 * MILLION)
    wrong = pay(staff, second, 500 * MILLION)
    services.ledger_reverse(wrong.ledger.get(), actor=staff["approver2"], note="Sai tài khoản")
    other = FundFactory(capital_vnd=10_000 * MILLION)  # an idle fund counts in the total
    position = fund_position(fund)

    vi = _html(client, pages[0].url)
    en = _html(client, pages[1].url)

    assert (position.committed_vnd, position.paid_vnd) == (2_500 * MILLION, 600 * MILLION)
    assert _figure(vi, "capital") == "60.000.000.000 đồng"
    assert _figure(vi, "committed") == "2.500.000.000 đồng"
    assert _figure(vi, "paid") == "600.000.000 đồng"
    assert _figure(vi, "remaining") == "57.500.000.000 đồng"
    assert _figure(en, "capital") == "60,000,000,000 VND"
    assert _figure(en, "paid") == "600,000,000 VND"
    # Big and short, the exact amount beside the label.
    assert '<dd><data value="60000000000">60 bn VND</data></dd>' in en
    assert '<dd><data value="57500000000">57.5 bn VND</data></dd>' in en
    assert "2 awards so far" in en
    assert other.capital_vnd + fund.capital_vnd == 60_000 * MILLION


def test_a_page_pointing_at_a_fund_shows_that_fund_alone(client, staff, fund, pages):
    other = FundFactory(capital_vnd=7_000 * MILLION)
    award_for(staff, FundingCallFactory(fund=fund), [300 * MILLION])
    theirs = award_for(staff, FundingCallFactory(fund=other), [200 * MILLION])
    page = pages[0]
    page.fund = other
    page.save_revision().publish()

    html = _html(client, page.url)

    assert _figure(html, "capital") == "7.000.000.000 đồng"
    assert _figure(html, "committed") == "200.000.000 đồng"
    assert html.count('<tr>\n                        <th scope="row">') == 1
    assert f"{page.url}awards/{theirs.pk}/" in html


def test_charts_are_drawn_on_the_server_and_readable_without_sight(client, staff, fund, pages):
    software = OrganizationFactory(sector="software")
    farm = OrganizationFactory(sector="agriculture")
    call = FundingCallFactory(fund=fund)
    pay(staff, award_for(staff, call, [400 * MILLION], organization=software), 250 * MILLION)
    award_for(staff, call, [900 * MILLION], organization=farm)

    html = _html(client, pages[1].url)

    charts = re.findall(r"<svg [^>]*>", html)
    assert len(charts) == 2
    for svg in charts:
        assert 'role="img"' in svg
        labelled = re.search(r'aria-labelledby="([^"]+) ([^"]+)"', svg).groups()
        assert f'<title id="{labelled[0]}">' in html and f'<desc id="{labelled[1]}">' in html
    assert '<title id="paid-per-month-title">Money paid in each of the last 12 months' in html
    months = html.split('id="paid-per-month-title"', 1)[1].split("</figure>", 1)[0]
    this_month = timezone.localdate().strftime("%m/%Y")
    assert f'<tr><th scope="row">{this_month}</th><td class="nowrap">250,000,000 VND</td>' in months
    # Every month of the window is in the table, those without payments at zero.
    assert months.count('<td class="nowrap">0 VND</td>') == 11
    assert months.count("<rect ") == 12
    # Per sector: the light bar is committed, the dark one paid.
    assert (
        '<tr><th scope="row">Software and IT services</th><td class="nowrap">400,000,000 VND'
        '</td><td class="nowrap">250,000,000 VND</td></tr>'
    ) in html
    assert "Agriculture and food" in html
    assert "<script" not in html.split("<main", 1)[1]


def test_open_calls_show_their_deadline_and_lead_to_the_application_form(client, fund, pages):
    now = timezone.now()
    deadline = datetime(2031, 3, 31, 17, 0, tzinfo=HANOI)
    open_call = FundingCallFactory(fund=fund, title="Đợt 1: ươm tạo công nghệ", closes_at=deadline)
    FundingCallFactory(
        fund=fund,
        title="Đợt đã đóng",
        opens_at=now - timedelta(days=90),
        closes_at=now - timedelta(days=1),
    )
    FundingCallFactory(fund=fund, title="Đợt chưa công bố", is_published=False)
    FundingCallFactory(fund=fund, title="Đợt sắp mở", opens_at=now + timedelta(days=3))

    vi = _html(client, pages[0].url)
    en = _html(client, pages[1].url)

    assert "Đợt 1: ươm tạo công nghệ" in vi
    for hidden in ("Đợt đã đóng", "Đợt chưa công bố", "Đợt sắp mở"):
        assert hidden not in vi
    assert f'href="/dashboard/fund/applications/new/?call={open_call.pk}"' in vi
    assert f'href="/en/dashboard/fund/applications/new/?call={open_call.pk}"' in en
    assert '<time datetime="2031-03-31T17:00:00+07:00">17:00 ngày 31/03/2031</time>' in vi
    assert "giờ Việt Nam, UTC+07:00" in vi
    assert "Grant, Convertible loan" in en


def test_awards_are_listed_newest_first_a_page_at_a_time(client, staff, fund, pages, monkeypatch):
    monkeypatch.setattr(FundPage, "awards_per_page", 2)
    call = FundingCallFactory(fund=fund)
    names = []
    for number in range(3):
        organization = OrganizationFactory(legal_name=f"Công ty số {number}")
        award_for(
            staff, call, [100 * MILLION], organization=organization, instrument=Instrument.GRANT
        )
        names.append(organization.legal_name)

    first = _html(client, pages[0].url)
    second = _html(client, pages[0].url + "?page=2")

    assert first.index("Công ty số 2") < first.index("Công ty số 1")
    assert "Công ty số 0" not in first and "Công ty số 0" in second
    assert 'rel="next" href="?page=2"' in first and 'rel="prev" href="?page=1"' in second
    assert "100.000.000 đồng" in second and "Tài trợ" in second
    _html(client, pages[0].url + "?page=3", status=404)


# The trail of an award


@pytest.fixture
def challenge_award(staff, fund, pages):
    """An award under a call linked to a published problem, backed by the winner's
    proposal; its first tranche verified and paid, the second neither."""
    challenge = ChallengeFactory(code="P3-2026", title="Giám sát môi trường khu công nghiệp")
    page = ChallengePageFactory(challenge=challenge, title="Giám sát môi trường KCN")
    translate(page, "en", title="Industrial park monitoring")
    member = UserFactory(email="nguoi.nop@example.test")
    organization = OrganizationFactory(owner=member, legal_name="Công ty Cảm biến Xanh")
    proposal = sent_proposal(
        challenge,
        ProposalStatus.WINNER,
        organization=organization,
        author=member,
        title="Mạng cảm biến chất lượng nước",
    )
    call = FundingCallFactory(fund=fund, challenge=challenge, title="Đợt cho người thắng P3")
    award = award_for(staff, call, [300 * MILLION, 200 * MILLION], proposal=proposal)
    pay(staff, award, 300 * MILLION, reference=REFERENCE)
    return award


def test_trail_tells_where_the_money_came_from_and_went(client, challenge_award, pages):
    vi = _html(client, f"{pages[0].url}awards/{challenge_award.pk}/")
    html = _html(client, f"{pages[1].url}awards/{challenge_award.pk}/")

    assert '<a href="/bai-toan/p3-2026/">Giám sát môi trường KCN</a> (P3-2026)' in vi
    assert "500.000.000 đồng" in vi
    assert "<h1>Award to Công ty Cảm biến Xanh</h1>" in html
    assert "<dt>Proposal</dt><dd>Mạng cảm biến chất lượng nước</dd>" in html
    assert "<dt>Funding call</dt><dd>Đợt cho người thắng P3</dd>" in html
    assert "<dt>Fund</dt><dd>Quỹ khởi nghiệp sáng tạo</dd>" in html
    assert "<dt>Approved</dt><dd>500,000,000 VND</dd>" in html
    assert "<dt>Paid so far</dt><dd>300,000,000 VND</dd>" in html
    assert "1 of 2 tranches paid in full." in html
    rows = re.findall(r'<tr>\s*<th scope="row">(\d)</th>(.*?)</tr>', html, re.S)
    assert [number for number, _row in rows] == ["1", "2"]
    first, second = rows[0][1], rows[1][1]
    assert "Mốc 1: nghiệm thu sản phẩm" in first and "Jan. 15, 2027" in first
    with translation.override("en"):
        today = formats.date_format(timezone.localdate())
    assert f"Yes, on {today}" in first and "Paid in full" in first
    assert "Mốc 2: nghiệm thu sản phẩm" in second and second.count("Not yet") == 2


def test_trail_shows_no_private_field(client, challenge_award, pages, staff):
    application = challenge_award.application

    html = _html(client, f"{pages[1].url}awards/{challenge_award.pk}/")

    private = [
        PLAN,
        BUDGET,
        DECISION_NOTE,
        CONDITIONS,
        VERIFICATION_NOTE,
        REFERENCE,
        application.summary,
        application.organization.tax_code,
        application.created_by.email,
        "nguoi.nop@example.test",
        *(user.email for user in staff.values()),
        *(user.full_name for user in staff.values()),
    ]
    assert [text for text in private if text in html] == []
    listing = _html(client, pages[1].url)
    assert [text for text in private if text in listing] == []


def test_trail_in_english_with_the_language_switcher(client, challenge_award, pages):
    vi_url = f"{pages[0].url}awards/{challenge_award.pk}/"
    en_url = f"{pages[1].url}awards/{challenge_award.pk}/"

    html = _html(client, en_url)

    assert en_url == f"/en/venture-fund/awards/{challenge_award.pk}/"
    assert "<h1>Award to Công ty Cảm biến Xanh</h1>" in html
    assert '<a href="/en/bai-toan/p3-2026/">Industrial park monitoring</a>' in html
    assert "Paid in full" in html and "Convertible loan" not in html
    assert f'href="{vi_url}" lang="vi"' in html
    assert f'hreflang="vi" href="http://testserver{vi_url}"' in html


def test_award_list_links_each_award_to_its_trail(client, challenge_award, pages):
    html = _html(client, pages[0].url)

    assert f'<a href="/quy-dau-tu/awards/{challenge_award.pk}/">Công ty Cảm biến Xanh</a>' in html
    assert '<a href="/bai-toan/p3-2026/">Giám sát môi trường KCN</a>' in html


def test_an_unpublished_challenge_and_its_proposal_stay_unnamed(client, staff, fund, pages):
    secret = ChallengeFactory(code="P9-2027", title="Bài toán chưa công bố", is_published=False)
    proposal = sent_proposal(secret, title="Đề xuất chưa công khai")
    call = FundingCallFactory(fund=fund, title="Đợt mở rộng")
    award = award_for(staff, call, [100 * MILLION], proposal=proposal)

    trail = _html(client, f"{pages[0].url}awards/{award.pk}/")
    listing = _html(client, pages[0].url)

    for html in (trail, listing):
        assert "P9-2027" not in html and "Bài toán chưa công bố" not in html
        assert "Đề xuất chưa công khai" not in html
        assert "Đợt mở rộng" in html


def test_trail_of_an_award_outside_the_page_is_not_found(client, staff, fund, pages):
    other = FundFactory()
    theirs = award_for(staff, FundingCallFactory(fund=other), [100 * MILLION])
    ours = award_for(staff, FundingCallFactory(fund=fund), [100 * MILLION])
    page = pages[0]
    page.fund = fund
    page.save_revision().publish()

    _html(client, f"{page.url}awards/{ours.pk}/")
    _html(client, f"{page.url}awards/{theirs.pk}/", status=404)
    _html(client, f"{page.url}awards/999999/", status=404)
    _html(client, f"{page.url}awards/abc/", status=404)


# The anonymous page cache


@pytest.fixture
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.PAGE_CACHE_SECONDS = 300


def _cached_twice(client, url):
    first, second = client.get(url), client.get(url)
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    return second.content.decode()


def test_an_approved_payment_shows_at_once_on_the_cached_pages(
    client, page_cache_on, staff, fund, pages
):
    award = award_for(staff, FundingCallFactory(fund=fund), [400 * MILLION])
    tranche = award.tranches.get()
    services.tranche_milestone_met(tranche, actor=staff["officer"])
    disbursement = services.disbursement_request(
        award, tranche, 150 * MILLION, "UNC-1", actor=staff["officer"]
    )
    fund_url, trail_url = pages[1].url, f"{pages[1].url}awards/{award.pk}/"
    assert _figure(_cached_twice(client, fund_url), "paid") == "0 VND"
    assert "Paid in full" not in _cached_twice(client, trail_url)

    services.disbursement_approve(disbursement, actor=staff["approver"])
    response = client.get(fund_url)
    trail = client.get(trail_url)

    assert response["X-Cache"] == trail["X-Cache"] == "miss"
    assert _figure(response.content.decode(), "paid") == "150,000,000 VND"
    assert "Partly: 150,000,000 VND" in trail.content.decode()


@pytest.mark.parametrize(
    "change",
    ["award", "milestone", "reversal", "fund", "call"],
)
def test_every_public_fund_change_drops_the_cached_pages(
    client, page_cache_on, staff, fund, pages, change
):
    call = FundingCallFactory(fund=fund)
    award = award_for(staff, call, [400 * MILLION])
    payment = pay(staff, award, 100 * MILLION).ledger.get()
    url = f"{pages[0].url}awards/{award.pk}/"
    _cached_twice(client, url)
    _cached_twice(client, pages[0].url)

    if change == "award":
        award_for(staff, call, [200 * MILLION])
    elif change == "milestone":
        services.tranche_milestone_met(
            award_for(staff, call, [50 * MILLION]).tranches.get(), actor=staff["officer"]
        )
    elif change == "reversal":
        services.ledger_reverse(payment, actor=staff["approver2"], note="Sai số tài khoản")
    elif change == "fund":
        fund.capital_vnd += MILLION
        fund.save()
    else:
        call.title = "Đợt gọi vốn đổi tên"
        call.save()

    assert client.get(url)["X-Cache"] == "miss"
    assert client.get(pages[0].url)["X-Cache"] == "miss"


def test_a_request_not_yet_approved_leaves_the_cache_alone(
    client, page_cache_on, staff, fund, pages
):
    award = award_for(staff, FundingCallFactory(fund=fund), [400 * MILLION])
    tranche = award.tranches.get()
    services.tranche_milestone_met(tranche, actor=staff["officer"])
    _cached_twice(client, pages[0].url)

    services.disbursement_request(award, tranche, 100 * MILLION, "UNC-9", actor=staff["officer"])

    assert client.get(pages[0].url)["X-Cache"] == "hit"


def test_cached_pages_expire_when_a_call_opens_or_closes(fund):
    now = datetime(2031, 1, 10, 1, 0, tzinfo=HANOI)  # the next midnight is 23 hours away
    call = FundingCallFactory(
        fund=fund, opens_at=now + timedelta(hours=2), closes_at=now + timedelta(days=30)
    )
    FundingCallFactory(
        fund=fund, opens_at=now, closes_at=now + timedelta(hours=1, minutes=30), is_published=False
    )

    assert next_page_change(now) == call.opens_at
    call.opens_at, call.closes_at = now - timedelta(days=1), now + timedelta(hours=3)
    call.save()
    assert next_page_change(now) == call.closes_at


# Queries


def _grow(staff, fund, awards):
    """`awards` more awards, each with three tranches, two payments and a reversal."""
    call = FundingCallFactory(fund=fund, budget_vnd=10_000 * MILLION)
    FundingCallFactory(fund=fund)  # one more open call
    for _ in range(awards):
        award = award_for(
            staff,
            call,
            [100 * MILLION, 100 * MILLION, 100 * MILLION],
            organization=OrganizationFactory(sector="health"),
        )
        pay(staff, award, 60 * MILLION)
        reversed_payment = pay(staff, award, 40 * MILLION, number=2).ledger.get()
        services.ledger_reverse(reversed_payment, actor=staff["approver2"], note="Sai")


@pytest.mark.parametrize("language", [0, 1])
def test_fund_page_runs_the_same_queries_however_many_awards_and_payments(
    client, staff, fund, pages, language
):
    url = pages[language].url
    _grow(staff, fund, 1)
    client.get(url)  # warm the per-process caches (site root paths, locales)
    few, response = count_queries(client.get, url)
    assert response.status_code == 200
    _grow(staff, fund, 6)
    many, response = count_queries(client.get, url)

    # The site, the home page, this page, its view restrictions; the totals, the awards
    # shown, the months, the sectors, the open calls; the menus and the site settings.
    assert (few, many) == (11, 11)
    assert response.content.decode().count("/awards/") == 7


def _sitemap(client) -> dict[str, dict[str, str]]:
    from defusedxml import ElementTree

    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.content)
    return {
        url.find(f"{SITEMAP}loc").text: {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SITEMAP}url")
    }


def test_the_sitemap_lists_each_awards_trail_in_both_languages(client, staff, fund, pages):
    award = award_for(staff, FundingCallFactory(fund=fund), [300 * MILLION])
    vi = f"http://testserver{pages[0].url}awards/{award.pk}/"
    en = f"http://testserver{pages[1].url}awards/{award.pk}/"

    entries = _sitemap(client)

    assert entries[en] == {"vi": vi, "x-default": vi, "en": en}
    assert vi in entries
    assert client.get(en).status_code == 200


def test_the_sitemap_lists_a_fund_pages_own_awards_only(client, staff, fund, pages):
    other = FundFactory()
    ours = award_for(staff, FundingCallFactory(fund=fund), [300 * MILLION])
    theirs = award_for(staff, FundingCallFactory(fund=other), [200 * MILLION])
    page = pages[0]
    page.fund = other
    page.save_revision().publish()

    trails = {url for url in _sitemap(client) if "/awards/" in url}

    assert f"http://testserver{page.url}awards/{theirs.pk}/" in trails
    assert f"http://testserver{page.url}awards/{ours.pk}/" not in trails
    # The English page still shows every fund.
    assert f"http://testserver{pages[1].url}awards/{ours.pk}/" in trails


def test_the_sitemap_runs_the_same_queries_however_many_awards(client, staff, fund, pages):
    _grow(staff, fund, 1)
    client.get("/sitemap.xml")
    few, _ = count_queries(client.get, "/sitemap.xml")
    _grow(staff, fund, 4)
    many, _ = count_queries(client.get, "/sitemap.xml")

    assert few == many
    assert len([url for url in _sitemap(client) if "/awards/" in url]) == 10


def test_trail_runs_the_same_queries_however_many_tranches(client, staff, fund, pages):
    call = FundingCallFactory(fund=fund)
    small = award_for(staff, call, [100 * MILLION])
    large = award_for(staff, call, [10 * MILLION] * 12)
    for number in range(1, 13):
        pay(staff, large, 10 * MILLION, number=number)
    client.get(f"{pages[1].url}awards/{small.pk}/")

    few, _ = count_queries(client.get, f"{pages[1].url}awards/{small.pk}/")
    many, response = count_queries(client.get, f"{pages[1].url}awards/{large.pk}/")

    # Routing and chrome as on every page, the award and its tranches.
    assert (few, many) == (8, 8)
    assert response.content.decode().count("<td>Paid in full</td>") == 12


# The results page leads to the trails


@pytest.fixture
def results(homes):
    """A contest with its results published and its results page in both languages."""
    now = timezone.now()
    challenge = ChallengeFactory(
        code="STARTUP-2026",
        kind=ChallengeKind.STARTUP_CONTEST,
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=20),
        results_published_at=now - timedelta(days=2),
    )
    page = challenge_index(homes[0].locale).add_child(
        instance=ResultsPage(challenge=challenge, title="Kết quả", slug="ket-qua")
    )
    challenge_index(homes[1].locale)
    return challenge, page, translate(page, "en", title="Results")


def _winner(challenge, position, title):
    from challenges.judging.models import Winner

    proposal = sent_proposal(challenge, ProposalStatus.WINNER, title=title)
    Winner.objects.create(
        challenge=challenge, proposal=proposal, position=position, prize=f"Giải {position}"
    )
    return proposal


def test_results_page_links_funded_winners_to_their_trail_at_no_query_cost(
    client, staff, fund, pages, results
):
    challenge, page, english = results
    funded = _winner(challenge, 1, "Truy xuất nguồn gốc nông sản")
    _winner(challenge, 2, "Bản đồ du lịch số")
    client.get(page.url)
    before, _response = count_queries(client.get, page.url)
    call = FundingCallFactory(fund=fund, challenge=challenge)
    award = award_for(staff, call, [300 * MILLION], proposal=funded)

    queries, response = count_queries(client.get, page.url)
    en = _html(client, english.url)

    html = response.content.decode()
    assert queries == before
    assert f'<a href="/quy-dau-tu/awards/{award.pk}/">' in html
    assert html.count("/awards/") == 1
    assert f'<a href="/en/venture-fund/awards/{award.pk}/">Its venture fund award</a>' in en


def test_results_page_links_to_the_fund_page_that_shows_the_award(
    client, staff, fund, pages, results
):
    challenge, page, _english = results
    other = FundFactory()
    special = (
        pages[0]
        .get_parent()
        .add_child(
            instance=FundPage(title="Quỹ chuyển đổi số", slug="quy-chuyen-doi-so", fund=other)
        )
    )
    award = award_for(
        staff,
        FundingCallFactory(fund=other, challenge=challenge),
        [100 * MILLION],
        proposal=_winner(challenge, 1, "Dịch vụ công số"),
    )

    html = _html(client, page.url)

    assert f'<a href="{special.url}awards/{award.pk}/">' in html
    _html(client, f"{special.url}awards/{award.pk}/")


# Editors


def test_an_editor_points_the_page_at_a_fund_from_a_plain_list(client, manager, fund, pages):
    other = FundFactory(name="Quỹ chuyển đổi số")
    client.force_login(manager)
    edit = f"/admin/pages/{pages[0].pk}/edit/"

    form = _html(client, edit)
    response = client.post(
        edit,
        {
            "title": pages[0].title,
            "slug": pages[0].slug,
            "fund": str(other.pk),
            "intro": "",
            "body-count": "0",
            "action-publish": "publish",
        },
    )

    assert f'<option value="{other.pk}">Quỹ chuyển đổi số</option>' in form
    assert response.status_code == 302, response.content.decode()[:3000]
    assert FundPage.objects.get(pk=pages[0].pk).fund == other
