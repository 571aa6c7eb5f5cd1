import unicodedata

from django import template
from django.conf import settings
from django.utils.translation import get_language, get_language_info

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context, page=None):
    """One link per language: this page's translation where it exists, else that
    language's home. Each name is written in its own language."""
    request = context.get("request")
    urls = {}
    if page is not None:
        for translation in page.get_translations(inclusive=True).live().select_related("locale"):
            urls[translation.locale.language_code] = translation.get_url(request)
    current = get_language()
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
