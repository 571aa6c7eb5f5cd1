"""Markdown written by applicants, rendered for reading: CommonMark (markdown-it-py)
without raw HTML, then sanitised by an allow-list (nh3, the Ammonia sanitizer), so that
nothing a proposal's author writes runs or loads in a reviewer's browser."""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "s",
    "blockquote", "code", "pre", "ul", "ol", "li", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}


def render_markdown(text: str) -> str:
    """Safe HTML for `text` (Markdown). Links keep http, https and mailto only and get
    rel="nofollow noopener noreferrer"; images are not rendered (they would load from
    anywhere when a reviewer opens the proposal)."""
    html = _markdown.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
        filter_style_properties={"text-align"},
    )
