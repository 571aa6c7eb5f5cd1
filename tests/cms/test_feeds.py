"""The iCalendar feed of openings and deadlines, the sitemap in both languages, and
robots.txt."""

from datetime import UTC, datetime, timedelta

import pytest
from defusedxml import ElementTree as ET
from django.test import Client
from icalendar import Calendar

from tests.factories import ChallengeFactory
from tests.factories.challenges import ChallengePageFactory, translate
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def calls():
    opens = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
    problem = ChallengeFactory(
        code="P1-2026",
        title="Giám sát môi trường",
        opens_at=opens,
        closes_at=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),  # 17:00 in Vietnam
    )
    page = ChallengePageFactory(challenge=problem, title="Giám sát môi trường khu công nghiệp")
    english = translate(page, "en", title="Industrial-park monitoring", slug="p1-2026")
    contest = ChallengeFactory(code="STEM-2026", opens_at=opens + timedelta(days=3))
    hidden = ChallengeFactory(code="DRAFT-2026", is_published=False)
    problem.urls = {"vi": "http://testserver" + page.url, "en": "http://testserver" + english.url}
    return problem, contest, hidden


def events(response):
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_calendar_has_each_published_calls_opening_and_deadline(calls):
    problem, contest, _hidden = calls
    response = Client().get("/calendar.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    found = events(response)
    assert set(found) == {
        "P1-2026-opens@testserver",
        "P1-2026-deadline@testserver",
        "STEM-2026-opens@testserver",
        "STEM-2026-deadline@testserver",
    }
    deadline = found["P1-2026-deadline@testserver"]
    assert deadline.decoded("dtstart") == problem.closes_at
    assert str(deadline["summary"]).endswith("P1-2026 · Giám sát môi trường khu công nghiệp")
    assert "17:00" in str(deadline["description"])
    assert str(deadline["url"]).startswith("http://testserver/")
    # A reminder a day before the deadline.
    (alarm,) = deadline.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(days=-1)


def test_the_english_calendar_names_the_english_pages(calls):
    problem = calls[0]
    found = events(Client().get("/en/calendar.ics"))
    deadline = found["P1-2026-deadline@testserver"]
    assert str(deadline["summary"]) == "Deadline: P1-2026 · Industrial-park monitoring"
    assert str(deadline["url"]) == problem.urls["en"]
    assert problem.urls["en"].startswith("http://testserver/en/")


def test_the_calendar_costs_the_same_queries_for_two_calls_or_twenty(calls):
    client = Client()
    client.get("/calendar.ics")
    few, _ = count_queries(lambda: client.get("/calendar.ics"))
    for _n in range(18):
        ChallengePageFactory()
    many, response = count_queries(lambda: client.get("/calendar.ics"))
    assert few == many
    assert len(events(response)) == 40


def test_the_sitemap_lists_both_languages_with_alternates(calls):
    response = Client().get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    entries = {
        url.find(f"{SITEMAP}loc").text: {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SITEMAP}url")
    }
    vi_page, en_page = calls[0].urls["vi"], calls[0].urls["en"]
    assert vi_page in entries and en_page in entries
    assert entries[en_page] == {"vi": vi_page, "x-default": vi_page, "en": en_page}
    assert "http://testserver/" in entries and "http://testserver/en/" in entries


def test_the_sitemap_dates_each_page_by_its_last_publication_in_vietnam(calls):
    page = ChallengePageFactory(title="Đăng lúc nửa đêm")
    # 23:30 on 1 December in UTC is already 2 December in Vietnam.
    type(page).objects.filter(pk=page.pk).update(
        last_published_at=datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    )
    root = ET.fromstring(Client().get("/sitemap.xml").content)

    dates = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in root.findall(f"{SITEMAP}url")
    }
    assert dates["http://testserver" + page.url] == "2026-12-02"


def test_a_sitemap_page_past_the_last_is_not_found(calls):
    client = Client()
    assert client.get("/sitemap.xml", {"p": 2}).status_code == 404
    assert client.get("/sitemap.xml", {"p": "x"}).status_code == 404
    assert client.get("/sitemap.xml", {"p": 1}).status_code == 200


def test_robots_points_at_the_sitemap_and_keeps_crawlers_out_of_private_parts():
    body = Client().get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    for private in ("/admin/", "/dashboard/", "/accounts/"):
        assert f"Disallow: {private}" in body


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_news_feed_is_atom_with_the_latest_items_of_its_language():
    from tests.cms.test_page_types import _news

    _news("Công bố sáu bài toán lớn", days_ago=2, tags=["Sự kiện", "Bài toán"])
    _news("Mở cổng nộp hồ sơ", days_ago=1)
    response = Client().get("/news.atom")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.find(f"{ATOM}title").text for entry in entries] == [
        "Mở cổng nộp hồ sơ",
        "Công bố sáu bài toán lớn",
    ]
    older = entries[1]
    assert older.find(f"{ATOM}link").get("href").startswith("http://testserver/")
    assert {c.get("term") for c in older.findall(f"{ATOM}category")} == {"Sự kiện", "Bài toán"}
    assert older.find(f"{ATOM}summary").text == "Tóm tắt: Công bố sáu bài toán lớn"
    # The English feed holds the English news only: none yet.
    english = ET.fromstring(Client().get("/en/news.atom").content)
    assert english.findall(f"{ATOM}entry") == []


def test_pages_name_their_canonical_url_languages_and_preview(calls):
    problem = calls[0]
    body = Client().get(problem.urls["en"] + "?utm_source=mail").content.decode()
    assert f'<link rel="canonical" href="{problem.urls["en"]}">' in body
    assert f'<link rel="alternate" hreflang="vi" href="{problem.urls["vi"]}">' in body
    assert f'<link rel="alternate" hreflang="en" href="{problem.urls["en"]}">' in body
    assert f'<link rel="alternate" hreflang="x-default" href="{problem.urls["vi"]}">' in body
    assert '<meta property="og:title" content="Industrial-park monitoring">' in body
    assert '<meta property="og:locale" content="en_GB">' in body
    assert 'type="application/atom+xml" href="/en/news.atom"' in body
    assert 'type="text/calendar" href="/en/calendar.ics"' in body
