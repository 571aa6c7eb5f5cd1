"""cms.routing serves pages in fewer queries than Wagtail; what it serves, and to whom,
must be exactly what Wagtail would."""

import pytest
from wagtail.models import Page, PageViewRestriction, Site

from cms.models import ChallengePage, DirectoryPage, HomePage
from tests.factories import ChallengeFactory, ChallengePageFactory, UserFactory
from tests.factories.challenges import translate

pytestmark = pytest.mark.django_db


@pytest.fixture
def home():
    return HomePage.objects.get(depth=2, locale__language_code="vi")


@pytest.fixture
def directory(home):
    page = home.add_child(instance=DirectoryPage(title="Danh bạ", slug="danh-ba", intro="Lời mở"))
    Site.clear_site_root_paths_cache()
    return page


def restrict(page, kind=PageViewRestriction.LOGIN, password=""):
    return PageViewRestriction.objects.create(page=page, restriction_type=kind, password=password)


def test_a_page_restricted_to_signed_in_readers_sends_others_to_log_in(client, directory):
    restrict(directory)

    anonymous = client.get("/danh-ba/")
    client.force_login(UserFactory())
    signed_in = client.get("/danh-ba/")

    assert anonymous.status_code == 302
    assert "next=/danh-ba/" in anonymous["Location"]
    assert signed_in.status_code == 200


def test_a_restriction_on_an_ancestor_covers_the_pages_below(client, home):
    page = ChallengePageFactory(challenge=ChallengeFactory(code="P7-2026"))
    restrict(page.get_parent())  # the challenge index

    assert client.get("/bai-toan/p7-2026/").status_code == 302
    assert client.get("/").status_code == 200


def test_a_password_restriction_asks_for_the_password(client, directory):
    restrict(directory, PageViewRestriction.PASSWORD, password="mat-khau")

    response = client.get("/danh-ba/")

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert "Lời mở" not in response.content.decode()


def test_an_alias_takes_its_sources_restrictions(client, home):
    index = ChallengePageFactory(challenge=ChallengeFactory(code="P8-2026")).get_parent()
    # An alias of the challenge index, published under the home page beside it.
    index.specific.create_alias(parent=home, update_slug="ban-sao")
    Site.clear_site_root_paths_cache()
    assert client.get("/ban-sao/").status_code == 200

    restrict(index)

    assert client.get("/ban-sao/").status_code == 302


def test_the_routed_page_has_its_specific_fields_and_parent(rf, home, directory):
    request = rf.get("/danh-ba/")

    page, _args, _kwargs = home.route(request, ["danh-ba"])

    assert type(page) is DirectoryPage
    assert (page.intro, page.title, page.url_path) == ("Lời mở", "Danh bạ", directory.url_path)
    assert page.get_parent().pk == home.pk
    assert page.translation_url_paths == {"vi": directory.url_path, "en": None}


def test_the_language_switcher_links_the_translation_the_route_found(client, home):
    challenge = ChallengeFactory(code="P9-2026")
    page = ChallengePageFactory(challenge=challenge, title="Giao thông")
    translate(home, "en", title="Home")
    english = translate(page, "en", title="Traffic", slug="p9-2026")
    Site.clear_site_root_paths_cache()

    html = client.get("/bai-toan/p9-2026/").content.decode()

    assert f'href="{english.url}" lang="en"' in html
    assert english.url.startswith("/en/")


def test_an_unknown_child_is_a_404_and_a_draft_too(client, home, directory):
    draft = home.add_child(instance=DirectoryPage(title="Nháp", slug="nhap", live=False))

    assert client.get("/khong-co/").status_code == 404
    assert client.get(f"/{draft.slug}/").status_code == 404


def test_other_page_types_below_home_still_route(client, home):
    # A type the routing query does not load specifically falls back to Wagtail's way.
    other = home.add_child(instance=Page(title="Trang thường", slug="trang-thuong"))
    Site.clear_site_root_paths_cache()

    page, _args, _kwargs = home.route(None, ["trang-thuong"])

    assert page.pk == other.pk
    assert isinstance(page, Page) and not isinstance(page, ChallengePage)


# The first step: the site's home page in the active language


def _route(rf, path, language):
    from django.utils import translation

    from cms.routing import route_for_request

    with translation.override(language):
        ours = route_for_request(rf.get(path), path)
        wagtails = Page.route_for_request(rf.get(path), path)
    return ours, wagtails


@pytest.mark.parametrize("english_home", ["live", "draft", "none"])
def test_the_first_step_finds_what_wagtail_finds(rf, home, english_home):
    if english_home != "none":
        english = translate(home, "en", title="Home")
        if english_home == "draft":
            english.refresh_from_db()
            english.unpublish()

    for path, language in [("/", "vi"), ("/", "en")]:
        ours, wagtails = _route(rf, path, language)
        assert (type(ours[0]), ours[0].pk) == (type(wagtails[0]), wagtails[0].pk)
    ours, _ = _route(rf, "/", "en")
    expected = "en" if english_home == "live" else "vi"
    assert ours[0].locale.language_code == expected
    assert type(ours[0]) is HomePage


def test_an_english_page_runs_the_queries_of_its_vietnamese_original(client, home, directory):
    from tests.helpers import count_queries

    translate(home, "en", title="Home")
    translate(directory, "en", title="Directory", slug="directory")
    Site.clear_site_root_paths_cache()
    client.get("/danh-ba/"), client.get("/en/directory/")  # warm the per-process caches

    vietnamese, response_vi = count_queries(client.get, "/danh-ba/")
    english, response_en = count_queries(client.get, "/en/directory/")

    assert (response_vi.status_code, response_en.status_code) == (200, 200)
    assert "Directory" in response_en.content.decode()
    assert english == vietnamese


def test_wagtails_other_urls_are_still_served(client, home):
    assert client.get("/_util/login/").status_code == 200
    assert client.get("/khong-co/trang-nao/").status_code == 404
