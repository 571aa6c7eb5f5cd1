"""Whole pages cached for anonymous visitors, dropped when what they show changes.

`PageCacheMiddleware` answers a repeat anonymous GET of a public HTML page from the cache,
without a session, a user or a query. Only what every anonymous visitor would see is
stored: a request with a session or a pending message, a response that set a cookie,
used the CSRF token, showed a message or asked not to be cached is never stored.

Invalidation is by generation: every entry records the generation it was rendered under
and is stale once `invalidate()` has moved it on (cms/signals.py calls it whenever a
page, a challenge, a snippet, a setting or a listed organisation changes). One counter
for the whole site is enough where publishing happens a few times a day, works the same
on Redis and in local memory, and stale entries simply expire. Content that changes with
the clock (a challenge opening or closing) is bounded by `register_expiry`. A worker
keeps its own copy of recent pages and trusts the generation it read for
`GENERATION_SECONDS`, so a hit needs no round trip to the shared cache; `invalidate()`
called in this process is seen at once.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import cc_delim_re, get_max_age, patch_cache_control, patch_vary_headers

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
# Paths below these (after any language prefix) are never cached: personal, state-changing,
# served by something else, or not pages.
EXCLUDED_PATHS = (
    "/admin/",
    "/django-admin/",
    "/api/",
    "/accounts/",
    "/dashboard/",
    "/documents/",
    "/i18n/",
    "/static/",
    "/media/",
    "/healthz",
)
# Pages a worker keeps a copy of (a few MB at most): a hit on one of them reads only the
# generation from the shared cache instead of carrying the whole page across.
LOCAL_ENTRIES = 128
# How long a worker trusts the generation it last read: a change made through another
# worker shows within this time (one made through this one, at once), and a hit costs no
# round trip to the shared cache at all.
GENERATION_SECONDS = 1.0
# Django's cookie message storage; with a pending message the page must show it.
MESSAGES_COOKIE = "messages"
NOT_SHARED = {"private", "no-store", "no-cache"}

_expiry_hooks: list[Callable[[datetime], datetime | None]] = []


def register_expiry(hook: Callable[[datetime], datetime | None]) -> None:
    """`hook(now)` returns the next moment at which pages may change by themselves (a
    deadline passing), or None; no page is kept past it. Called once per page stored."""
    if hook not in _expiry_hooks:
        _expiry_hooks.append(hook)


def invalidate() -> None:
    """Make every cached page stale, now and again when the current transaction commits
    (a page rendered meanwhile from the old rows must not outlive the commit)."""
    _bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_bump)


def _bump() -> None:
    forget_generation()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        _new_generation()
    except Exception:
        # A cache outage must not fail the editor's save; pages expire by TTL anyway.
        logger.exception("Could not invalidate the page cache")


# (generation, monotonic time it was read) in this process; None: read it again.
_generation_seen: tuple[int, float] | None = None


def forget_generation() -> None:
    """Read the generation from the shared cache on the next request, not in a second."""
    global _generation_seen
    _generation_seen = None


def _generation() -> int:
    global _generation_seen
    seen, now = _generation_seen, time.monotonic()
    if seen is not None and now - seen[1] < GENERATION_SECONDS:
        return seen[0]
    generation = cache.get(GENERATION_KEY) or _new_generation()
    _generation_seen = (generation, now)
    return generation


def _new_generation() -> int:
    # Never a number used before: if the counter is evicted, old entries stay stale.
    cache.add(GENERATION_KEY, time.time_ns(), None)
    return cache.get(GENERATION_KEY)


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    cookies = request.COOKIES
    if settings.SESSION_COOKIE_NAME in cookies or MESSAGES_COOKIE in cookies:
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    path = request.path_info
    language = translation.get_language_from_path(path)
    if language:
        path = path.removeprefix(f"/{language}")
    return not path.startswith(EXCLUDED_PATHS)


def _key(request) -> str:
    # The URL prefix picks the language, so the path alone tells them apart; the
    # language is in the key anyway, so that no other route could mix them.
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"pagecache:{request.scheme}:{request.get_host()}:{language}:{path}"


def _shared_ttl(request, response) -> int:
    """Seconds the response may be kept for every anonymous visitor; 0 if not at all."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return 0
    if not response.get("Content-Type", "").startswith("text/html"):
        return 0
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # the page holds a CSRF token
        return 0
    storage = getattr(request, "_messages", None)
    if storage is not None and (storage.added_new or (storage.used and len(storage))):
        return 0  # the page showed a flash message
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return 0
    directives = {
        part.split("=", 1)[0].strip().lower()
        for part in cc_delim_re.split(response.get("Cache-Control", ""))
    }
    if directives & NOT_SHARED or "*" in response.get("Vary", ""):
        return 0
    ttl = settings.PAGE_CACHE_SECONDS
    max_age = get_max_age(response)
    if max_age is not None:
        ttl = min(ttl, max_age)
    now = timezone.now()
    for hook in _expiry_hooks:
        moment = hook(now)
        if moment is not None:
            ttl = min(ttl, int((moment - now).total_seconds()))
    return max(ttl, 0)


class PageCacheMiddleware:
    """Serve and store whole anonymous pages; see the module's docstring.

    Placed right after SecurityMiddleware (and WhiteNoise): a hit skips the session,
    CSRF, authentication and the page itself, while HTTPS redirects and security
    headers still apply.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._local: dict[str, tuple] = {}

    def __call__(self, request):
        if not settings.PAGE_CACHE_ENABLED or not _cacheable_request(request):
            return self.get_response(request)
        key = _key(request)
        try:
            generation = _generation()
            entry = self._local.get(key)
            if entry is None or entry[0] != generation or entry[1] <= time.time():
                entry = cache.get(key)
                if entry is not None and entry[0] == generation:
                    self._keep(key, entry)
        except Exception:
            logger.exception("Page cache unavailable")
            return self.get_response(request)
        if entry is not None and entry[0] == generation:
            return self._from_cache(request, entry)

        response = self.get_response(request)
        # Only GET stores; HEAD is answered from what a GET stored.
        ttl = _shared_ttl(request, response) if request.method == "GET" else 0
        if ttl > 0:
            patch_vary_headers(response, ("Cookie",))
            expires = time.time() + ttl
            headers = [(name, value) for name, value in response.items()]
            try:
                cache.set(key, (generation, expires, response.content, headers), ttl)
            except Exception:
                logger.exception("Could not store a page in the cache")
                return response
            self._keep(key, (generation, expires, response.content, headers))
            response["X-Cache"] = "miss"
        return response

    def _keep(self, key: str, entry: tuple) -> None:
        if len(self._local) >= LOCAL_ENTRIES:
            self._local.clear()  # simpler than LRU; the shared cache refills it
        self._local[key] = entry

    @staticmethod
    def _from_cache(request, entry):
        _generation, expires, content, headers = entry
        response = HttpResponse(b"" if request.method == "HEAD" else content)
        for name, value in headers:
            response[name] = value
        if "max-age" in response.get("Cache-Control", ""):
            # Browsers keep it no longer than we still would.
            patch_cache_control(response, max_age=max(int(expires - time.time()), 0))
        response["X-Cache"] = "hit"
        return response
