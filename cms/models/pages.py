"""Page types. Pages publish; the domain (challenges, fund) decides."""

from typing import NamedTuple
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    PageChooserPanel,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from challenges.enums import ChallengeStatus
from challenges.selectors import challenges_public, public_figures
from cms import blocks
from cms.charts import bar_chart, column_chart, compact_vnd_with_unit
from cms.countdown import deadline_phrase
from cms.forms import ChallengeFilterForm, DirectoryFilterForm
from cms.page_urls import PageUrls
from cms.routing import (
    FewerQueriesPage,
    remember_translation_paths,
    route_to_child,
    with_translation_paths,
)
from cms.search import FoldedSearchMixin
from fund import reports
from fund.enums import Instrument
from fund.models import Award
from fund.services import vnd
from startups.enums import PROVINCES, OrganizationKind, Sector, StartupStage
from startups.selectors import directory_organizations


def _with_pages(challenges, request):
    # Served pages run in their own language (the URL prefix picks both), so the active
    # language, attach_challenge_pages's default, is the page's without loading its Locale.
    from cms.selectors import attach_challenge_pages

    return attach_challenge_pages(challenges, request=request)


def _page_number(request, max_page: int) -> int:
    """The `?page=` asked for, 1 by default; anything but a whole number from 1 to
    `max_page` is a 404."""
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404 from None
    if not 1 <= number <= max_page:
        raise Http404
    return number


def _shorten(text: str, length: int) -> str:
    """`text` cut at a word boundary to at most `length` characters, with an ellipsis:
    what `|truncatechars` does, at a fraction of its cost per row."""
    if len(text) <= length:
        return text
    cut = text[: length - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > length // 2 else cut).rstrip(" ,;:.") + "…"


def _website_label(url: str) -> str:
    """A website's address as a reader types it: no scheme, no trailing slash."""
    label = url.removeprefix("https://").removeprefix("http://").removesuffix("/")
    return label if len(label) <= 48 else label[:47] + "…"


def _live_children(parent, types: dict, request, *, also=None) -> dict:
    """The URL of `parent`'s first live child of each model in `types` ({model: name}),
    None where there is none; with `also` (a page id), that page's URL too, under
    "also". One query for all, which also brings the paths of `parent`'s live
    translations for the language switcher and the head's alternates (kept on `parent`
    as `translation_url_paths`, as routing keeps them on the pages below)."""
    by_type = {ContentType.objects.get_for_model(model).pk: name for model, name in types.items()}
    found = dict.fromkeys([*types.values(), "also"])
    wanted = Page.objects.child_of_q(parent) & Q(content_type__in=by_type)
    wanted |= Q(translation_key=parent.translation_key)
    if also:
        wanted |= Q(pk=also)
    rows = (
        Page.objects.live()
        .filter(wanted)
        .order_by("path")
        .values_list("pk", "content_type", "url_path", "translation_key", "locale__language_code")
    )
    urls = PageUrls.for_request(request)
    translations = {}
    for pk, content_type, url_path, translation_key, language in rows:
        if translation_key == parent.translation_key:
            translations[language] = url_path
        if pk == also:
            found["also"] = urls.url(url_path)
        name = by_type.get(content_type)
        if name and url_path.startswith(parent.url_path) and url_path != parent.url_path:
            found[name] = found[name] or urls.url(url_path)
    if getattr(parent, "translation_url_paths", None) is None:
        parent.translation_url_paths = translations
    return found


class HomePage(FoldedSearchMixin, FewerQueriesPage, Page):
    hero_heading = models.CharField(
        _("hero heading"),
        max_length=160,
        blank=True,
        help_text=_("The big heading at the top; defaults to the page title."),
    )
    intro = models.TextField(_("introduction"), blank=True)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("hero image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cta_label = models.CharField(_("button label"), max_length=60, blank=True)
    cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("button leads to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    show_key_figures = models.BooleanField(
        _("show key figures"),
        default=True,
        help_text=_("Open calls, proposals received and organisations taking part, counted live."),
    )
    body = RichTextField(_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldPanel("hero_heading"),
                FieldPanel("intro"),
                FieldPanel("hero_image"),
                FieldRowPanel([FieldPanel("cta_label"), PageChooserPanel("cta_page")]),
            ],
            heading=_("Hero"),
        ),
        FieldPanel("show_key_figures"),
        FieldPanel("body"),
    ]
    search_folded_fields = ("hero_heading", "intro", "body")
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("search_folded"),
    ]
    max_count_per_parent = 1
    open_calls_shown = 6
    news_shown = 3

    class Meta:
        verbose_name = _("home page")

    # The home page's children whose specific fields the routing query loads too.
    routed_children = (
        "challengeindexpage",
        "directorypage",
        "newsindexpage",
        "standardpage",
        "fundpage",
    )

    def route(self, request, path_components):
        if path_components:
            return route_to_child(self, request, path_components, self.routed_children)
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The calls closing soonest; the index lists them all, with the closed ones and
        # the results.
        open_calls = challenges_public().filter(current_status=ChallengeStatus.OPEN)
        shown = open_calls.order_by("closes_at", "code")[: self.open_calls_shown]
        context["open_challenges"] = _with_pages(shown, request)
        # The challenge index, the directory and the news below this home page, and the
        # page the hero's button leads to, in one query.
        links = _live_children(
            self,
            {
                ChallengeIndexPage: "all_calls_url",
                DirectoryPage: "directory_url",
                NewsIndexPage: "news_url",
            },
            request,
            also=self.cta_page_id,
        )
        context["cta_url"] = links.pop("also")
        context.update(links)
        context["latest_news"] = NewsPage.summaries(
            NewsPage.objects.live().filter(locale_id=self.locale_id), request
        )[: self.news_shown]
        if self.show_key_figures:
            context["figures"] = public_figures()
        return context


