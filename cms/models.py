"""Page types. Pages publish; the domain (challenges, fund) decides."""

from urllib.parse import urlencode

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from challenges.enums import ChallengeStatus
from challenges.selectors import challenges_public
from cms.forms import DirectoryFilterForm
from cms.page_urls import PageUrls
from cms.routing import (
    FewerQueriesPage,
    remember_translation_paths,
    route_to_child,
    with_translation_paths,
)
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


class HomePage(FewerQueriesPage, Page):
    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    max_count_per_parent = 1
    open_calls_shown = 6

    class Meta:
        verbose_name = _("home page")

    # The home page's children whose specific fields the routing query loads too.
    routed_children = ("challengeindexpage", "directorypage")

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
        # The challenge index and the directory below this home page, in one query.
        types = {
            ContentType.objects.get_for_model(model).pk: name
            for model, name in (
                (ChallengeIndexPage, "all_calls_url"),
                (DirectoryPage, "directory_url"),
            )
        }
        children = (
            Page.objects.child_of(self)
            .live()
            .filter(content_type__in=types)
            .order_by("path")
            .values_list("content_type", "url_path")
        )
        urls = PageUrls.for_request(request)
        context["all_calls_url"] = context["directory_url"] = None
        for content_type, url_path in children:
            name = types[content_type]
            context[name] = context[name] or urls.url(url_path)
        return context


class ChallengeIndexPage(FewerQueriesPage, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ChallengePage"]

    class Meta:
        verbose_name = _("challenge index page")

    per_page = 24
    # Beyond any real index; keeps the SQL offset well inside a bigint.
    max_page = 100_000

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # Pages of `per_page`, most relevant first; one row more than shown says whether
        # there is a next page, so no page costs a count or grows with the table.
        number = _page_number(request, self.max_page)
        start = (number - 1) * self.per_page
        rows = list(challenges_public().most_relevant_first()[start : start + self.per_page + 1])
        if number > 1 and not rows:
            raise Http404
        context["challenges"] = _with_pages(rows[: self.per_page], request)
        context["page_number"] = number
        context["previous_page"] = number - 1 if number > 1 else None
        context["next_page"] = number + 1 if len(rows) > self.per_page else None
        return context

    def route(self, request, path_components):
        # Wagtail finds a child page, then loads its specific fields, then the challenge
        # when the template asks: three queries where one does. Anything other than a
        # challenge page below the index still goes Wagtail's way.
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
        return super().route(request, path_components)


class ChallengePage(FewerQueriesPage, Page):
    """The public page of one challenge in one language."""

    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        on_delete=models.PROTECT,
        related_name="pages",
    )
    intro = models.TextField(_("summary"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("challenge"),
        FieldPanel("intro"),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
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


class DirectoryPage(FewerQueriesPage, Page):
    """The public directory of organisations that chose to be listed: their public
    fields only (`startups.selectors.directory_organizations`), searchable, filtered,
    24 a page."""

    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
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
