import pytest
from django.utils import timezone

from tests.factories import ChallengeFactory, ChallengePageFactory
from tests.factories.challenges import challenge_index, translate
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


@pytest.fixture
def en_home():

    from cms.models import HomePage

    home = HomePage.objects.get(depth=2)
    return translate(home, "en", title="Open Innovation Portal", intro="Welcome")


def test_home_page_is_vietnamese_at_the_root(client):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="vi">' in html
    assert "Cổng đổi mới sáng tạo mở" in html
    assert "Bỏ qua, đến nội dung chính" in html  # skip link, translated


def test_english_home_page_under_en(client, en_home):
    response = client.get("/en/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Open Innovation Portal" in html
    assert "Skip to content" in html
    # The language switcher links each language's version of this page.
    assert 'href="/" lang="vi" hreflang="vi">Tiếng Việt' in html
    assert 'href="/en/" lang="en" hreflang="en" aria-current="true">English' in html


def test_home_page_lists_open_challenges_only(client):
    now = timezone.now()
    ChallengePageFactory(challenge=ChallengeFactory(title="Đang mở"), title="Trang đang mở")
    ChallengeFactory(
        title="Sắp mở",
        opens_at=now + timezone.timedelta(days=1),
        closes_at=now + timezone.timedelta(days=9),
    )

    html = client.get("/").content.decode()

    assert "Trang đang mở" in html
    assert '<span class="badge badge-open">Đang mở</span>' in html
    assert "Sắp mở" not in html


def test_challenge_page_shows_dates_in_vietnam_time(client):
    challenge = ChallengeFactory(code="P1-2026")
    ChallengePageFactory(challenge=challenge, title="Giám sát môi trường")

    response = client.get("/bai-toan/p1-2026/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Giám sát môi trường" in html
    assert '<span class="badge badge-open">Đang mở</span>' in html
    assert timezone.localtime(challenge.closes_at).isoformat() in html
    assert "+07:00" in html


@pytest.mark.parametrize(("path", "cards"), [("/", 6), ("/bai-toan/", 24)])
def test_challenge_lists_run_a_constant_number_of_queries(client, path, cards):
    from wagtail.models import Locale

    challenge_index(Locale.objects.get(language_code="vi"))

    def add(n):
        for challenge in ChallengeFactory.create_batch(n):
            ChallengePageFactory(challenge=challenge)

    def fetch():
        response = client.get(path)
        assert response.status_code == 200
        return response

    _, response = assert_constant_queries(fetch, add, few=1, many=30)
    assert response.content.decode().count('class="card"') == cards


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_a_challenge_has_one_page_per_language():
    from django.core.exceptions import ValidationError

    from cms.models import ChallengePage

    first = ChallengePageFactory()
    second = ChallengePage(challenge=first.challenge, title="Bản sao", slug="ban-sao")
    second.locale = first.locale

    with pytest.raises(ValidationError) as error:
        second.full_clean()
    assert "challenge" in error.value.message_dict


def test_root_stays_vietnamese_for_an_english_browser(client, en_home):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()


def test_page_of_an_unpublished_challenge_is_not_served(client):
    ChallengePageFactory(challenge=ChallengeFactory(code="P8-2026", is_published=False))

    assert client.get("/bai-toan/p8-2026/").status_code == 404


def test_index_cards_link_each_language_page_or_fall_back_to_vietnamese(client):
    from wagtail.models import Locale

    both = ChallengePageFactory(challenge=ChallengeFactory(code="P1-2026"), title="Giám sát")
    translate(both, "en", title="Monitoring")
    ChallengePageFactory(challenge=ChallengeFactory(code="P2-2026"), title="Giao thông")
    index = challenge_index(Locale.objects.get(language_code="en"))

    html = client.get(index.url).content.decode()

    assert '<a href="/en/bai-toan/p1-2026/">Monitoring</a>' in html
    assert '<a href="/bai-toan/p2-2026/">Giao thông</a>' in html


def test_unknown_or_unpublished_page_below_the_index_is_a_404(client):
    page = ChallengePageFactory(challenge=ChallengeFactory(code="P3-2026"))
    page.unpublish()

    assert client.get("/bai-toan/p3-2026/").status_code == 404
    assert client.get("/bai-toan/no-such-problem/").status_code == 404
    assert client.get("/bai-toan/p3-2026/extra/").status_code == 404


def test_challenge_page_runs_a_constant_number_of_queries_within_budget(client):
    from challenges.models import Track

    challenge = ChallengeFactory(code="P4-2026")
    ChallengePageFactory(challenge=challenge, title="Nông nghiệp")

    def add_tracks(n):
        start = challenge.tracks.count()
        for i in range(start, start + n):
            Track.objects.create(challenge=challenge, code=f"t{i}", name=f"Hạng mục {i}")

    def fetch():
        response = client.get("/bai-toan/p4-2026/")
        assert response.status_code == 200
        return response

    # Routing brings the index, the page, its challenge and its translations' paths in
    # a few queries (cms.routing); then the tracks, the menus and the site settings.
    queries, response = assert_constant_queries(fetch, add_tracks, few=1, many=12)
    assert queries <= 15
    assert response.content.decode().count("<li>Hạng mục ") == 12


def _challenge(code, *, opens, closes, results=None):
    now = timezone.now()
    day = timezone.timedelta(days=1)
    challenge = ChallengeFactory(
        code=code,
        opens_at=now + opens * day,
        closes_at=now + closes * day,
        results_published_at=None if results is None else now + results * day,
    )
    ChallengePageFactory(challenge=challenge, title=f"Trang {code}")
    return challenge


def _codes_in(html):
    import re

    return re.findall(r"· (\w+-\d+)</p>", html)


def test_home_shows_the_six_calls_closing_soonest_and_links_the_index(client):
    for n in range(8):
        _challenge(f"O{n}-2026", opens=-5, closes=20 - n)
    _challenge("C1-2026", opens=-30, closes=-1)

    html = client.get("/").content.decode()

    assert _codes_in(html) == ["O7-2026", "O6-2026", "O5-2026", "O4-2026", "O3-2026", "O2-2026"]
    assert '<a href="/bai-toan/">Tất cả bài toán và cuộc thi</a>' in html


def test_index_lists_open_then_upcoming_then_the_latest_closed(client):
    _challenge("OLD-2025", opens=-400, closes=-300, results=-290)
    _challenge("SHUT-2026", opens=-60, closes=-2)
    _challenge("LATE-2026", opens=-10, closes=40)
    _challenge("SOON-2026", opens=-10, closes=3)
    _challenge("NEXT-2026", opens=5, closes=60)
    _challenge("LATER-2026", opens=30, closes=90)

    html = client.get("/bai-toan/").content.decode()

    assert _codes_in(html) == [
        "SOON-2026",
        "LATE-2026",
        "NEXT-2026",
        "LATER-2026",
        "SHUT-2026",
        "OLD-2025",
    ]
    assert 'class="pager"' not in html  # one page: no pager


def test_index_pages_through_every_challenge_in_pages_of_24(client):
    from cms.models import ChallengeIndexPage

    for n in range(30):
        _challenge(f"P{n:02d}-2026", opens=-5, closes=n + 1)

    first = client.get("/bai-toan/").content.decode()
    second = client.get("/bai-toan/?page=2").content.decode()

    assert ChallengeIndexPage.per_page == 24
    assert _codes_in(first) == [f"P{n:02d}-2026" for n in range(24)]
    assert _codes_in(second) == [f"P{n:02d}-2026" for n in range(24, 30)]
    assert '<a rel="next" href="?page=2">Trang sau</a>' in first and 'rel="prev"' not in first
    assert '<a rel="prev" href="?page=1">Trang trước</a>' in second and 'rel="next"' not in second
    assert "<title>Bài toán · Trang 2 ·" in second
    for page in ("3", "0", "-1", "x", "", "²", "1.5", "99999999999999999999"):
        assert client.get("/bai-toan/", {"page": page}).status_code == 404, page