class ChallengeIndexPage(FoldedSearchMixin, FewerQueriesPage, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_folded_fields = ("intro",)
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_folded"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ChallengePage", "cms.ResultsPage"]

    class Meta:
        verbose_name = _("challenge index page")

    per_page = 24
    # Beyond any real index; keeps the SQL offset well inside a bigint.
    max_page = 100_000

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        form = ChallengeFilterForm(request.GET)
        filters = form.filters()
        # Pages of `per_page`, most relevant first; one row more than shown says whether
        # there is a next page, so no page costs a count or grows with the table.
        number = _page_number(request, self.max_page)
        start = (number - 1) * self.per_page
        listed = challenges_public()
        if filters["kind"]:
            listed = listed.filter(kind=filters["kind"])
        if filters["sector"]:
            listed = listed.filter(sector=filters["sector"])
        if filters["status"]:
            listed = listed.filter(current_status=filters["status"])
        rows = list(listed.most_relevant_first()[start : start + self.per_page + 1])
        if number > 1 and not rows:
            raise Http404
        query = {name: value for name, value in filters.items() if value}

        def page_url(n):
            return "?" + urlencode({**query, "page": n})

        context["challenges"] = _with_pages(rows[: self.per_page], request)
        context["selects"] = form.selects()
        context["filtering"] = bool(query)
        context["page_number"] = number
        context["previous_url"] = page_url(number - 1) if number > 1 else None
        context["next_url"] = page_url(number + 1) if len(rows) > self.per_page else None
        return context

    def route(self, request, path_components):
        # Wagtail finds a child page, then loads its specific fields, then the challenge
        # when the template asks: three queries where one does. A results page (or
        # anything else) below the index goes through cms.routing, one query too.
        if path_components:
            child = (
                with_translation_paths(ChallengePage.objects.child_of(self))
                .select_related("challenge")
                .filter(slug=path_components[0])
                .first()
            )
            if child is not None:
                remember_translation_paths(child)
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
            return route_to_child(self, request, path_components, ("resultspage",))
        return super().route(request, path_components)


def _milestone(date, label, *, done):
    return {"date": date, "label": label, "done": done}


