"""StreamField blocks of the public pages, one template each under cms/templates/cms/blocks/.

Chooser blocks load their objects in bulk (one query per block type per field, whatever
the number of blocks), so a page's cost does not grow with its content.
"""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock as WagtailTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

RICH_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"), max_length=160)
    level = blocks.ChoiceBlock(
        label=_("level"),
        choices=[("h2", _("Section heading")), ("h3", _("Subheading"))],
        default="h2",
        help_text=_("Use subheadings inside a section, never to make text bigger."),
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "cms/blocks/heading.html"


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Paragraph")
        template = "cms/blocks/paragraph.html"


class FigureBlock(blocks.StructBlock):
    """An image with its text alternative (Wagtail's ImageBlock asks for it) and an
    optional caption, served as WebP and JPEG in several widths."""

    image = ImageBlock(label=_("image"))
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=255)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/image.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("document"))
    title = blocks.CharBlock(
        label=_("link text"),
        required=False,
        max_length=200,
        help_text=_("Defaults to the document's title."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Document")
        template = "cms/blocks/document.html"


class TableBlock(WagtailTableBlock):
    class Meta:
        icon = "table"
        label = _("Table")
        template = "cms/blocks/table.html"


class CalloutBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), required=False, max_length=160)
    text = blocks.RichTextBlock(label=_("text"), features=RICH_FEATURES)
    tone = blocks.ChoiceBlock(
        label=_("tone"),
        choices=[("info", _("Information")), ("important", _("Important"))],
        default="info",
    )

    class Meta:
        icon = "warning"
        label = _("Call-out")
        template = "cms/blocks/callout.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=255)
    answer = blocks.RichTextBlock(label=_("answer"), features=RICH_FEATURES)

    class Meta:
        icon = "help"
        label = _("Question")


class FAQBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), required=False, max_length=160)
    questions = blocks.ListBlock(QuestionBlock(), label=_("questions"), min_num=1)

    class Meta:
        icon = "help"
        label = _("Questions and answers")
        template = "cms/blocks/faq.html"


class MilestoneBlock(blocks.StructBlock):
    date = blocks.DateBlock(label=_("date"))
    label = blocks.CharBlock(label=_("what happens"), max_length=200)

    class Meta:
        icon = "date"
        label = _("Milestone")


class TimelineBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), required=False, max_length=160)
    milestones = blocks.ListBlock(MilestoneBlock(), label=_("milestones"), min_num=1)

    class Meta:
        icon = "time"
        label = _("Timeline")
        template = "cms/blocks/timeline.html"


def body_blocks():
    """The blocks of a page's free-form body (fresh instances for each field)."""
    return [
        ("heading", HeadingBlock()),
        ("paragraph", ParagraphBlock()),
        ("image", FigureBlock()),
        ("document", DocumentBlock()),
        ("table", TableBlock()),
        ("callout", CalloutBlock()),
        ("faq", FAQBlock()),
        ("timeline", TimelineBlock()),
    ]


class RoundBlock(blocks.StructBlock):
    """A contest's round, e.g. the preliminary round or the final."""

    name = blocks.CharBlock(label=_("name"), max_length=120)
    starts = blocks.DateBlock(label=_("starts"), required=False)
    ends = blocks.DateBlock(label=_("ends"), required=False)
    description = blocks.TextBlock(label=_("description"), required=False)

    class Meta:
        icon = "list-ol"
        label = _("Round")
