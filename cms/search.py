"""Search across pages with Vietnamese diacritics folded away.

Every page type mixes in `FoldedSearchMixin` and lists `index.SearchField("search_folded")`
in its `search_fields`: the page's searchable text is indexed a second time folded by
`portal.text.fold`, and queries are folded the same way before they are run, so that
`giam sat moi truong` finds `giám sát môi trường` and `đ` matches `d`.
"""

from django.utils.html import strip_tags
from wagtail.models import Locale, Page

# Imported for its receivers too: they keep the API's search text of challenges current.
from cms import search_index
from portal.text import fold


class FoldedSearchMixin:
    # Names of the page's fields whose text is searched (plain text, rich text or a
    # StreamField); the title is always included.
    search_folded_fields: tuple[str, ...] = ()

    def search_folded(self) -> str:
        parts = [self.title]
        for name in self.search_folded_fields:
            value = getattr(self, name, None)
            if value is None:
                continue
            if hasattr(value, "stream_block"):  # a StreamField's value
                parts.extend(value.stream_block.get_searchable_content(value))
            else:
                parts.append(strip_tags(str(value)))
        return fold(" ".join(str(part) for part in parts))


def pages_search(query: str, *, language: str):
    """Live pages in `language` matching every word of `query`, diacritics ignored, most
    relevant first: Wagtail search results (count and slices each one query), with
    specific pages. The query is folded, so it matches the folded copy each page type
    indexes (`search_folded`): `giam sat` and `giám sát` both find `giám sát`.

    Whole words: on PostgreSQL the database backend compares full-text lexemes, on SQLite
    FTS5 tokens; an unfinished word is not completed (a results page, not as-you-type).
    """
    folded = fold(query)
    if not folded:
        return Page.objects.none()
    pages = (
        Page.objects.live()
        # A subquery, not a query: the language's locale is looked up inside the search's.
        .filter(locale__in=Locale.objects.filter(language_code=language))
        # Results show a title and an introduction: the pages' StreamFields (long
        # JSON bodies) stay unread.
        .defer_streamfields()
        .specific()
    )
    # A challenge the domain has not published has no public page (`ChallengePage.serve`).
    for model in search_index.challenge_page_models():
        hidden = model.objects.filter(challenge__is_published=False).values("pk")
        pages = pages.exclude(id__in=hidden)
    return pages.search(folded, operator="and")
