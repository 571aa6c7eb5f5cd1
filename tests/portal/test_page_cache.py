"""Whole anonymous pages from the cache (portal.cache), dropped on change (cms.signals)."""

from datetime import timedelta

import pytest
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Locale, Site

from cms.models import DirectoryPage, HomePage
from cms.signals import next_page_change, shown_publicly
from portal import cache as page_cache
from tests.factories import ChallengeFactory, ChallengePageFactory, OrganizationFactory, UserFactory
from tests.factories.challenges import challenge_index, translate

pytestmark = pytest.mark.django_db

PAGE = "/bai-toan/p1-2026/"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True
    settings.PAGE_CACHE_SECONDS = 300
    page_cache.forget_generation()  # nothing remembered from another test


@pytest.fixture
def challenge_page():
    return ChallengePageFactory(
        challenge=ChallengeFactory(code="P1-2026"), title="Giám sát môi trường", intro="Bản đầu"
    )


def _get(client, url, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return response


def _twice(client, url):
    """The first and second anonymous GET of `url`."""
    return _get(client, url), _get(client, url)


def test_second_anonymous_get_is_a_hit_with_the_same_page(client, challenge_page):
    first, second = _twice(client, PAGE)

    assert first["X-Cache"] == "miss"
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert "Giám sát môi trường" in second.content.decode()
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Language"] == "vi"
    assert "Cookie" in second["Vary"]
    assert not second.cookies


def test_a_hit_runs_no_query(client, challenge_page, django_assert_num_queries):
    _get(client, PAGE)

    with django_assert_num_queries(0):
        response = _get(client, PAGE)

    assert response["X-Cache"] == "hit"


def test_head_is_answered_from_the_stored_get(client, challenge_page):
    get = _get(client, PAGE)

    head = client.head(PAGE)

    assert head["X-Cache"] == "hit"
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))


def test_query_string_is_part_of_the_key(client, challenge_page):
    _get(client, "/bai-toan/")

    assert _get(client, "/bai-toan/?page=1")["X-Cache"] == "miss"
    assert _get(client, "/bai-toan/?page=1")["X-Cache"] == "hit"


def test_both_languages_are_cached_apart(client, challenge_page):
    translate(challenge_page, "en", title="Environmental monitoring", slug="p1-2026")
    en_page = "/en/bai-toan/p1-2026/"

    vi_first, vi_second = _twice(client, PAGE)
    en_first, en_second = _twice(client, en_page)

    assert [vi_first["X-Cache"], en_first["X-Cache"]] == ["miss", "miss"]
    assert [vi_second["X-Cache"], en_second["X-Cache"]] == ["hit", "hit"]
    assert '<html lang="vi">' in vi_second.content.decode()
    assert '<html lang="en">' in en_second.content.decode()
    assert "Environmental monitoring" in en_second.content.decode()
    assert "Environmental monitoring" not in vi_second.content.decode()


def test_publishing_a_new_revision_drops_the_page(client, challenge_page):
    _twice(client, PAGE)

    challenge_page.intro = "Bản thứ hai"
    challenge_page.save_revision().publish()
    response = _get(client, PAGE)

    assert response["X-Cache"] == "miss"
    assert "Bản thứ hai" in response.content.decode()
    assert _get(client, PAGE)["X-Cache"] == "hit"


def test_a_draft_is_not_shown_however_the_cache_is_dropped(client, challenge_page):
    _twice(client, PAGE)

    challenge_page.intro = "Bản nháp"
    challenge_page.save_revision()

    assert "Bản nháp" not in _get(client, PAGE).content.decode()


def test_unpublishing_a_page_drops_it(client, challenge_page):
    _twice(client, PAGE)

    challenge_page.unpublish()

    assert client.get(PAGE).status_code == 404


def test_changing_the_challenge_drops_its_pages(client, challenge_page):
    _twice(client, PAGE)
    _twice(client, "/")
    challenge = challenge_page.challenge
    challenge.closes_at = timezone.now() - timedelta(hours=1)
    challenge.save()

    page, home = _get(client, PAGE), _get(client, "/")

    assert page["X-Cache"] == home["X-Cache"] == "miss"
    assert timezone.localtime(challenge.closes_at).isoformat() in page.content.decode()
    assert "Giám sát môi trường" not in home.content.decode()  # no longer an open call


def test_a_new_challenge_page_appears_on_the_cached_index(client, challenge_page):
    _twice(client, "/bai-toan/")

    ChallengePageFactory(challenge=ChallengeFactory(code="P2-2026"), title="Giao thông thông minh")

    assert "Giao thông thông minh" in _get(client, "/bai-toan/").content.decode()


def test_deleting_a_page_drops_the_cache(client, challenge_page):
    _twice(client, "/bai-toan/")

    challenge_page.delete()

    assert "Giám sát môi trường" not in _get(client, "/bai-toan/").content.decode()


