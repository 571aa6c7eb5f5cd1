"""Serving a page in fewer queries than Wagtail's defaults, with the same results.

Wagtail finds a child page, then loads its specific row, then (for the language
switcher) its translations, then checks view restrictions in two queries. Here the
routing query brings the specific page and its translations' paths at once, and the
restrictions take one query whenever every page above is known not to be an alias.
"""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.utils import translation
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Page, PageViewRestriction, Site


def with_translation_paths(pages):
    """Annotate each page with the url_path of its live translation in every language
    (`_url_path_<code>`, None where there is none); `remember_translation_paths` keeps
    them on the page for the language switcher."""
    return pages.annotate(
        **{
            f"_url_path_{code}": Subquery(
                Page.objects.filter(
                    translation_key=OuterRef("translation_key"),
                    locale__language_code=code,
                    live=True,
                ).values("url_path")[:1]
            )
            for code, _name in settings.LANGUAGES
        }
    )


def remember_translation_paths(page, row=None):
    row = row or page
    page.translation_url_paths = {
        code: getattr(row, f"_url_path_{code}") for code, _name in settings.LANGUAGES
    }
    return page


def _specific(row, specific_names):
    """The specific page of `row`, loaded by `select_related(*specific_names)` when its
    type is one of them; else Wagtail's way, one query more."""
    for name in specific_names:
        try:
            child = getattr(row, name)
        except ObjectDoesNotExist:
            continue
        return remember_translation_paths(child, row)
    return remember_translation_paths(row.specific, row)


def route_to_child(parent, request, path_components, specific_names):
    """Route one step down from `parent`: its child with the first path component as
    slug, loaded with its specific fields when its type is one of `specific_names`
    (reverse one-to-one names such as "directorypage"), in one query."""
    row = (
        with_translation_paths(Page.objects.child_of(parent))
        .filter(slug=path_components[0])
        .select_related(*specific_names)
        .first()
    )
    if row is None:
        raise Http404
    child = _specific(row, specific_names)
    child._cached_parent_obj = parent
    return child.route(request, path_components[1:])


def route_for_request(request, path):
    """Wagtail's `Page.route_for_request` with its first step in one query.

    Wagtail loads the site's root page, then the active Locale, then the root's
    translation in that language, then its specific row: up to four queries before the
    path is even looked at. Here the site's query is Wagtail's, and one more brings the
    root's live translation in the active language (or the root itself where there is
    none, as Wagtail's `localized` does) as its specific page with its translations'
    paths. The result is the one Wagtail would cache on the request."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page
    try:
        language = get_supported_content_language_variant(translation.get_language())
    except LookupError:
        language = None
    rows = (
        with_translation_paths(Page.objects.filter(translation_key=root.translation_key))
        .filter(Q(locale__language_code=language, live=True) | Q(pk=root.pk))
        .select_related("homepage")
        .order_by(Case(When(pk=root.pk, then=Value(1)), default=Value(0)))
    )[:1]
    home = _specific(rows[0], ("homepage",)) if rows else root.specific
    try:
        return home.route(request, [part for part in path.split("/") if part])
    except Http404:
        return None


def serve(request, path):
    """Wagtail's page view, routed by `route_for_request` (Wagtail reads the route it
    caches on the request)."""
    from wagtail.views import serve as wagtail_serve

    if not hasattr(request, "_wagtail_route_for_request"):
        request._wagtail_route_for_request = route_for_request(request, path)
    return wagtail_serve(request, path)


class FewerQueriesPage:
    """Mixin for the portal's page types."""

    def get_view_restrictions(self):
        # Wagtail resolves aliases page by page (an alias uses its source's restrictions),
        # which takes a query for the ancestors first. When routing loaded every page
        # above this one and none is an alias, the restrictions of the pages on this path
        # are the answer, in one query. Anything else goes Wagtail's way.
        page = self
        while page.depth > 2:
            if page.alias_of_id is not None:
                return super().get_view_restrictions()
            page = page.__dict__.get("_cached_parent_obj")
            if page is None:
                return super().get_view_restrictions()
        if page.alias_of_id is not None:  # the home page (the root, depth 1, never is)
            return super().get_view_restrictions()
        steplen = self.steplen
        paths = [self.path[:end] for end in range(steplen, len(self.path) + 1, steplen)]
        return PageViewRestriction.objects.filter(page__path__in=paths)
