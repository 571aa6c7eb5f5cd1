"""The sitemap and robots.txt.

Wagtail's own sitemap lists the pages under the site's root page, which with i18n is the
Vietnamese tree only. This one lists every live, public page in every language, each
with its translations as hreflang alternates (and Vietnamese as x-default), and the
public trail of every award under each fund page, in four queries whatever the number of
pages and awards. Django's sitemap classes page it; the XML is written here rather than
by Django's template, which took two thirds of the time at a few thousand URLs.
"""

from xml.sax.saxutils import escape, quoteattr

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.sitemaps import Sitemap
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from wagtail.models import Page

from cms.models import FundPage
from cms.page_urls import PageUrls
from fund import reports


class PageSitemap(Sitemap):
    limit = 50_000

    def __init__(self, request=None):
        self.request = request

    def items(self):
        fund_pages = ContentType.objects.get_for_model(FundPage).pk
        rows = []
        found_fund_pages = []
        for pk, url_path, key, language, published, content_type in (
            Page.objects.live()
            .public()
            .filter(depth__gt=1)
            .order_by("path")
            .values_list(
                "pk",
                "url_path",
                "translation_key",
                "locale__language_code",
                "last_published_at",
                "content_type",
            )
        ):
            rows.append((url_path, key, language, published, ""))
            if content_type == fund_pages:
                found_fund_pages.append((pk, url_path, key, language))
        rows += self._award_trails(found_fund_pages)
        # Each page's translations, for its alternates.
        self._versions: dict = {}
        for url_path, key, language, _published, suffix in rows:
            self._versions.setdefault((key, suffix), []).append((language, url_path))
        return rows

    @staticmethod
    def _award_trails(fund_pages: list[tuple]) -> list[tuple]:
        """Each fund page's award trails, as rows like the pages' with the trail's path
        after the page's (a trail's translations are its page's, same award)."""
        if not fund_pages:
            return []
        funds = dict(
            FundPage.objects.filter(pk__in=[pk for pk, *_rest in fund_pages]).values_list(
                "pk", "fund_id"
            )
        )
        awards = list(reports.award_ids())
        return [
            (url_path, key, language, None, FundPage.trail_path(award_id))
            for pk, url_path, key, language in fund_pages
            for award_id, award_fund_id in awards
            if funds[pk] is None or funds[pk] == award_fund_id
        ]

    def _urls(self, page, protocol, domain):
        urls = PageUrls.for_request(self.request)
        base = f"{protocol}://{domain}"

        pages: dict[str, str | None] = {}  # a fund page's URL serves all its trails

        def absolute(url_path, suffix):
            if url_path not in pages:
                path = urls.url(url_path)
                if path is not None and not path.startswith(("http://", "https://")):
                    path = base + path
                pages[url_path] = path
            path = pages[url_path]
            return None if path is None else path + suffix

        found = []
        for url_path, key, _language, published, suffix in self.paginator.page(page).object_list:
            location = absolute(url_path, suffix)
            if location is None:
                continue
            alternates = []
            versions = self._versions.get((key, suffix), [])
            if len(versions) > 1:
                for language, other_path in versions:
                    other = absolute(other_path, suffix)
                    if other:
                        alternates.append({"lang_code": language, "location": other})
                        if language == settings.LANGUAGE_CODE:
                            alternates.append({"lang_code": "x-default", "location": other})
            found.append({"location": location, "lastmod": published, "alternates": alternates})
        return found


URLSET = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)


@require_GET
def sitemap_view(request):
    """The sitemap (`?p=2` and on past 50,000 URLs), as Django's sitemap view writes it."""
    sitemap = PageSitemap(request)
    try:
        urls = sitemap.get_urls(
            page=request.GET.get("p", 1), site=get_current_site(request), protocol=request.scheme
        )
    except (EmptyPage, PageNotAnInteger):
        raise Http404 from None
    parts = [URLSET]
    for url in urls:
        parts.append(f"<url><loc>{escape(url['location'])}</loc>")
        if url["lastmod"]:
            parts.append(f"<lastmod>{timezone.localdate(url['lastmod']):%Y-%m-%d}</lastmod>")
        parts.extend(
            f'<xhtml:link rel="alternate" hreflang={quoteattr(alternate["lang_code"])} '
            f"href={quoteattr(alternate['location'])}/>"
            for alternate in url["alternates"]
        )
        parts.append("</url>\n")
    parts.append("</urlset>\n")
    return HttpResponse("".join(parts), content_type="application/xml")


@require_GET
def robots_txt(request):
    """Crawlers read the public site and the API's public reads; not the admin, the
    dashboard, accounts or files served to members."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /django-admin/",
        "Disallow: /accounts/",
        "Disallow: /en/accounts/",
        "Disallow: /dashboard/",
        "Disallow: /en/dashboard/",
        "Disallow: /api/v1/proposals/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
