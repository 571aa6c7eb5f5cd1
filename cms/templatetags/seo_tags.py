"""What search engines and link previews read in a page's <head>: the canonical URL,
the page in its other languages (hreflang, Vietnamese as x-default) and OpenGraph."""

from django import template
from django.conf import settings
from django.utils.translation import get_language

from cms.page_urls import translation_urls

register = template.Library()

# Query parameters that name a different document (a list's page); the rest (filters,
# tracking) do not make a page of their own.
CANONICAL_PARAMETERS = ("page",)
OG_LOCALES = {"vi": "vi_VN", "en": "en_GB"}


@register.inclusion_tag("cms/_meta.html", takes_context=True)
def page_meta(context, page=None):
    request = context.get("request")
    if request is None:
        return {}
    kept = [
        f"{name}={value}"
        for name in CANONICAL_PARAMETERS
        if (value := request.GET.get(name)) and value != "1"
    ]
    canonical = request.build_absolute_uri(request.path + ("?" + "&".join(kept) if kept else ""))
    alternates = []
    if page:  # templates without a page get "" (string_if_invalid)
        urls = translation_urls(page, request)
        if len(urls) > 1:
            alternates = [
                {"code": code, "url": request.build_absolute_uri(urls[code])}
                for code, _name in settings.LANGUAGES
                if code in urls
            ]
            if settings.LANGUAGE_CODE in urls:
                default = request.build_absolute_uri(urls[settings.LANGUAGE_CODE])
                alternates.append({"code": "x-default", "url": default})
    language = get_language()
    title = ""
    description = ""
    if page:
        title = getattr(page, "seo_title", "") or page.title
        description = getattr(page, "search_description", "") or getattr(page, "intro", "") or ""
    return {
        "canonical": canonical,
        "alternates": alternates,
        "og_title": title,
        "og_description": description[:300],
        "og_locale": OG_LOCALES.get(language, language),
        "og_type": "article" if page and page.depth > 3 else "website",
        "site_name": settings.WAGTAIL_SITE_NAME,
    }
