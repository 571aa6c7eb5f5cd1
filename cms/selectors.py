"""Reads of pages for lists of domain rows, a constant number of queries per list."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from cms.models import ChallengePage
from cms.page_urls import PageUrls


@dataclass(frozen=True, slots=True)
class PageSummary:
    """What a list shows of a challenge's public page."""

    title: str
    intro: str
    url: str | None


def attach_challenge_pages(
    challenges: Iterable, *, request=None, language: str | None = None
) -> list:
    """Set `page` on each challenge: its live page in `language` (by default the active
    one: the request's, or the served page's), else its live page in the default
    language, else None. One query for the whole list, and no page object is
    loaded: each URL is worked out from the page's url_path by `PageUrls`.

    Returns the challenges as a list.
    """
    challenges = list(challenges)
    if not challenges:
        return challenges
    language = language or translation.get_language()
    languages = {language, settings.LANGUAGE_CODE}
    rows = (
        ChallengePage.objects.live()
        .filter(challenge__in=[challenge.pk for challenge in challenges])
        .filter(locale__language_code__in=languages)
        .values_list("challenge_id", "locale__language_code", "title", "intro", "url_path")
        .order_by("path")
    )
    best = {}
    for challenge_id, page_language, title, intro, url_path in rows:
        # The requested language wins over the default language.
        if challenge_id not in best or page_language == language:
            best[challenge_id] = (title, intro, url_path)
    urls = PageUrls.for_request(request)
    for challenge in challenges:
        found = best.get(challenge.pk)
        challenge.page = (
            PageSummary(title=found[0], intro=found[1], url=urls.url(found[2])) if found else None
        )
    return challenges


@dataclass(frozen=True, slots=True)
class MenuLink:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class MenuView:
    links: list
    text: str


def menus_for_request(request=None) -> dict[str, MenuView]:
    """Every menu ({location: MenuView}) in the active language, or the default
    language's where the active one has none: one query for all menus and their links,
    no page object loaded (URLs from each page's url_path). Kept on the request, so a
    page that asks twice pays once."""
    from cms.models import Menu

    language = translation.get_language()
    cached = request.__dict__.get("_cms_menus") if request is not None else None
    if cached is not None and cached[0] == language:
        return cached[1]
    rows = (
        Menu.objects.filter(locale__language_code__in={language, settings.LANGUAGE_CODE})
        .order_by("location", "items__sort_order", "items__id")
        .values_list(
            "location",
            "locale__language_code",
            "text",
            "items__label",
            "items__link_url",
            "items__link_page__title",
            "items__link_page__url_path",
            "items__link_page__live",
        )
    )
    urls = PageUrls.for_request(request)
    found: dict[tuple[str, str], MenuView] = {}
    for location, menu_language, text, label, link_url, title, url_path, live in rows:
        menu = found.setdefault((location, menu_language), MenuView(links=[], text=text))
        if link_url:
            menu.links.append(MenuLink(label=label, url=link_url))
        elif url_path and live:
            url = urls.url(url_path)
            if url:
                menu.links.append(MenuLink(label=label or title, url=url))
    menus = {}
    for (location, menu_language), menu in found.items():
        if menu_language == language or location not in menus:
            menus[location] = menu
    if request is not None:
        request._cms_menus = (language, menus)
    return menus
