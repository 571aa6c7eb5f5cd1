from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from challenges.judging.urls import urlpatterns as review_pages
from challenges.urls import urlpatterns as proposal_pages
from cms.feeds import NewsFeed, calendar_feed
from cms.routing import serve as serve_page
from cms.search_views import search
from cms.sitemap import robots_txt, sitemap_view
from fund.urls import urlpatterns as fund_pages
from portal.api.views import api_not_found
from portal.views import healthz, privacy_notice
from startups.urls import urlpatterns as organization_pages

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v1/", include("portal.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # Any other path under /api/ answers the API's JSON 404, never the site's HTML page.
    re_path(r"^api/", api_not_found),
    path("i18n/", include("django.conf.urls.i18n")),
    path("sitemap.xml", sitemap_view, name="sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Browser pages in the site's languages (Vietnamese at /, English under /en/), the page
# tree last.
urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("privacy/", privacy_notice, name="privacy_notice"),
    path("calendar.ics", calendar_feed, name="calendar_feed"),
    path("news.atom", NewsFeed(), name="news_feed"),
    # The dashboard: organisations (startups), proposals and jurors' reviews (challenges),
    # the fund's applications and office (fund): one namespace, each app keeping its pages.
    path(
        "dashboard/",
        include((organization_pages + proposal_pages + review_pages + fund_pages, "dashboard")),
    ),
    # Translated: /tim-kiem/ in Vietnamese, /en/search/ in English.
    path(_("search/"), search, name="search"),
    # Wagtail's URLs, its page view routed in fewer queries (cms.routing).
    path("", include([url for url in wagtail_urls.urlpatterns if url.name != "wagtail_serve"])),
    re_path(wagtail_urls.serve_pattern, serve_page, name="wagtail_serve"),
    prefix_default_language=False,
)
