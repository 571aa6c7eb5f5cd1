"""The site's search page: live pages of the reader's language, diacritics ignored."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import translation
from django.utils.html import strip_tags

from cms.page_urls import PageUrls
from cms.search import pages_search

PER_PAGE = 20
# A longer query is cut: no one types more, and the full-text query stays small.
MAX_QUERY_LENGTH = 200
SNIPPET_LENGTH = 240


def _snippet(page) -> str:
    """What the result shows under its title: the page's search description, else its
    introduction, cut at a word."""
    text = page.search_description or strip_tags(str(getattr(page, "intro", "") or ""))
    text = " ".join(text.split())
    if len(text) <= SNIPPET_LENGTH:
        return text
    cut = text[: SNIPPET_LENGTH - 1]
    return cut[: cut.rfind(" ")].rstrip(" ,;:.") + "…"


def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    context = {"query": query, "results": [], "page_obj": None}
    if query:
        found = pages_search(query, language=translation.get_language())
        paginator = Paginator(found, PER_PAGE)
        try:
            page_obj = paginator.page(request.GET.get("page", 1))
        except InvalidPage:
            raise Http404 from None
        urls = PageUrls.for_request(request)
        context["page_obj"] = page_obj
        context["results"] = [
            {"title": page.title, "url": urls.url(page.url_path), "snippet": _snippet(page)}
            for page in page_obj.object_list
        ]
    return render(request, "cms/search.html", context)
