from datetime import timedelta

import pytest
from django.utils import timezone

from challenges.enums import ChallengeKind, Sector
from challenges.models import Track
from tests.factories import ChallengeFactory, ChallengePageFactory
from tests.factories.challenges import translate
from tests.helpers import assert_constant_queries

LIST_URL = "/api/v1/challenges/"

pytestmark = pytest.mark.django_db


def _codes(response):
    assert response.status_code == 200, response.data
    return [row["code"] for row in response.data["results"]]


@pytest.fixture
def timeline():
    """One challenge in each status."""
    now = timezone.now()
    day = timedelta(days=1)
    return {
        "open": ChallengeFactory(code="OPEN-1", opens_at=now - day, closes_at=now + day),
        "upcoming": ChallengeFactory(
            code="SOON-1",
            kind=ChallengeKind.STEM_CONTEST,
            sector=Sector.EDUCATION,
            opens_at=now + day,
            closes_at=now + 30 * day,
        ),
        "closed": ChallengeFactory(
            code="SHUT-1", sector=Sector.TRANSPORT, opens_at=now - 9 * day, closes_at=now - day
        ),
        "results": ChallengeFactory(
            code="DONE-1",
            kind=ChallengeKind.STARTUP_CONTEST,
            sector=Sector.STARTUPS,
            opens_at=now - 60 * day,
            closes_at=now - 30 * day,
            results_published_at=now - day,
        ),
    }


def test_list_is_public_paginated_and_ordered_by_deadline(anon_client, timeline):
    response = anon_client.get(LIST_URL)

    assert response.status_code == 200
    assert response.data["count"] == 4
    assert _codes(response) == ["DONE-1", "SHUT-1", "OPEN-1", "SOON-1"]
    row = response.data["results"][2]
    assert set(row) == {
        "id",
        "code",
        "kind",
        "title",
        "summary",
        "sector",
        "opens_at",
        "closes_at",
        "status",
        "url",
    }
    assert row["status"] == "open"
    # Datetimes carry their offset, in Vietnam time.
    assert row["closes_at"].endswith("+07:00")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("open", ["OPEN-1"]),
        ("upcoming", ["SOON-1"]),
        ("closed", ["SHUT-1"]),
        ("results", ["DONE-1"]),
    ],
)
def test_status_filter(anon_client, timeline, status, expected):
    assert _codes(anon_client.get(LIST_URL, {"status": status})) == expected


def test_kind_and_sector_filters(anon_client, timeline):
    assert _codes(anon_client.get(LIST_URL, {"kind": "stem_contest"})) == ["SOON-1"]
    assert _codes(anon_client.get(LIST_URL, {"sector": "transport"})) == ["SHUT-1"]
    assert _codes(anon_client.get(LIST_URL, {"kind": "problem", "status": "closed"})) == ["SHUT-1"]


def test_unknown_filter_value_is_a_400_with_the_field(anon_client, timeline):
    response = anon_client.get(LIST_URL, {"status": "someday", "kind": "lottery"})

    assert response.status_code == 400
    assert set(response.data) == {"status", "kind"}


def test_search_matches_code_title_and_translated_page_title(anon_client):
    water = ChallengeFactory(code="P1-2026", title="Giám sát nước thải")
    ChallengeFactory(code="P2-2026", title="Giao thông thông minh")
    translate(ChallengePageFactory(challenge=water), "en", title="Waste-water monitoring")

    assert _codes(anon_client.get(LIST_URL, {"search": "nước thải"})) == ["P1-2026"]
    assert _codes(anon_client.get(LIST_URL, {"search": "p2-20"})) == ["P2-2026"]
    assert _codes(anon_client.get(LIST_URL, {"search": "WASTE-WATER"})) == ["P1-2026"]
    assert _codes(anon_client.get(LIST_URL, {"search": "nothing like it"})) == []


def test_ordering_by_deadline_descending(anon_client, timeline):
    assert _codes(anon_client.get(LIST_URL, {"ordering": "-closes_at"})) == [
        "SOON-1",
        "OPEN-1",
        "SHUT-1",
        "DONE-1",
    ]


def test_unpublished_challenges_are_hidden(anon_client):
    ChallengeFactory(code="DRAFT-1", is_published=False)

    assert _codes(anon_client.get(LIST_URL)) == []
    assert anon_client.get(f"{LIST_URL}DRAFT-1/").status_code == 404


def test_page_size_is_capped_at_100(anon_client):
    ChallengeFactory.create_batch(101)

    response = anon_client.get(LIST_URL, {"page_size": 500})

    assert len(response.data["results"]) == 100
    assert response.data["next"] is not None


def test_title_summary_and_url_follow_the_request_language(anon_client):
    challenge = ChallengeFactory(code="P5-2026", title="Số hóa di sản")
    page = ChallengePageFactory(challenge=challenge, title="Số hóa di sản", intro="Tóm tắt")
    translate(page, "en", title="Digitising heritage", intro="Summary", slug="p5-2026")

    vi = anon_client.get(f"{LIST_URL}P5-2026/").data
    en = anon_client.get(f"{LIST_URL}P5-2026/", HTTP_ACCEPT_LANGUAGE="en").data

    assert (vi["title"], vi["summary"]) == ("Số hóa di sản", "Tóm tắt")
    assert vi["url"] == "http://testserver/bai-toan/p5-2026/"
    assert (en["title"], en["summary"]) == ("Digitising heritage", "Summary")
    assert en["url"] == "http://testserver/en/bai-toan/p5-2026/"