def test_site_and_image_changes_drop_the_cache(client, challenge_page):
    _twice(client, PAGE)
    site = Site.objects.get(is_default_site=True)
    site.site_name = "Cổng mới"
    site.save()
    assert _get(client, PAGE)["X-Cache"] == "miss"

    Image.objects.create(title="Ảnh", file=get_test_image_file())
    assert _get(client, PAGE)["X-Cache"] == "miss"


def _a_setting(site):
    from django.apps import apps
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting

    for model in apps.get_models():
        if issubclass(model, BaseSiteSetting):
            return model.for_site(site)
        if issubclass(model, BaseGenericSetting):
            return model.load()
    pytest.skip("no site setting defined")


def test_saving_a_setting_drops_the_cache_and_reading_it_first_does_not(client, challenge_page):
    # The first render creates the setting's row with its defaults: still a hit next time.
    assert [_get(client, PAGE)["X-Cache"] for _ in range(2)] == ["miss", "hit"]
    setting = _a_setting(Site.objects.get(is_default_site=True))

    setting.save()

    assert _get(client, PAGE)["X-Cache"] == "miss"


def test_every_cms_model_and_setting_drops_the_cache():
    # Snippets (navigation, footer) and settings live in cms or are Wagtail settings:
    # a new one is covered without touching cms/signals.py.
    from django.apps import apps
    from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    from wagtail.images.models import AbstractRendition

    for model in apps.get_app_config("cms").get_models():
        assert shown_publicly(model) is not issubclass(model, AbstractRendition), model
    for model in apps.get_models():
        if issubclass(model, (BaseGenericSetting, BaseSiteSetting)):
            assert shown_publicly(model), model
    for label in ("challenges.Proposal", "challenges.Attachment", "portal.User"):
        assert not shown_publicly(apps.get_model(label)), label


@pytest.fixture
def directory():
    home = HomePage.objects.get(depth=2, locale__language_code="vi")
    page = home.add_child(instance=DirectoryPage(title="Danh bạ", slug="danh-ba"))
    Site.clear_site_root_paths_cache()
    return page


def test_an_organisation_change_drops_the_directory(client, directory):
    listed = OrganizationFactory(is_public=True, legal_name="Công ty Xanh")
    first, second = _twice(client, "/danh-ba/")
    assert second["X-Cache"] == "hit"

    listed.legal_name = "Công ty Xanh Lá"
    listed.save()
    response = _get(client, "/danh-ba/")

    assert response["X-Cache"] == "miss"
    assert "Công ty Xanh Lá" in response.content.decode()