class ChallengePage(FoldedSearchMixin, FewerQueriesPage, Page):
    """The public page of one challenge (a major problem or a contest) in one language.

    One page type serves the problems and both contests: what differs (tracks, rules,
    rounds) comes from the Challenge or sits in optional sections, so editors never pick
    between near-identical types and every list, the API and the routing know one model.
    The rules themselves (dates, eligibility, ceiling, contact) are read from the
    Challenge, never typed twice.
    """

    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    intro = models.TextField(_("summary"), blank=True)
    # The sections below default in the database too (empty text, NULL streams), so that
    # rows written by raw inserts (the bench's COPY) need only the original columns.
    problem_statement = RichTextField(_("problem statement"), blank=True, db_default="")
    context_and_data = RichTextField(
        _("context and data available"),
        blank=True,
        db_default="",
        help_text=_("The situation today, and the data, sites or systems a solver may use."),
    )
    expected_outcomes = RichTextField(_("expected outcomes"), blank=True, db_default="")
    eligibility_notes = RichTextField(
        _("more on eligibility"),
        blank=True,
        db_default="",
        help_text=_(
            "Shown after the rules set on the challenge (kinds of organisation, "
            "verification, budget ceiling), which the page lists itself."
        ),
    )
    rules = RichTextField(
        _("contest rules"),
        blank=True,
        db_default="",
        help_text=_("Contests: how entries are judged."),
    )
    rounds = StreamField(
        [("round", blocks.RoundBlock())],
        verbose_name=_("rounds"),
        blank=True,
        null=True,
        help_text=_("Contests: the rounds entries go through, in order."),
    )
    timeline = StreamField(
        [("milestone", blocks.MilestoneBlock())],
        verbose_name=_("other milestones"),
        blank=True,
        null=True,
        help_text=_(
            "Events between the opening and the results (information day, pitching…). "
            "The opening, the deadline and the results date come from the challenge."
        ),
    )
    support_and_prizes = RichTextField(_("support and prizes"), blank=True, db_default="")
    documents = StreamField(
        [("document", blocks.DocumentBlock())],
        verbose_name=_("documents"),
        blank=True,
        null=True,
    )
    faq = StreamField(
        [("question", blocks.QuestionBlock())],
        verbose_name=_("questions and answers"),
        blank=True,
        null=True,
    )
    contact = RichTextField(
        _("contact"),
        blank=True,
        db_default="",
        help_text=_("Who answers questions, besides the challenge's contact e-mail."),
    )
    body = RichTextField(_("more information"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("challenge"),
        FieldPanel("intro"),
        FieldPanel("problem_statement"),
        FieldPanel("context_and_data"),
        FieldPanel("expected_outcomes"),
        FieldPanel("body"),
    ]
    participation_panels = [
        FieldPanel("eligibility_notes"),
        FieldPanel("timeline"),
        FieldPanel("support_and_prizes"),
        FieldPanel("documents"),
        FieldPanel("faq"),
        FieldPanel("contact"),
        MultiFieldPanel([FieldPanel("rules"), FieldPanel("rounds")], heading=_("Contests")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(participation_panels, heading=_("Taking part")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )
    search_folded_fields = (
        "intro",
        "problem_statement",
        "context_and_data",
        "expected_outcomes",
        "support_and_prizes",
        "rules",
        "faq",
        "body",
    )
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("problem_statement"),
        index.SearchField("context_and_data"),
        index.SearchField("expected_outcomes"),
        index.SearchField("body"),
        index.SearchField("search_folded"),
    ]
    parent_page_types = ["cms.ChallengeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("challenge page")

    def serve(self, request, *args, **kwargs):
        # The domain decides what is public: an unpublished challenge has no public page.
        if not self.challenge.is_published:
            raise Http404
        return super().serve(request, *args, **kwargs)

    def clean(self):
        super().clean()
        # One page per challenge per language (locale lives on Page's table, so no
        # database constraint can span both).
        duplicate = (
            ChallengePage.objects.filter(challenge_id=self.challenge_id, locale_id=self.locale_id)
            .exclude(pk=self.pk)
            .exists()
        )
        if self.challenge_id and duplicate:
            raise ValidationError(
                {"challenge": _("This challenge already has a page in this language.")}
            )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        challenge = self.challenge
        now = timezone.now()
        status = challenge.status_at(now)
        kinds = dict(OrganizationKind.choices)
        context.update(
            status=status,
            countdown=deadline_phrase(challenge, now),
            eligible_kinds=[str(kinds[kind]) for kind in challenge.eligible_kinds if kind in kinds],
            tracks=list(challenge.tracks.all()),
            milestones=self.milestones(now),
            results_url=self.results_url(request) if status == ChallengeStatus.RESULTS else None,
        )
        return context

    def milestones(self, now) -> list[dict]:
        """The challenge's own dates and the editors' milestones, in date order."""
        challenge = self.challenge
        today = timezone.localdate(now)
        items = [
            _milestone(
                timezone.localdate(challenge.opens_at),
                _("Opens for proposals"),
                done=challenge.opens_at <= now,
            ),
            _milestone(
                timezone.localdate(challenge.closes_at),
                _("Deadline for proposals"),
                done=challenge.closes_at <= now,
            ),
        ]
        if challenge.results_published_at:
            items.append(
                _milestone(
                    timezone.localdate(challenge.results_published_at),
                    _("Results published"),
                    done=challenge.results_published_at <= now,
                )
            )
        for block in self.timeline:
            items.append(
                _milestone(
                    block.value["date"], block.value["label"], done=block.value["date"] < today
                )
            )
        return sorted(items, key=lambda item: item["date"])

    def results_url(self, request) -> str | None:
        url_path = (
            ResultsPage.objects.live()
            .filter(challenge_id=self.challenge_id, locale_id=self.locale_id)
            .values_list("url_path", flat=True)
            .first()
        )
        return PageUrls.for_request(request).url(url_path) if url_path else None


class DirectoryPage(FoldedSearchMixin, FewerQueriesPage, Page):
    """The public directory of organisations that chose to be listed: their public
    fields only (`startups.selectors.directory_organizations`), searchable, filtered,
    24 a page."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_folded_fields = ("intro",)
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_folded"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    # One per home page, so one per language.
    max_count_per_parent = 1

    per_page = 24
    max_page = 100_000
    summary_length = 220
    # Anonymous readers all see the same page: shared caches may keep it this long.
    cache_seconds = 300

    class Meta:
        verbose_name = _("directory page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        number = _page_number(request, self.max_page)
        form = DirectoryFilterForm(request.GET)
        filters = form.filters()
        start = (number - 1) * self.per_page
        # One query, no count whatever the table's size: the organisations of this page
        # (and one more, saying whether there is a next page) with their startup stage.
        # The page is picked by id in a subquery, so that a deep page sorts the listed
        # ids alone, not whole rows joined to their profiles.
        listed = directory_organizations(**filters)
        window = listed.values("pk")[start : start + self.per_page + 1]
        rows = list(listed.filter(pk__in=window))
        if number > 1 and not rows:
            raise Http404
        organizations = rows[: self.per_page]
        # Labels translated once per request, not once per card (get_FOO_display
        # translates every choice of the field each time it is called).
        kinds, sectors, stages = (
            {value: str(label) for value, label in choices}
            for choices in (OrganizationKind.choices, Sector.choices, StartupStage.choices)
        )
        provinces = dict(PROVINCES)
        for organization in organizations:
            organization.kind_label = kinds.get(organization.kind, "")
            organization.sector_label = sectors.get(organization.sector, "")
            organization.province_label = provinces.get(organization.province, "")
            profile = getattr(organization, "startup_profile", None)
            organization.stage_label = stages.get(profile.stage, "") if profile else ""
            organization.summary = _shorten(organization.description, self.summary_length)
            organization.website_label = _website_label(organization.website)
        query = {
            name: value
            for name, value in zip(("q", "kind", "sector", "stage"), filters.values(), strict=True)
            if value
        }

        def page_url(n):
            return "?" + urlencode({**query, "page": n})

        context.update(
            filters=filters,
            selects=form.selects(),
            organizations=organizations,
            filtering=bool(query),
            page_number=number,
            previous_url=page_url(number - 1) if number > 1 else None,
            next_url=page_url(number + 1) if len(rows) > self.per_page else None,
        )
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        if not request.user.is_authenticated:
            # Nothing personal in it (a GET form, no token): anonymous copies may be shared.
            patch_cache_control(response, public=True, max_age=self.cache_seconds)
        return response


class NewsIndexPage(FoldedSearchMixin, FewerQueriesPage, Page):
    """Announcements, newest first, 12 a page, filtered by tag (`?tag=<slug>`)."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_folded_fields = ("intro",)
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_folded"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    max_count_per_parent = 1

    per_page = 12
    max_page = 100_000

    class Meta:
        verbose_name = _("news index page")

    def route(self, request, path_components):
        if path_components:
            return route_to_child(self, request, path_components, ("newspage",))
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        number = _page_number(request, self.max_page)
        news = NewsPage.objects.live().child_of(self)
        # Every tag used here, for the filter links: one query.
        tags = list(
            Tag.objects.filter(cms_newspagetag_items__content_object__in=news)
            .distinct()
            .order_by("name")
            .values_list("slug", "name")
        )
        tag = request.GET.get("tag", "")
        current_tag = next(((slug, name) for slug, name in tags if slug == tag), None)
        if tag and current_tag is None:
            raise Http404  # an unknown tag, or one no item here carries
        if current_tag:
            news = news.filter(tags__slug=tag)
        start = (number - 1) * self.per_page
        rows = NewsPage.summaries(news, request)[start : start + self.per_page + 1]
        if number > 1 and not rows:
            raise Http404
        NewsPage.attach_tags(rows[: self.per_page])
        query = {"tag": tag} if current_tag else {}

        def page_url(n):
            return "?" + urlencode({**query, "page": n})

        context.update(
            news=rows[: self.per_page],
            tags=tags,
            current_tag=current_tag,
            page_number=number,
            previous_url=page_url(number - 1) if number > 1 else None,
            next_url=page_url(number + 1) if len(rows) > self.per_page else None,
        )
        return context


class NewsPageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.NewsPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class NewsSummary:
    """What a list shows of a news item, read without loading the page object."""

    __slots__ = ("date", "intro", "pk", "tags", "title", "url")

    def __init__(self, pk, title, intro, date, url):
        self.pk, self.title, self.intro, self.date, self.url = pk, title, intro, date, url
        self.tags = []


class NewsPage(FoldedSearchMixin, FewerQueriesPage, Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    intro = models.TextField(_("summary"), blank=True)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(blocks.body_blocks(), verbose_name=_("body"), blank=True)
    tags = ClusterTaggableManager(through=NewsPageTag, blank=True, verbose_name=_("tags"))

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("tags")]),
        FieldPanel("intro"),
        FieldPanel("image"),
        FieldPanel("body"),
    ]
    search_folded_fields = ("intro", "body")
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("search_folded"),
        index.FilterField("date"),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")

    @staticmethod
    def summaries(news, request) -> "_LazySummaries":
        """News items newest first, as summaries with their URLs; slice it to query."""
        return _LazySummaries(news, request)

    @staticmethod
    def attach_tags(summaries) -> None:
        """Set `tags` ([(slug, name)]) on each summary, in one query for the list."""
        by_page = {summary.pk: summary for summary in summaries}
        if not by_page:
            return
        rows = (
            NewsPageTag.objects.filter(content_object_id__in=by_page)
            .order_by("tag__name")
            .values_list("content_object_id", "tag__slug", "tag__name")
        )
        for page_id, slug, name in rows:
            by_page[page_id].tags.append((slug, name))

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["tag_links"] = [
            (tag.name, tag.slug) for tag in self.tags.order_by("name").only("name", "slug")
        ]
        parent = self.__dict__.get("_cached_parent_obj")
        if parent is not None:
            context["index_url"] = PageUrls.for_request(request).url(parent.url_path)
        return context


class _LazySummaries:
    def __init__(self, news, request):
        self.news, self.request = news, request

    def __getitem__(self, window: slice) -> list[NewsSummary]:
        rows = self.news.order_by("-date", "-path").values_list(
            "pk", "title", "intro", "date", "url_path"
        )[window]
        urls = PageUrls.for_request(self.request)
        return [
            NewsSummary(pk, title, intro, date, urls.url(url_path))
            for pk, title, intro, date, url_path in rows
        ]


class ResultsPage(FoldedSearchMixin, FewerQueriesPage, Page):
    """The winners and prizes of one challenge, shown once the challenge's results are
    published (`Challenge.results_published_at`: the domain decides when).

    Once judging has chosen the challenge's winners (`challenges.Winner`), `winners()`
    shows them; until then, the rows editors list on the page.
    """

    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        on_delete=models.PROTECT,
        related_name="results_pages",
    )
    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(blocks.body_blocks(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("challenge"),
        FieldPanel("intro"),
        InlinePanel("winner_rows", heading=_("Winners"), label=_("Winner")),
        FieldPanel("body"),
    ]
    search_folded_fields = ("intro", "body")
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("search_folded"),
    ]
    parent_page_types = ["cms.ChallengeIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("results page")

    def serve(self, request, *args, **kwargs):
        if not self.challenge.is_published:
            raise Http404
        return super().serve(request, *args, **kwargs)

    def winners(self):
        """The rows to show, in order, each with `prize`, `name`, `organization_name` and
        `amount_vnd`: the challenge's Winner rows when judging chose any (the prize in the
        page's language, the proposal's title, its organisation's legal name), else the
        editors' rows. One query either way: the two are read as one UNION, the editors'
        half empty when Winner rows exist."""
        from challenges.models import Winner

        if "winner_rows" in getattr(self, "_cluster_related_objects", {}):
            # A preview of unsaved rows: they are in memory, not in the database.
            judged = self._judged_winners(Winner)
            return judged or list(self.winner_rows.all())
        chosen = Winner.objects.filter(challenge_id=self.challenge_id)
        edited = (
            ResultsPageWinner.objects.filter(page_id=self.pk)
            .filter(~Exists(chosen))
            .annotate(**_award_of("proposal_id"))
            .values_list(
                "prize",
                "name",
                "organization_name",
                "amount_vnd",
                "sort_order",
                "pk",
                "award_pk",
                "award_fund",
            )
            .order_by()
        )
        judged = self._winner_values(chosen).order_by()
        rows = judged.union(edited, all=True).order_by("position", "pk")
        return [_WinnerRow(*row[:4], *row[6:]) for row in rows]

    def seals(self) -> list[dict]:
        """The challenge's closed rounds in order, with their name in the page's
        language, when they were sealed and the SHA-256 of their score sheets."""
        from challenges.judging.models import Round, RoundStatus

        english = translation.get_language() == "en"
        rows = (
            Round.objects.filter(challenge_id=self.challenge_id, status=RoundStatus.CLOSED)
            .exclude(sealed_digest="")
            .order_by("number")
            .values("number", "name", "name_en", "sealed_at", "sealed_digest")
        )
        return [
            {**row, "label": (row["name_en"] if english else "") or row["name"]} for row in rows
        ]

    def _judged_winners(self, winner_model):
        rows = self._winner_values(winner_model.objects.filter(challenge_id=self.challenge_id))
        return [_WinnerRow(*row[:4], *row[6:]) for row in rows.order_by("position", "pk")]

    @staticmethod
    def _winner_values(winners):
        # Served pages run in their own language (the URL prefix picks both).
        if translation.get_language() == settings.LANGUAGE_CODE:
            prize = F("prize")
        else:
            prize = Coalesce(NullIf("prize_en", Value("")), "prize")
        return winners.annotate(
            shown_prize=prize,
            title=F("proposal__title"),
            organization_name=F("proposal__organization__legal_name"),
            **_award_of("proposal_id"),
        ).values_list(
            "shown_prize",
            "title",
            "organization_name",
            "amount_vnd",
            "position",
            "pk",
            "award_pk",
            "award_fund",
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        challenge = self.challenge
        published = challenge.status_at(timezone.now()) == ChallengeStatus.RESULTS
        context["published"] = published
        context["winners"] = self.winners() if published else []
        # The judging record: each sealed round's digest, which anyone can hold against
        # `verify_round_seal` (judging that holds up is judging that can be checked).
        context["seals"] = self.seals() if published else []
        # The challenge's page and the fund pages in this language, in one query: the
        # winners funded by the venture fund link to their award's trail.
        rows = (
            Page.objects.live()
            .filter(locale_id=self.locale_id)
            .filter(Q(challengepage__challenge_id=challenge.pk) | Q(fundpage__isnull=False))
            .order_by("path")
            .values_list("url_path", "challengepage__challenge_id", "fundpage__fund_id")
        )
        page_path, fund_pages = None, {}
        for url_path, challenge_id, fund_id in rows:
            if challenge_id is not None:
                page_path = page_path or url_path
            else:
                fund_pages.setdefault(fund_id, url_path)
        urls = PageUrls.for_request(request)
        context["challenge_url"] = urls.url(page_path) if page_path else None
        context["winners"] = [
            winner._replace(trail_url=self._trail_url(winner, fund_pages, urls))
            if getattr(winner, "award_pk", None)
            else winner
            for winner in context["winners"]
        ]
        return context

    @staticmethod
    def _trail_url(winner, fund_pages, urls) -> str | None:
        """The trail of the winner's award under the fund page that shows its fund (or
        every fund), if there is one."""
        url_path = fund_pages.get(winner.award_fund) or fund_pages.get(None)
        base = urls.url(url_path) if url_path else None
        return f"{base}{FundPage.trail_path(winner.award_pk)}" if base else None


def _award_of(proposal_field: str) -> dict:
    """The latest award (`award_pk`, `award_fund`) made on an application backed by the
    proposal in `proposal_field`, as annotations."""
    awards = Award.objects.filter(application__proposal_id=OuterRef(proposal_field)).order_by(
        "-decided_at", "-pk"
    )
    return {
        "award_pk": Subquery(awards.values("pk")[:1]),
        "award_fund": Subquery(awards.values("fund_id")[:1]),
    }


class _WinnerRow(NamedTuple):
    prize: str
    name: str
    organization_name: str
    amount_vnd: int | None
    award_pk: int | None = None
    award_fund: int | None = None
    trail_url: str | None = None


class ResultsPageWinner(Orderable):
    page = ParentalKey(ResultsPage, on_delete=models.CASCADE, related_name="winner_rows")
    prize = models.CharField(_("prize"), max_length=120, help_text=_("e.g. First prize"))
    name = models.CharField(_("project or proposal"), max_length=255)
    organization_name = models.CharField(_("organisation"), max_length=255, blank=True)
    amount_vnd = models.BigIntegerField(_("amount (VND)"), null=True, blank=True)
    # Judging results (issue 9) will point here; editors may leave it empty.
    proposal = models.ForeignKey(
        "challenges.Proposal",
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldRowPanel([FieldPanel("prize"), FieldPanel("amount_vnd")]),
        FieldPanel("name"),
        FieldPanel("organization_name"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("winner")
        verbose_name_plural = _("winners")


class StandardPage(FoldedSearchMixin, FewerQueriesPage, Page):
    """A page of text: about the programme, how to take part, legal notices."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(blocks.body_blocks(), verbose_name=_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_folded_fields = ("intro", "body")
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("search_folded"),
    ]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class FundPage(RoutablePageMixin, FoldedSearchMixin, FewerQueriesPage, Page):
    """The venture fund's public page: its figures (capital, committed, paid, remaining),
    what it paid each month and per sector, the calls open now and every award; and
    below it, at `awards/<id>/`, each award's public trail.

    The figures come from `fund.reports` (public fields only), each summed by the
    database: the page costs the same number of queries whatever the size of the ledger.
    """

    fund = models.ForeignKey(
        "fund.Fund",
        verbose_name=_("fund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pages",
        help_text=_("The fund this page shows; leave empty to show every fund together."),
    )
    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(blocks.body_blocks(), verbose_name=_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        # A plain list: funds are few, and editors may pick one without the fund's
        # admin permissions (which its chooser would ask for).
        FieldPanel("fund", widget=forms.Select),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_folded_fields = ("intro", "body")
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.SearchField("body"),
        index.SearchField("search_folded"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    awards_per_page = 25
    chart_months = 12

    class Meta:
        verbose_name = _("fund page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        totals = reports.fund_totals(self.fund_id)
        # The number of awards comes with the totals: the pages need no count of their own.
        last_page = max(1, -(-totals.awards // self.awards_per_page))
        number = _page_number(request, last_page)
        start = (number - 1) * self.awards_per_page
        awards = self._award_rows(request, start, start + self.awards_per_page)
        months = reports.paid_by_month(self.fund_id, months=self.chart_months, now=now)
        sectors = reports.position_by_sector(self.fund_id)
        calls = list(reports.open_calls(self.fund_id, now=now))
        apply_url = reverse("dashboard:fund_apply")
        instruments = {value: str(label) for value, label in Instrument.choices}
        for call in calls:
            call.apply_url = f"{apply_url}?{urlencode({'call': call.pk})}"
            call.instrument_labels = [instruments[value] for value in call.instruments]
            call.remaining_shown = vnd(call.budget_vnd - call.committed_vnd)
        context.update(
            totals=totals,
            figures=[
                _figure("capital", _("Capital"), totals.capital_vnd),
                _figure("committed", _("Committed to awards"), totals.committed_vnd),
                _figure("paid", _("Paid out"), totals.paid_vnd),
                _figure("remaining", _("Not yet committed"), totals.remaining_vnd),
            ],
            paid_chart=column_chart(
                [
                    (formats.date_format(month, "m/y"), formats.date_format(month, "m/Y"), amount)
                    for month, amount in months
                ],
                title=ngettext(
                    "Money paid in the last month, net of reversals",
                    "Money paid in each of the last %(months)d months, net of reversals",
                    self.chart_months,
                )
                % {"months": self.chart_months},
                period=_("Month"),
            ),
            sector_chart=bar_chart(
                [(row.label, row.paid_vnd, row.committed_vnd) for row in sectors],
                title=_("Money committed and paid per sector of the organisations funded"),
            ),
            open_calls=calls,
            awards=awards,
            award_count=totals.awards,
            page_number=number,
            previous_url=f"?page={number - 1}" if number > 1 else None,
            next_url=f"?page={number + 1}" if number < last_page else None,
        )
        return context

    def _award_rows(self, request, start: int, stop: int) -> list[dict]:
        """The awards from `start` to `stop`, newest first, with their links and labels,
        in one query."""
        rows = list(
            reports.public_awards(self.fund_id).annotate(**_challenge_page_fields(self.locale_id))[
                start:stop
            ]
        )
        urls = PageUrls.for_request(request)
        base = urls.url(self.url_path)
        instruments = {value: str(label) for value, label in Instrument.choices}
        for row in rows:
            row["instrument_label"] = instruments.get(row["instrument"], "")
            row["approved_shown"] = vnd(row["approved_vnd"])
            row["paid_shown"] = vnd(row["paid_vnd"])
            row["trail_url"] = f"{base}{self.trail_path(row['pk'])}" if base else None
            page_path = row["challenge_page_path"]
            row["challenge_url"] = urls.url(page_path) if page_path else None
        return rows

    @classmethod
    def trail_path(cls, award_id: int) -> str:
        """An award's trail, relative to its fund page's URL."""
        return cls.get_resolver().reverse("award", award_id).lstrip("/")

    @path("awards/<int:award_id>/", name="award")
    def award_trail(self, request, award_id):
        """The public trail of one of this page's awards: where it came from, what was
        committed, each tranche with its milestone, met or not, paid or not."""
        found = reports.award_trail(
            award_id, self.fund_id, extra=_challenge_page_fields(self.locale_id)
        )
        if found is None:
            raise Http404
        award, tranches = found
        context = super().get_context(request)
        urls = PageUrls.for_request(request)
        suffix = self.trail_path(award_id)
        # The language switcher leads to the same trail in the other language.
        known = getattr(self, "translation_url_paths", None)
        if known is not None:
            self.translation_url_paths = {
                code: f"{url_path}{suffix}" if url_path else None
                for code, url_path in known.items()
            }
        instruments = dict(Instrument.choices)
        award["instrument_label"] = instruments.get(award["instrument"], "")
        award["approved_shown"] = vnd(award["approved_vnd"])
        award["paid_shown"] = vnd(award["paid_vnd"])
        award["challenge_url"] = (
            urls.url(award["challenge_page_path"]) if award["challenge_page_path"] else None
        )
        context.update(
            award=award,
            tranches=tranches,
            fund_page_url=urls.url(self.url_path),
            tranches_paid=sum(1 for tranche in tranches if tranche.paid_in_full),
        )
        return TemplateResponse(request, "cms/fund_award.html", context)


def _figure(name: str, label, amount: int) -> dict:
    """A key figure: big and short (1,5 tỷ đồng), with the exact amount beside its label."""
    return {
        "name": name,
        "label": label,
        "value": amount,
        "exact": vnd(amount),
        "short": compact_vnd_with_unit(amount),
    }


def _challenge_page_fields(locale_id) -> dict:
    """The path and title of the page, in this language, of an award row's challenge
    (`challenge_pk`), as annotations: the rows carry their links, no query per row."""
    pages = ChallengePage.objects.live().filter(
        challenge_id=OuterRef("challenge_pk"), locale_id=locale_id
    )
    return {
        "challenge_page_path": Subquery(pages.values("url_path")[:1]),
        "challenge_page_title": Subquery(pages.values("title")[:1]),
    }
