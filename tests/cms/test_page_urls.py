"""PageUrls gives Wagtail's own answer for every page, once per request instead of per page."""

import pytest
from django.test import RequestFactory
from django.utils import translation
from wagtail.models import Locale, Page, Site

from cms.models import ChallengePage, HomePage
from cms.page_urls import PageUrls
from tests.factories import ChallengeFactory, ChallengePageFactory
from tests.factories.challenges import translate
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def _request(host="localhost"):
    return RequestFactory().get("/", HTTP_HOST=host)


def _assert_same_as_wagtail(pages, request):
    urls = PageUrls(request)
    for page in pages:
        # A fresh request per page for Wagtail, so nothing PageUrls cached helps it.
        expected = page.get_url(request=_copy(request))
        assert urls.url(page.url_path) == expected, page.url_path


def _copy(request):
    return None if request is None else _request(request.get_host())


@pytest.fixture
def tree():
    """Challenge pages in both languages, one with a non-ASCII slug, and a page that
    belongs to no site (under the tree root, beside the home page)."""
    pages = []
    for challenge in ChallengeFactory.create_batch(3):
        page = ChallengePageFactory(challenge=challenge)
        pages += [page, translate(page, "en", title=f"{page.title} (en)")]
    accented = ChallengePageFactory(challenge=ChallengeFactory(), slug="giám-sát-môi-trường")
    pages.append(accented)
    vi_home = HomePage.objects.get(depth=2, locale__language_code="vi")
    en_home = vi_home.get_translation(Locale.objects.get(language_code="en"))
    orphan = Page.get_first_root_node().add_child(
        instance=HomePage(title="Lạc chỗ", slug="lac-cho", locale=accented.locale)
    )
    return [*pages, orphan, vi_home, en_home]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_same_urls_as_wagtail_on_one_site(tree, language):
    with translation.override(language):
        _assert_same_as_wagtail(tree, _request())
        _assert_same_as_wagtail(tree, None)


def test_english_page_urls_carry_the_language_prefix(tree):
    urls = PageUrls(_request())
    english = ChallengePage.objects.filter(locale__language_code="en").first()

    assert urls.url(english.url_path) == f"/en/bai-toan/{english.slug}/"
    assert urls.url("/giam-sat/") is None  # below no site


def test_non_ascii_slug_is_percent_encoded_like_reverse():
    page = ChallengePageFactory(challenge=ChallengeFactory(), slug="đổi-mới")

    url = PageUrls(_request()).url(page.url_path)

    assert url == page.get_url(_request())
    assert url.endswith("/%C4%91%E1%BB%95i-m%E1%BB%9Bi/")


def test_several_sites_give_full_urls_for_the_other_site(tree, settings):
    settings.ALLOWED_HOSTS = ["localhost", "other.example"]
    home = HomePage.objects.get(slug="home", depth=2, locale__language_code="vi")
    other_home = Page.get_first_root_node().add_child(
        instance=HomePage(title="Cổng khác", slug="cong-khac", locale=home.locale)
    )
    Site.objects.create(hostname="other.example", port=80, root_page=other_home)
    Site.clear_site_root_paths_cache()
    other_page = other_home.add_child(
        instance=HomePage(title="Trang con", slug="trang-con", locale=home.locale)
    )
    pages = [*tree, other_home, other_page]

    for host in ("localhost", "other.example"):
        _assert_same_as_wagtail(pages, _request(host))
    _assert_same_as_wagtail(pages, None)
    assert PageUrls(_request()).url(other_page.url_path) == "http://other.example/trang-con/"
    assert PageUrls(_request("other.example")).url(other_page.url_path) == "/trang-con/"


def test_work_is_done_once_per_request_not_per_page(tree):
    request = _request()
    urls = PageUrls(request)
    url_paths = [page.url_path for page in tree] * 20

    queries, result = count_queries(lambda: [urls.url(path) for path in url_paths])

    assert queries == 0
    assert len(result) == len(url_paths)


def test_one_instance_per_request_and_language():
    request = _request()

    with translation.override("vi"):
        vi = PageUrls.for_request(request)
        assert PageUrls.for_request(request) is vi
    with translation.override("en"):
        assert PageUrls.for_request(request) is not vi
    assert PageUrls.for_request(_request()) is not vi
