"""Page types. Pages publish; the domain (challenges, fund) decides."""

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from challenges.enums import ChallengeStatus
from challenges.selectors import challenges_public
from cms.page_urls import PageUrls


def _with_pages(challenges, request):
    # Served pages run in their own language (the URL prefix picks both), so the active
    # language, attach_challenge_pages's default, is the page's without loading its Locale.
    from cms.selectors import attach_challenge_pages

    return attach_challenge_pages(challenges, request=request)


class HomePage(Page):
    intro = models.TextField(_("introduction"), blank=True)
    body = RichTextField(_("body"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    max_count_per_parent = 1
    open_calls_shown = 6

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The calls closing soonest; the index lists them all, with the closed ones and
        # the results.
        open_calls = challenges_public().filter(current_status=ChallengeStatus.OPEN)
        shown = open_calls.order_by("closes_at", "code")[: self.open_calls_shown]
        context["open_challenges"] = _with_pages(shown, request)
        index = (
            ChallengeIndexPage.objects.child_of(self).live().values_list("url_path", flat=True)
        ).first()
        context["all_calls_url"] = PageUrls.for_request(request).url(index) if index else None
        return context


class ChallengeIndexPage(Page):
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
        try:
            number = int(request.GET.get("page", "1"))
        except ValueError:
            raise Http404 from None
        if not 1 <= number <= self.max_page:
            raise Http404
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
                ChallengePage.objects.child_of(self)
                .select_related("challenge")
                .filter(slug=path_components[0])
                .first()
            )
            if child is not None:
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
        return super().route(request, path_components)


class ChallengePage(Page):
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
