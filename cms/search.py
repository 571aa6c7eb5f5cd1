"""Search across pages with Vietnamese diacritics folded away.

Every page type mixes in `FoldedSearchMixin` and lists `index.SearchField("search_folded")`
in its `search_fields`: the page's searchable text is indexed a second time folded by
`portal.text.fold`, and queries are folded the same way before they are run, so that
`giam sat moi truong` finds `giám sát môi trường` and `đ` matches `d`.
"""

from django.utils.html import strip_tags

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
