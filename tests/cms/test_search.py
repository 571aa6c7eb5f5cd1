"""The site's search page: live pages of the reader's language, diacritics ignored."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from tests.factories import ChallengeFactory, ChallengePageFactory
from tests.factories.challenges import translate
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def _url(language="vi"):
    with translation.override(language):
        return reverse("search")


def _results(client, query, language="vi", **params):
    response = client.get(_url(language), {"q": query, **params})
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    return re.findall(r'<h2><a href="([^"]+)">([^<]+)</a></h2>', html)


@pytest.fixture
def environment():
    challenge = ChallengeFactory(code="P1-2026", title="Giám sát môi trường")
    page = ChallengePageFactory(
        challenge=challenge,
        title="Giám sát môi trường khu công nghiệp",
        intro="Đo bụi mịn và nước thải theo thời gian thực.",
    )
    Site.clear_site_root_paths_cache()
    return page


def test_search_page_urls_are_translated():
    assert _url("vi") == "/tim-kiem/"
    assert _url("en") == "/en/search/"


@pytest.mark.parametrize(
    "query", ["giam sat moi truong", "giám sát môi trường", "GIAM SAT", "khu cong nghiep"]
)
def test_finds_accented_text_with_or_without_diacritics(client, environment, query):
    assert _results(client, query) == [
        ("/bai-toan/p1-2026/", "Giám sát môi trường khu công nghiệp")
    ]


def test_d_matches_dj(client, environment):
    ChallengePageFactory(challenge=ChallengeFactory(code="P2-2026"), title="Đổi mới sáng tạo mở")

    assert [title for _, title in _results(client, "doi moi")] == ["Đổi mới sáng tạo mở"]
    assert [title for _, title in _results(client, "đổi mới")] == ["Đổi mới sáng tạo mở"]
    # The intro is searched too: "Đo bụi" typed as "do bui".
    assert [title for _, title in _results(client, "do bui")] == [environment.title]


def test_every_word_must_match(client, environment):
    assert _results(client, "giam sat giao thong") == []


def test_shows_a_snippet_and_the_count(client, environment):
    html = client.get(_url(), {"q": "giam sat"}).content.decode()

    assert "Đo bụi mịn và nước thải theo thời gian thực." in html
    assert re.search(r'class="search-count">[^<]*: 1</p>', html)


def test_english_pages_are_found_only_under_en(client, environment):
    translate(environment, "en", title="Industrial park environmental monitoring", slug="p1-2026")
    Site.clear_site_root_paths_cache()

    assert _results(client, "industrial park", "en") == [
        ("/en/bai-toan/p1-2026/", "Industrial park environmental monitoring")
    ]
    assert _results(client, "industrial park", "vi") == []
    assert _results(client, "giam sat", "en") == []


def test_unpublished_pages_and_challenges_are_not_found(client, environment):
    hidden = ChallengeFactory(code="P3-2026", is_published=False)
    ChallengePageFactory(challenge=hidden, title="Giám sát bí mật")
    draft = ChallengePageFactory(challenge=ChallengeFactory(code="P4-2026"), title="Giám sát nháp")
    draft.unpublish()

    assert [title for _, title in _results(client, "giam sat")] == [environment.title]


def test_no_query_lists_nothing(client, environment):
    response = client.get(_url())

    assert response.status_code == 200
    assert _results(client, "") == []
    assert _results(client, "   ") == []


def test_pages_of_results_refuse_bad_page_numbers(client, environment):
    assert client.get(_url(), {"q": "giam sat", "page": "2"}).status_code == 404
    assert client.get(_url(), {"q": "giam sat", "page": "x"}).status_code == 404


def test_twenty_results_a_page(client):
    for n in range(21):
        ChallengePageFactory(challenge=ChallengeFactory(), title=f"Giám sát số {n}")
    Site.clear_site_root_paths_cache()

    first = _results(client, "giam sat")
    second = _results(client, "giam sat", page=2)

    assert len(first) == 20
    assert len(second) == 1
    assert not {title for _, title in first} & {title for _, title in second}


def test_runs_a_constant_number_of_queries(client, environment):
    def add(n):
        for _ in range(n):
            ChallengePageFactory(challenge=ChallengeFactory(), title="Giám sát chất lượng nước")

    def get():
        response = client.get(_url(), {"q": "giam sat"})
        assert response.status_code == 200
        return response

    _, response = assert_constant_queries(get, add, few=1, many=8)
    assert response.content.decode().count("<h2><a href=") == 9