def test_the_directory_keeps_its_own_cache_control(client, directory):
    first, second = _twice(client, "/danh-ba/")

    assert "public" in first["Cache-Control"] and "max-age=300" in first["Cache-Control"]
    assert "public" in second["Cache-Control"]
    max_age = int(second["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert 295 <= max_age <= 300  # what the cache still gives it, no more


def test_no_page_outlives_the_next_deadline(client, directory):
    ChallengeFactory(closes_at=timezone.now() + timedelta(seconds=30))

    first, second = _twice(client, "/danh-ba/")

    assert second["X-Cache"] == "hit"
    assert int(second["Cache-Control"].split("max-age=")[1].split(",")[0]) <= 30


def _at(hour, minute=0):
    """A moment today in Vietnam time."""
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_pages_change_by_themselves_at_the_next_date_or_midnight():
    morning = _at(9)
    ChallengeFactory(opens_at=morning - timedelta(days=5), closes_at=morning + timedelta(hours=5))
    ChallengeFactory(opens_at=morning + timedelta(hours=3), closes_at=morning + timedelta(days=9))
    ChallengeFactory(
        opens_at=morning + timedelta(hours=1),
        closes_at=morning + timedelta(days=9),
        is_published=False,
    )

    assert next_page_change(morning) == morning + timedelta(hours=3)
    evening = _at(22)
    assert next_page_change(evening) == _at(0) + timedelta(days=1)


def test_pages_change_every_minute_in_the_last_hour_before_a_deadline():
    now = _at(16, 10)
    ChallengeFactory(opens_at=now - timedelta(days=5), closes_at=_at(17))

    assert next_page_change(now) == now + timedelta(minutes=1)


def test_a_lost_generation_never_revives_old_pages(client, challenge_page):
    _twice(client, PAGE)

    cache.delete(page_cache.GENERATION_KEY)
    page_cache.forget_generation()  # as a second later

    assert _get(client, PAGE)["X-Cache"] == "miss"
    assert _get(client, PAGE)["X-Cache"] == "hit"


def test_a_change_made_through_another_worker_shows_within_a_second(client, challenge_page):
    _twice(client, PAGE)
    cache.incr(page_cache.GENERATION_KEY)  # another worker published something

    # This worker trusts the generation it read for a second: no round trip per hit...
    assert _get(client, PAGE)["X-Cache"] == "hit"
    generation, read_at = page_cache._generation_seen
    page_cache._generation_seen = (generation, read_at - page_cache.GENERATION_SECONDS)
    # ...and then reads it again: the page is rendered anew.
    assert _get(client, PAGE)["X-Cache"] == "miss"


def test_a_signed_in_user_neither_gets_nor_fills_the_cache(client, challenge_page):
    user = UserFactory(full_name="Trần Thị Riêng Tư")
    anonymous = _get(client, PAGE)  # cached for anonymous visitors

    client.force_login(user)
    own = _get(client, PAGE)
    own_again = _get(client, PAGE)

    assert "X-Cache" not in own and "X-Cache" not in own_again
    assert "Trần Thị Riêng Tư" in own_again.content.decode()
    assert own_again.content != anonymous.content

    client.logout()
    cache.clear()  # nothing cached: the signed-in pages must not be stored either
    page_cache.forget_generation()
    client.force_login(user)
    _get(client, PAGE)
    client.logout()
    response = _get(client, PAGE)
    assert response["X-Cache"] == "miss"
    assert "Trần Thị Riêng Tư" not in response.content.decode()
    assert "csrfmiddlewaretoken" not in response.content.decode()


def test_no_cached_page_holds_a_csrf_token(client, challenge_page):
    translate(HomePage.objects.get(depth=2), "en", title="Open Innovation Portal")
    challenge_index(Locale.objects.get(language_code="en"))
    for url in ("/", "/en/", "/bai-toan/", PAGE):
        _, hit = _twice(client, url)
        assert hit["X-Cache"] == "hit", url
        assert "csrfmiddlewaretoken" not in hit.content.decode(), url


def test_a_post_is_never_cached(client, challenge_page):
    post = client.post(PAGE)

    assert "X-Cache" not in post
    assert _get(client, PAGE)["X-Cache"] == "miss"


@pytest.mark.parametrize(
    "url", ["/api/v1/challenges/", "/api/docs/", "/accounts/login/", "/en/accounts/login/"]
)
def test_paths_outside_the_pages_are_never_cached(client, url):
    ChallengeFactory()
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Cache" not in response


@pytest.mark.parametrize("url", ["/dashboard/", "/admin/", "/django-admin/"])
def test_personal_areas_are_never_cached(client, url):
    for _ in range(2):
        assert "X-Cache" not in client.get(url)


def test_a_visitor_with_a_pending_message_gets_a_fresh_page(client, challenge_page):
    _twice(client, PAGE)
    user = UserFactory()
    client.force_login(user)

    # Logging out leaves "You have signed out." to show on the next page.
    client.post("/accounts/logout/")
    response = _get(client, PAGE)

    assert "X-Cache" not in response
    assert 'class="messages"' in response.content.decode()
    assert 'class="messages"' not in _get(client, PAGE).content.decode()


def test_not_found_is_not_cached(client, challenge_page):
    assert client.get("/bai-toan/no-such-problem/").status_code == 404

    ChallengePageFactory(challenge=ChallengeFactory(code="no-such-problem"))

    assert _get(client, "/bai-toan/no-such-problem/")["X-Cache"] == "miss"


def test_nothing_is_cached_when_turned_off(client, challenge_page, settings):
    settings.PAGE_CACHE_ENABLED = False

    assert "X-Cache" not in _get(client, PAGE)
    assert "X-Cache" not in _get(client, PAGE)


# The middleware's rules on responses no page of the site makes yet, through the whole
# middleware stack with the views below.

_TEMPLATE = engines["django"].from_string(
    "<p>{% for message in messages %}{{ message }}{% endfor %}</p>"
)


def _flash(request):
    messages.success(request, "Đã lưu.")
    return HttpResponse(_TEMPLATE.render({"messages": messages.get_messages(request)}))


def _form(request):
    return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')


@never_cache
def _private(request):
    return HttpResponse("<p>Chỉ một lần.</p>")


def _plain(request):
    return HttpResponse("<p>Công khai.</p>")


def _json(request):
    return HttpResponse("{}", content_type="application/json")


urlpatterns = [
    path("flash/", _flash),
    path("form/", _form),
    path("private/", _private),
    path("plain/", _plain),
    path("json/", _json),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/flash/", "/form/", "/private/", "/json/"])
def test_pages_with_a_message_a_token_or_a_no_cache_are_not_stored(client, url):
    for _ in range(2):
        assert "X-Cache" not in _get(client, url)


@pytest.mark.urls(__name__)
def test_a_plain_page_of_another_view_is_stored(client):
    assert [_get(client, "/plain/")["X-Cache"] for _ in range(2)] == ["miss", "hit"]
