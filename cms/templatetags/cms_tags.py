import unicodedata

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils import timezone
from django.utils.translation import get_language, get_language_info

from cms.page_urls import translation_urls

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context, page=None):
    """One link per language: this page's translation where it exists, else that
    language's home. Each name is written in its own language.

    Outside the page tree (no `page`: log-in, privacy notice, dashboard) the link keeps
    the reader on the same view in the other language (`/accounts/login/` and
    `/en/accounts/login/`), query string included."""
    request = context.get("request")
    current = get_language()
    urls = {}
    if page:  # templates without a page pass "" (string_if_invalid)
        urls = translation_urls(page, request)
    elif request is not None:
        here = request.get_full_path()
        for code, _name in settings.LANGUAGES:
            there = here if code == current else translate_url(here, code)
            if there != here or code == current:
                urls[code] = there
    links = []
    for code, _name in settings.LANGUAGES:
        home = "/" if code == settings.LANGUAGE_CODE else f"/{code}/"
        links.append(
            {
                "code": code,
                # Django's own names are decomposed; browsers and search expect NFC.
                "name": unicodedata.normalize("NFC", get_language_info(code)["name_local"]),
                "url": urls.get(code, home),
                "current": code == current,
            }
        )
    return links


@register.filter
def isoformat(value):
    """An aware datetime in ISO 8601 with the province's offset, for `<time datetime>`:
    what `|date:'c'` gives, without parsing a format string once per row."""
    return timezone.localtime(value).isoformat() if value else ""


@register.filter
def language_home(code):
    """The home page of a language: `/` for the default language, `/<code>/` otherwise."""
    return "/" if code == settings.LANGUAGE_CODE else f"/{code}/"


@register.simple_tag(takes_context=True)
def site_menus(context):
    """The menus of the page's chrome ({location: menu}), one query per request."""
    from cms.selectors import menus_for_request

    return menus_for_request(context.get("request"))
