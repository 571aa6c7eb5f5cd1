"""The sitemap and robots.txt.

Wagtail's own sitemap lists the pages under the site's root page, which with i18n is the
Vietnamese tree only. This one lists every live, public page in every language, each
with its translations as hreflang alternates (and Vietnamese as x-default), and the
public trail of every award under each fund page, in four queries whatever the number of
pages and awards.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.http import HttpResponse
from django.urls import reverse
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
        rows = [
            (*row, "")
            for row in Page.objects.live()
            .public()
            .filter(depth__gt=1)
            .order_by("path")
            .values_list(
                "url_path", "translation_key", "locale__language_code", "last_published_at"
            )
        ]
        rows += self._award_trails()
        # Each page's translations, for its alternates.
        self._versions: dict = {}
        for url_path, key, language, _published, suffix in rows:
            self._versions.setdefault((key, suffix), []).append((language, url_path))
        return rows

    @staticmethod
    def _award_trails() -> list[tuple]:
        """Each fund page's award trails, as rows like the pages' with the trail's path
        after the page's (a trail's translations are its page's, same award)."""
        pages = list(
            FundPage.objects.live()
            .public()
            .order_by("path")
            .values_list("url_path", "translation_key", "locale__language_code", "fund_id")
        )
        if not pages:
            return []
        awards = list(reports.award_ids())
        return [
            (url_path, key, language, None, FundPage.trail_path(award_id))
            for url_path, key, language, fund_id in pages
            for award_id, award_fund_id in awards
            if fund_id is None or fund_id == award_fund_id
        ]

    def _urls(self, page, protocol, domain):
        urls = PageUrls.for_request(self.request)
        base = f"{protocol}://{domain}"

        def absolute(url_path, suffix):
            path = urls.url(url_path)
            if path is None:
                return None
            path += suffix
            return path if path.startswith(("http://", "https://")) else base + path

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


def sitemap_view(request):
    from django.contrib.sitemaps.views import sitemap

    return sitemap(request, {"pages": PageSitemap(request)})


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
