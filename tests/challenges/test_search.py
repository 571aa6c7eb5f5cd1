"""`search` of the challenges API: every word, with or without Vietnamese diacritics, in
a challenge's code, title, summary or its live pages in any language."""

import pytest

from challenges.models import Challenge
from tests.factories import ChallengeFactory, ChallengePageFactory
from tests.factories.challenges import translate
from tests.helpers import assert_constant_queries

LIST_URL = "/api/v1/challenges/"

pytestmark = pytest.mark.django_db


def _found(client, query):
    response = client.get(LIST_URL, {"search": query})
    assert response.status_code == 200, response.data
    return [row["code"] for row in response.data["results"]]


@pytest.fixture
def problems():
    ChallengeFactory(
        code="P1-2026",
        title="Giám sát môi trường khu công nghiệp",
        summary="Đo bụi mịn và nước thải theo thời gian thực.",
    )
    ChallengeFactory(code="P2-2026", title="Giao thông thông minh", summary="Đèn tín hiệu.")


@pytest.mark.parametrize(
    "query",
    ["giám sát", "giam sat", "GIAM SAT", "Giám Sat môi truong", "khu cong nghiep"],
)
def test_matches_with_or_without_diacritics(anon_client, problems, query):
    assert _found(anon_client, query) == ["P1-2026"]


def test_d_matches_dj_both_ways(anon_client, problems):
    assert _found(anon_client, "do bui min") == ["P1-2026"]  # "Đo bụi mịn"
    assert _found(anon_client, "đèn tín hiệu") == ["P2-2026"]
    assert _found(anon_client, "den tin hieu") == ["P2-2026"]


def test_every_word_must_match(anon_client, problems):
    assert _found(anon_client, "giam sat giao thong") == []
    assert _found(anon_client, "thong minh") == ["P2-2026"]


def test_matches_live_pages_in_every_language(anon_client):
    water = ChallengeFactory(code="P3-2026", title="Nước sạch nông thôn")
    page = ChallengePageFactory(challenge=water, intro="Lọc nước bằng cảm biến đầu nguồn.")
    translate(page, "en", title="Clean water for villages", intro="Sensors upstream.")

    assert _found(anon_client, "cam bien dau nguon") == ["P3-2026"]
    assert _found(anon_client, "villages") == ["P3-2026"]
    # The English page's words are found whatever the request's language.
    assert _found(anon_client, "sensors upstream") == ["P3-2026"]


def test_unpublished_and_deleted_pages_stop_matching(anon_client):
    challenge = ChallengeFactory(code="P4-2026", title="Du lịch di sản")
    page = ChallengePageFactory(challenge=challenge, title="Bản đồ số di tích Kinh Bắc")
    english = translate(page, "en", title="Heritage map")
    assert _found(anon_client, "kinh bac") == ["P4-2026"]

    page.unpublish()
    assert _found(anon_client, "kinh bac") == []
    assert _found(anon_client, "heritage map") == ["P4-2026"]

    english.delete()
    assert _found(anon_client, "heritage map") == []
    # The challenge's own text still matches.
    assert _found(anon_client, "du lich di san") == ["P4-2026"]


def test_a_page_moved_to_another_challenge_leaves_the_old_one(anon_client):
    first = ChallengeFactory(code="P5-2026", title="Một")
    second = ChallengeFactory(code="P6-2026", title="Hai")
    page = ChallengePageFactory(challenge=first, title="Nông nghiệp công nghệ cao")
    assert _found(anon_client, "nong nghiep") == ["P5-2026"]

    page.challenge = second
    page.save_revision().publish()

    assert _found(anon_client, "nong nghiep") == ["P6-2026"]


def test_an_edited_challenge_is_found_by_its_new_title(anon_client):
    challenge = ChallengeFactory(code="P7-2026", title="Tên cũ")
    challenge.title = "Chuyển đổi số"
    challenge.save(update_fields=["title"])

    assert _found(anon_client, "chuyen doi so") == ["P7-2026"]
    assert _found(anon_client, "ten cu") == []


def test_the_folded_text_is_stored_without_diacritics():
    challenge = ChallengeFactory(code="P8-2026", title="Đề xuất Giám sát", summary="")

    assert Challenge.objects.get(pk=challenge.pk).search_text == "p8-2026 de xuat giam sat"


def test_searching_runs_a_constant_number_of_queries(anon_client):
    def add(n):
        for _ in range(n):
            ChallengePageFactory(challenge=ChallengeFactory(title="Giám sát chất lượng"))

    def get():
        response = anon_client.get(LIST_URL, {"search": "giam sat", "page_size": 100})
        assert response.status_code == 200
        return response

    _, response = assert_constant_queries(get, add, few=1, many=6)
    assert response.data["count"] == 6
