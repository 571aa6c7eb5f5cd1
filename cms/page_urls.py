"""Page URLs for a whole list at the price of one.

Wagtail's `Page.get_url(request)` finds the page's site root, then reverses the serve
view inside the page language's URL prefix, once per page: about 40 µs a row, and it
needs a loaded page object. `PageUrls` gives the same answer from a page's `url_path`
alone, doing the per-request work (site root paths, the current site, each language's
prefix) once. `tests/cms/test_page_urls.py` holds it to Wagtail's answer.
"""

import re
from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.http import RFC3986_SUBDELIMS
from wagtail.coreutils import WAGTAIL_APPEND_SLASH, get_supported_content_language_variant
from wagtail.models import Site

# What `reverse()` leaves unquoted in a path.
_SAFE = RFC3986_SUBDELIMS + "/~:@"
_UNKNOWN = object()


@cache
def _serve_path() -> re.Pattern:
    # What Wagtail's serve view accepts; imported late, since wagtail.urls needs the models.
    from wagtail.urls import serve_pattern

    return re.compile(serve_pattern)


class PageUrls:
    """`url(url_path)` equals `page.get_url(request)` for the page with that url_path.

    `PageUrls.for_request(request)` shares one instance among everything a request
    renders (its cards, its links, its language switcher).
    """

    @classmethod
    def for_request(cls, request=None) -> "PageUrls":
        if request is None:
            return cls()
        language = translation.get_language()
        shared = request.__dict__.setdefault("_page_urls", {})
        if language not in shared:
            shared[language] = cls(request)
        return shared[language]

    def __init__(self, request=None):
        self.request = request
        self.root_paths = self._site_root_paths(request)
        self.several_sites = len({root.site_id for root in self.root_paths}) > 1
        self._current_site = _UNKNOWN
        self._prefixes: dict[str, str | None] = {}
        active = translation.get_language()
        try:
            self._active_variant = get_supported_content_language_variant(active)
        except LookupError:
            self._active_variant = None
        self._active = active

    @staticmethod
    def _site_root_paths(request):
        # Shared with Wagtail's own get_url calls on this request (same attribute).
        if request is None:
            return Site.get_site_root_paths()
        try:
            return request._wagtail_cached_site_root_paths
        except AttributeError:
            request._wagtail_cached_site_root_paths = Site.get_site_root_paths()
            return request._wagtail_cached_site_root_paths

    @property
    def current_site(self):
        if self._current_site is _UNKNOWN:
            self._current_site = Site.find_for_request(self.request) if self.request else None
        return self._current_site

    def _prefix(self, language: str | None) -> str | None:
        """The serve view's URL for the site root in `language` ("/" or "/en/"); without
        Wagtail's i18n (`language` None), in whatever language is active."""
        if language not in self._prefixes:
            try:
                if language is None:
                    prefix = reverse("wagtail_serve", args=("",))
                else:
                    with translation.override(language):
                        prefix = reverse("wagtail_serve", args=("",))
            except NoReverseMatch:
                prefix = None
            self._prefixes[language] = prefix
        return self._prefixes[language]

    def url(self, url_path: str) -> str | None:
        possible = [root for root in self.root_paths if url_path.startswith(root.root_path)]
        if not possible:
            return None
        site_id, root_path, root_url, language = possible[0]
        if self.request is not None and len({root.site_id for root in possible}) > 1:
            # A page under several sites: prefer the one serving this request, as Wagtail does.
            site = self.current_site
            for root in possible:
                if site and root.site_id == site.pk:
                    site_id, root_path, root_url, language = root
                    break
        if not getattr(settings, "WAGTAIL_I18N_ENABLED", False):
            language = None
        elif self._active_variant == language:
            language = self._active
        prefix = self._prefix(language)
        rest = url_path[len(root_path) :]
        if prefix is None or not _serve_path().fullmatch(rest):
            return None
        page_path = prefix + quote(rest, safe=_SAFE)
        if not WAGTAIL_APPEND_SLASH and page_path != "/":
            page_path = page_path.rstrip("/")
        if not self.several_sites:
            return page_path
        site = self.current_site
        return page_path if site is not None and site.pk == site_id else root_url + page_path


def translation_urls(page, request=None) -> dict[str, str]:
    """The URL of `page`'s live translation in each language that has one (the page's
    own language included), by language code. Free when routing brought the
    translations' paths (`cms.routing`); else one query."""
    page_urls = PageUrls.for_request(request)
    known = getattr(page, "translation_url_paths", None)
    if known is None:
        translations = page.get_translations(inclusive=True).live()
        # Kept on the page: the language switcher and the head's alternates both ask.
        known = page.translation_url_paths = dict(
            translations.values_list("locale__language_code", "url_path")
        )
    urls = {}
    for code, url_path in known.items():
        url = page_urls.url(url_path) if url_path else None
        if url:
            urls[code] = url
    return urls