def test_challenge_without_page_falls_back_to_official_title(anon_client):
    ChallengeFactory(code="P9-2026", title="Tên chính thức", summary="Tóm tắt chính thức")

    row = anon_client.get(f"{LIST_URL}P9-2026/", HTTP_ACCEPT_LANGUAGE="en").data

    assert (row["title"], row["summary"], row["url"]) == (
        "Tên chính thức",
        "Tóm tắt chính thức",
        None,
    )


def test_detail_by_code(anon_client, timeline):
    response = anon_client.get(f"{LIST_URL}DONE-1/")

    assert response.status_code == 200
    assert response.data["status"] == "results"
    assert response.data["results_published_at"] is not None
    assert anon_client.get(f"{LIST_URL}NOPE-1/").status_code == 404


def test_list_runs_a_constant_number_of_queries(anon_client):
    def add(n):
        for challenge in ChallengeFactory.create_batch(n):
            translate(ChallengePageFactory(challenge=challenge), "en")

    def fetch():
        response = anon_client.get(LIST_URL, {"page_size": 100}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=50)

    assert response.data["count"] == 50
    assert all(row["url"].startswith("http://testserver/en/") for row in response.data["results"])
    assert queries == 3  # count, challenges, their pages (one site: no site lookup)


def test_challenge_without_translation_falls_back_to_the_vietnamese_page(anon_client):
    challenge = ChallengeFactory(code="P7-2026")
    ChallengePageFactory(challenge=challenge, title="Chỉ có tiếng Việt", intro="Tóm tắt")

    row = anon_client.get(f"{LIST_URL}P7-2026/", HTTP_ACCEPT_LANGUAGE="en").data

    assert (row["title"], row["url"]) == (
        "Chỉ có tiếng Việt",
        "http://testserver/bai-toan/p7-2026/",
    )


def test_detail_accepts_the_code_in_lower_case(anon_client):
    ChallengeFactory(code="P1-2026")

    response = anon_client.get(f"{LIST_URL}p1-2026/")

    assert response.status_code == 200
    assert response.data["code"] == "P1-2026"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_rows_match_the_declared_serializer_fields(anon_client, timeline, language):
    # The challenge serializers write their rows by hand for speed: they must be what
    # DRF's declared fields (the documented schema) give, list and detail alike.
    from rest_framework.serializers import ModelSerializer

    from challenges.api.serializers import ChallengeDetailSerializer, ChallengeSerializer
    from challenges.selectors import challenges_public
    from cms.selectors import attach_challenge_pages

    page = ChallengePageFactory(challenge=timeline["open"], title="Trang mở")
    Track.objects.create(challenge=timeline["open"], code="a", name="Hạng A", name_en="Track A")
    translate(page, "en", title="Open page")
    response = anon_client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE=language)
    request = response.wsgi_request

    rows = attach_challenge_pages(list(challenges_public().order_by("code")), request=request)
    for serializer_class in (ChallengeSerializer, ChallengeDetailSerializer):
        serializer = serializer_class(context={"request": request})
        for challenge in rows:
            generic = ModelSerializer.to_representation(serializer, challenge)
            assert serializer.to_representation(challenge) == generic
            assert list(serializer.to_representation(challenge)) == list(generic)
    assert {row["status"] for row in response.data["results"]} == {
        "open",
        "upcoming",
        "closed",
        "results",
    }


def test_detail_has_tracks_and_eligibility_in_the_request_language(anon_client):
    challenge = ChallengeFactory(
        code="S1-2026",
        eligible_kinds=["startup", "university"],
        requires_verified_organization=True,
        max_proposals_per_organization=2,
        budget_ceiling_vnd=2_000_000_000,
        submission_language="vi",
    )
    Track.objects.create(challenge=challenge, code="b", name="Hạng B", sort_order=2)
    Track.objects.create(
        challenge=challenge, code="a", name="Hạng A", name_en="Track A", sort_order=1
    )

    vi = anon_client.get(f"{LIST_URL}S1-2026/").data
    en = anon_client.get(f"{LIST_URL}S1-2026/", HTTP_ACCEPT_LANGUAGE="en").data

    assert vi["tracks"] == [{"code": "a", "name": "Hạng A"}, {"code": "b", "name": "Hạng B"}]
    assert en["tracks"] == [{"code": "a", "name": "Track A"}, {"code": "b", "name": "Hạng B"}]
    assert vi["eligibility"] == {
        "organization_kinds": ["startup", "university"],
        "verified_only": True,
        "max_proposals_per_organization": 2,
        "budget_ceiling_vnd": 2_000_000_000,
        "submission_language": "vi",
    }
    assert "tracks" not in anon_client.get(LIST_URL).data["results"][0]


def test_detail_runs_a_constant_number_of_queries(anon_client, django_assert_num_queries):
    challenge = ChallengeFactory(code="S2-2026")
    ChallengePageFactory(challenge=challenge)
    for n in range(5):
        Track.objects.create(challenge=challenge, code=f"t{n}", name=f"Hạng {n}")
    anon_client.get(f"{LIST_URL}S2-2026/")  # warm per-process caches (site root paths)

    # The challenge, its tracks, its rubric's criteria, its page.
    with django_assert_num_queries(4):
        response = anon_client.get(f"{LIST_URL}S2-2026/")

    assert len(response.data["tracks"]) == 5
