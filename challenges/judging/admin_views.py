"""Judging in the Wagtail admin, for programme managers (and superusers).

Snippets under one "Judging" menu: rounds, rubrics with their criteria, juror profiles
and affiliations. Each round has a judging page (`RoundJudgingView`): progress per
juror, automatic conflicts, the ranking, the seal, exports, and the decisions (start,
run the assignment, close and seal, advance, winners, publish), each a POST calling a
service of `challenges.judging`. Every view here needs the permission to change rounds
(`challenges.change_round`, see `portal.roles`); Wagtail answers anyone else with its
"permission denied".
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Subquery, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import formats
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View
from modelcluster.forms import BaseChildFormSet
from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.snippets.views.snippets import DeleteView, SnippetViewSet, SnippetViewSetGroup

from challenges.enums import Sector
from challenges.forms import AmountField
from challenges.judging.assignment import (
    assign_manually,
    conflict_reasons,
    juror_join,
    juror_withdraw,
    run_assignment,
    unassign_manually,
)
from challenges.judging.exports import (
    ranking_csv_response,
    ranking_xlsx_response,
    scores_csv_response,
    scores_xlsx_response,
    seal_form_response,
)
from challenges.judging.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    JurorAffiliation,
    JurorProfile,
    RankingMethod,
    Round,
    RoundEntry,
    RoundJuror,
    RoundStatus,
    Rubric,
    Winner,
)
from challenges.judging.ranking import round_progress, round_ranking
from challenges.judging.results import (
    WinnersError,
    advance_entries,
    publish_results,
    round_start,
    rubric_is_scored,
    set_winners,
    weights_problem,
)
from challenges.judging.seal import SEAL_FORMAT, round_close
from portal.errors import Conflict
from portal.models import User
from portal.roles import Role
from startups.validators import normalize_tax_code

ROUNDS = "wagtailsnippets_challenges_round"
TEMPLATES = "challenges/judging/admin/"
# Blank rows the winners form offers beyond the winners already chosen.
WINNER_EXTRA_ROWS = 3


def round_url(name: str, *args) -> str:
    return reverse(f"{ROUNDS}:{name}", args=args)


def may_manage_judging(user) -> bool:
    return user.has_perm("challenges.change_round")


def _juror_label(user) -> str:
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


def _jurors():
    return User.objects.filter(groups__name=Role.JUROR, is_active=True).order_by(
        "full_name", "email"
    )


def error_text(error: Exception) -> str:
    """What a refused action says, on one line."""
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(getattr(error, "message", error))


REFUSALS = (ValidationError, Conflict, PermissionDenied)


# Rubrics


class CriteriaFormSet(BaseChildFormSet):
    """The rubric's criteria; their weights must add up to 100 (`weights_problem`),
    said above the criteria."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        weights = [
            form.cleaned_data["weight"]
            for form in self.forms
            if form.cleaned_data
            and not self._should_delete_form(form)
            and form.cleaned_data.get("weight") is not None
        ]
        problem = weights_problem(weights)
        if problem:
            raise ValidationError(problem)


class CriteriaPanel(InlinePanel):
    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["formset"] = CriteriaFormSet
        return options


class RubricLockedNotice(HelpPanel):
    """Says, on a scored rubric's form, why it cannot be saved."""

    class BoundPanel(HelpPanel.BoundPanel):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.content = format_html(
                '<div class="help-block help-warning" data-rubric-locked>'
                '<svg class="icon icon-warning" aria-hidden="true">'
                '<use href="#icon-warning"></use></svg><p>{}</p></div>',
                _(
                    "Jurors have scored against this rubric, so it is locked: changing a "
                    "criterion or a weight would change the meaning of the scores given. "
                    "Make a new rubric for later rounds."
                ),
            )

        def is_shown(self):
            return getattr(self.form, "locked", False)


class RubricForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = rubric_is_scored(self.instance)
        if self.locked:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.locked:
            raise ValidationError(
                _("This rubric is locked: jurors have scored against it."), code="locked"
            )
        challenge = cleaned.get("challenge")
        if (
            self.instance.pk
            and challenge
            and challenge.pk != self.instance.challenge_id
            and self.instance.rounds.exists()
        ):
            self.add_error("challenge", _("Rounds use this rubric; it stays with their challenge."))
        return cleaned


class RubricViewSet(SnippetViewSet):
    model = Rubric
    icon = "list-ol"
    menu_label = gettext_lazy("Rubrics")
    list_display = [
        "name",
        Column("challenge", label=gettext_lazy("Challenge"), accessor="challenge.code"),
        Column("criteria_count", label=gettext_lazy("Criteria")),
        Column("weights_total", label=gettext_lazy("Weights total (%)")),
    ]
    list_filter = ["challenge"]
    search_fields = ["name", "challenge__code"]
    search_backend_name = None
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            RubricLockedNotice(),
            FieldRowPanel([FieldPanel("challenge", widget=forms.Select), FieldPanel("name")]),
            CriteriaPanel(
                "criteria",
                heading=gettext_lazy("Criteria (weights add up to 100)"),
                label=gettext_lazy("Criterion"),
                min_num=1,
                panels=[
                    FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
                    FieldPanel("description"),
                    FieldRowPanel([FieldPanel("weight"), FieldPanel("max_score")]),
                    FieldPanel("guidance_low"),
                    FieldPanel("guidance_mid"),
                    FieldPanel("guidance_high"),
                ],
            ),
        ],
        base_form_class=RubricForm,
    )

    def get_queryset(self, request):
        return Rubric.objects.select_related("challenge").annotate(
            criteria_count=Count("criteria"), weights_total=Sum("criteria__weight")
        )


# Rounds


class RoundForm(WagtailAdminModelForm):
    """The rubric among the challenge's own; what the entries and assignments rest on
    (challenge, number, rubric, jurors per entry) fixed once the round starts, and the
    ranking and dates once it is sealed."""

    FIXED_ONCE_STARTED = ("challenge", "number", "rubric", "reviewers_per_entry")
    FIXED_ONCE_CLOSED = ("opens_at", "closes_at", "ranking_method", "disagreement_threshold")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "rubric" in self.fields:
            rubrics = Rubric.objects.select_related("challenge").order_by("challenge__code", "pk")
            if self.instance.challenge_id:
                rubrics = rubrics.filter(challenge_id=self.instance.challenge_id)
            self.fields["rubric"].queryset = rubrics
        fixed = ()
        if self.instance.pk and self.instance.status != RoundStatus.SETUP:
            fixed = self.FIXED_ONCE_STARTED
        if self.instance.pk and self.instance.status == RoundStatus.CLOSED:
            fixed += self.FIXED_ONCE_CLOSED
        self.fixed = [name for name in fixed if name in self.fields]
        for name in self.fixed:
            self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        for name in self.fixed:
            # The stored value itself: a disabled field's initial loses its seconds.
            cleaned[name] = getattr(self.instance, name)
        challenge, rubric = cleaned.get("challenge"), cleaned.get("rubric")
        if challenge and rubric and rubric.challenge_id != challenge.pk:
            self.add_error("rubric", _("Choose one of this challenge's rubrics."))
        return cleaned


class JudgingLinkColumn(Column):
    def __init__(self, name="judging", **kwargs):
        super().__init__(name, label=gettext_lazy("Judging"), **kwargs)

    def render_cell_html(self, instance, parent_context):
        return format_html(
            '<td><a href="{}">{}</a></td>', round_url("judging", instance.pk), _("Judging")
        )


class RoundDeleteView(DeleteView):
    """Only a round being set up may go: deleting one that started would take its
    entries, score sheets and seal with it."""

    def dispatch(self, request, *args, **kwargs):
        if self.object.status != RoundStatus.SETUP:
            messages.error(
                request, _("Only a round being set up can be deleted; this one has started.")
            )
            return redirect(round_url("judging", self.object.pk))
        return super().dispatch(request, *args, **kwargs)


class RoundViewSet(SnippetViewSet):
    model = Round
    icon = "tasks"
    menu_label = gettext_lazy("Rounds")
    list_display = [
        "name",
        Column("challenge", label=gettext_lazy("Challenge"), accessor="challenge.code"),
        "number",
        Column("status", label=gettext_lazy("Status"), accessor="get_status_display"),
        Column(
            "ranking_method", label=gettext_lazy("Ranks by"), accessor="get_ranking_method_display"
        ),
        "closes_at",
        JudgingLinkColumn(),
    ]
    list_filter = ["challenge", "status"]
    search_fields = ["name", "name_en", "challenge__code"]
    search_backend_name = None
    copy_view_enabled = False
    delete_view_class = RoundDeleteView
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("challenge", widget=forms.Select), FieldPanel("number")]),
            FieldRowPanel([FieldPanel("name"), FieldPanel("name_en")]),
            FieldRowPanel(
                [FieldPanel("rubric", widget=forms.Select), FieldPanel("reviewers_per_entry")]
            ),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")])],
                heading=gettext_lazy("Scoring window (Vietnam time)"),
            ),
            FieldRowPanel([FieldPanel("ranking_method"), FieldPanel("disagreement_threshold")]),
            MultiFieldPanel(
                [
                    FieldPanel("status", read_only=True),
                    FieldPanel("sealed_at", read_only=True),
                    FieldPanel("sealed_digest", read_only=True),
                ],
                heading=gettext_lazy("Status and seal (set by the judging page)"),
            ),
        ],
        base_form_class=RoundForm,
    )

    def get_queryset(self, request):
        return Round.objects.select_related("challenge")

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("judging/<int:pk>/", RoundJudgingView.as_view(), name="judging"),
            path("judging/<int:pk>/start/", RoundActionView.as_view(action="start"), name="start"),
            path(
                "judging/<int:pk>/assign/",
                RoundActionView.as_view(action="assign"),
                name="assign",
            ),
            path("judging/<int:pk>/close/", RoundConfirmView.as_view(action="close"), name="close"),
            path(
                "judging/<int:pk>/publish/",
                RoundConfirmView.as_view(action="publish"),
                name="publish",
            ),
            path("judging/<int:pk>/panel/add/", PanelAddView.as_view(), name="panel_add"),
            path(
                "judging/<int:pk>/panel/<int:user_id>/withdraw/",
                RoundActionView.as_view(action="panel_withdraw"),
                name="panel_withdraw",
            ),
            path(
                "judging/<int:pk>/advance/",
                RoundActionView.as_view(action="advance"),
                name="advance",
            ),
            path("judging/<int:pk>/winners/", WinnersView.as_view(), name="winners"),
            path(
                "judging/<int:pk>/entry/<int:entry_id>/",
                EntryJudgingView.as_view(),
                name="entry",
            ),
            path(
                "judging/<int:pk>/entry/<int:entry_id>/assign/",
                EntryActionView.as_view(action="assign"),
                name="entry_assign",
            ),
            path(
                "judging/<int:pk>/entry/<int:entry_id>/unassign/<int:assignment_id>/",
                EntryActionView.as_view(action="unassign"),
                name="entry_unassign",
            ),
            path(
                "judging/<int:pk>/download/<slug:what>/",
                RoundDownloadView.as_view(),
                name="download",
            ),
        ]


# Jurors


class JurorProfileForm(WagtailAdminModelForm):
    expertise = forms.MultipleChoiceField(
        label=gettext_lazy("areas of expertise"),
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=gettext_lazy("Sectors the juror knows; entries in them are preferred."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = _jurors()
            self.fields["user"].label_from_instance = _juror_label
            self.fields["user"].help_text = _("Members of the jurors group.")


class JurorAffiliationForm(WagtailAdminModelForm):
    # Room for the spaces, dots and dashes people type; stored normalised (14 at most).
    tax_code = forms.CharField(label=gettext_lazy("tax code"), max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = _jurors()
            self.fields["user"].label_from_instance = _juror_label

    def clean_tax_code(self):
        # Stored the way organisations store theirs, so that the conflict check matches.
        return normalize_tax_code(self.cleaned_data["tax_code"])


def _expertise_labels(profile) -> str:
    labels = dict(Sector.choices)
    return ", ".join(str(labels.get(code, code)) for code in profile.expertise or [])


class JurorProfileViewSet(SnippetViewSet):
    model = JurorProfile
    icon = "user"
    menu_label = gettext_lazy("Juror profiles")
    list_display = [
        Column("user", label=gettext_lazy("Juror"), accessor=lambda p: _juror_label(p.user)),
        Column("expertise", label=gettext_lazy("Areas of expertise"), accessor=_expertise_labels),
    ]
    search_fields = ["user__full_name", "user__email"]
    search_backend_name = None
    copy_view_enabled = False
    edit_handler = ObjectList(
        [FieldPanel("user", widget=forms.Select), FieldPanel("expertise")],
        base_form_class=JurorProfileForm,
    )

    def get_queryset(self, request):
        return JurorProfile.objects.select_related("user").order_by("user__full_name", "pk")


class JurorAffiliationViewSet(SnippetViewSet):
    model = JurorAffiliation
    icon = "group"
    menu_label = gettext_lazy("Juror affiliations")
    list_display = [
        Column("user", label=gettext_lazy("Juror"), accessor=lambda a: _juror_label(a.user)),
        "tax_code",
        "organization_name",
        "until",
    ]
    search_fields = ["tax_code", "organization_name", "user__full_name", "user__email"]
    search_backend_name = None
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("user", widget=forms.Select),
            FieldRowPanel([FieldPanel("tax_code"), FieldPanel("organization_name")]),
            FieldPanel("until"),
        ],
        base_form_class=JurorAffiliationForm,
    )

    def get_queryset(self, request):
        return JurorAffiliation.objects.select_related("user").order_by(
            "user__full_name", "tax_code"
        )


class JudgingViewSetGroup(SnippetViewSetGroup):
    items = (RoundViewSet, RubricViewSet, JurorProfileViewSet, JurorAffiliationViewSet)
    menu_label = gettext_lazy("Judging")
    menu_icon = "tasks"
    menu_order = 220


# The judging page


class _ManagerMixin:
    """The round named in the URL, for managers; refused (Wagtail's "permission
    denied") for anyone else, before any read."""

    header_icon = "tasks"

    def dispatch(self, request, *args, **kwargs):
        if not may_manage_judging(request.user):
            raise PermissionDenied
        self.round = self.get_round(kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_round(self, pk: int) -> Round:
        return get_object_or_404(
            Round.objects.select_related("challenge", "rubric", "sealed_by"), pk=pk
        )

    def get_breadcrumbs_items(self):
        return [
            *super().get_breadcrumbs_items(),
            {"url": round_url("list"), "label": _("Judging rounds")},
            {"url": round_url("judging", self.round.pk), "label": str(self.round)},
        ]

    def back(self):
        return redirect(round_url("judging", self.round.pk))


class WinnerForm(forms.Form):
    proposal = forms.TypedChoiceField(label=gettext_lazy("Entry"), coerce=int, required=False)
    position = forms.IntegerField(label=gettext_lazy("Position"), min_value=1, required=False)
    prize = forms.CharField(label=gettext_lazy("Prize"), max_length=120, required=False)
    prize_en = forms.CharField(
        label=gettext_lazy("Prize in English"), max_length=120, required=False
    )
    amount_vnd = AmountField(label=gettext_lazy("Amount (VND)"), min_value=1, required=False)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].choices = [("", "—"), *choices]

    def as_item(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("proposal"):
            return None
        return {
            "proposal": data["proposal"],
            "position": data.get("position") or 1,
            "prize": data.get("prize") or "",
            "prize_en": data.get("prize_en") or "",
            "amount_vnd": data.get("amount_vnd"),
        }


WinnerFormSet = forms.formset_factory(WinnerForm, extra=0)


class RoundJudgingView(_ManagerMixin, WagtailAdminTemplateMixin, TemplateView):
    """The round at a glance, with the decisions its state allows (each posts to its
    own view). A constant number of queries, whatever the number of entries and
    jurors."""

    template_name = TEMPLATES + "round.html"
    http_method_names = ["get"]

    def get_page_title(self):
        return _("Judging")

    def get_page_subtitle(self):
        return str(self.round)

    def get_round(self, pk: int) -> Round:
        # The round and its challenge's other rounds (what the decisions depend on) in
        # one query.
        challenge = Round.objects.filter(pk=pk).values("challenge_id")[:1]
        self.rounds = list(
            Round.objects.filter(challenge_id=Subquery(challenge))
            .select_related("challenge", "rubric", "sealed_by")
            .order_by("number")
        )
        for round_ in self.rounds:
            if round_.pk == pk:
                return round_
        raise Http404

    @cached_property
    def ranking(self):
        return [row.rounded() for row in round_ranking(self.round)]

    @cached_property
    def winners(self) -> list[Winner]:
        return list(
            Winner.objects.filter(challenge_id=self.round.challenge_id)
            .select_related("proposal")
            .order_by("position", "pk")
        )

    def state(self) -> dict:
        round_ = self.round
        status = round_.status
        later = [r for r in self.rounds if r.number > round_.number]
        closed = [r for r in self.rounds if r.status == RoundStatus.CLOSED]
        published = round_.challenge.results_published_at is not None
        last_closed = closed[-1] if closed else None
        next_round = later[0] if later else None
        return {
            "next_round": next_round,
            "is_last_round": not later,
            "published": published,
            "can_start": status == RoundStatus.SETUP,
            "can_assign": status == RoundStatus.SCORING
            or (status == RoundStatus.SETUP and bool(self.ranking)),
            "can_close": status == RoundStatus.SCORING,
            "can_manage_panel": status in (RoundStatus.SETUP, RoundStatus.SCORING),
            "can_advance": status == RoundStatus.CLOSED
            and next_round is not None
            and next_round.status == RoundStatus.SETUP,
            "can_set_winners": status == RoundStatus.CLOSED
            and last_closed is not None
            and last_closed.pk == round_.pk
            and not published,
            "can_publish": not later and len(closed) == len(self.rounds) and not published,
        }

    def winners_formset(self, data=None):
        choices = [
            (row.proposal_id, f"{row.rank}. {row.reference} · {row.title}") for row in self.ranking
        ]
        initial = [
            {
                "proposal": w.proposal_id,
                "position": w.position,
                "prize": w.prize,
                "prize_en": w.prize_en,
                "amount_vnd": w.amount_vnd,
            }
            for w in self.winners
        ]
        initial += [{} for _row in range(WINNER_EXTRA_ROWS)]
        return WinnerFormSet(
            data, initial=initial, prefix="winners", form_kwargs={"choices": choices}
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_ = self.round
        state = self.state()
        progress = round_progress(round_)
        ranking = self.ranking
        jurors = {j.juror_id: j for j in progress.jurors}
        entries = {row.entry_id: row for row in ranking}
        # Automatic conflicts matter while assignments may change; once the round is
        # sealed the page shows the winners instead (and keeps its query budget).
        conflicts = None
        if state["can_manage_panel"]:
            conflicts = sorted(
                (
                    {"juror": jurors.get(juror), "entry": entries.get(entry), "reason": reason}
                    for (entry, juror), reason in conflict_reasons(round_).items()
                ),
                key=lambda c: (
                    c["entry"].rank if c["entry"] else 0,
                    c["juror"].name if c["juror"] else "",
                ),
            )
        if state["can_set_winners"]:
            context["winners_formset"] = kwargs.get("winners_formset") or self.winners_formset()
        if state["can_set_winners"] or state["can_publish"] or state["published"]:
            context["winners"] = self.winners
        context.update(
            state,
            round=round_,
            challenge=round_.challenge,
            progress=progress,
            ranking=ranking,
            ranking_rows=ranking_rows_html(round_, ranking, advance=state["can_advance"]),
            conflicts=conflicts,
            method=RankingMethod(round_.ranking_method).label,
            seal_format=SEAL_FORMAT,
            downloads=[
                (_("Ranking (CSV)"), round_url("download", round_.pk, "ranking-csv")),
                (_("Ranking (XLSX)"), round_url("download", round_.pk, "ranking-xlsx")),
                (_("Scores (CSV)"), round_url("download", round_.pk, "scores-csv")),
                (_("Scores (XLSX)"), round_url("download", round_.pk, "scores-xlsx")),
            ],
        )
        return context


def ranking_rows_html(round_, ranking, *, advance: bool) -> str:
    """The ranking table's rows, written here rather than by the template: a round of
    2,000 entries is 20,000 cells, and the template's per-cell lookups, localisation
    and URL reversing took most of the page's time. The URL pattern, the decimal
    separator and the labels are worked out once per page."""
    entry_url = round_url("entry", round_.pk, 0).removesuffix("0/")
    separator = formats.get_format("DECIMAL_SEPARATOR")
    disagree = format_html(
        ' <strong class="w-status w-status--primary" data-disagreement>{}</strong>',
        _("jurors disagree"),
    )

    def number(value, places):
        return "–" if value is None else f"{value:.{places}f}".replace(".", separator)

    rows = []
    for row in ranking:
        tick = (
            format_html(
                '<td><input type="checkbox" name="proposals" value="{}" aria-label="{}"></td>',
                row.proposal_id,
                _("Advance %(reference)s") % {"reference": row.reference},
            )
            if advance
            else ""
        )
        rows.append(
            format_html(
                '<tr data-entry="{}">{}<td>{}</td><td><a href="{}{}/">{}</a></td><td>{}</td>'
                "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td><td>{} / {}</td></tr>",
                row.entry_id,
                tick,
                row.rank,
                entry_url,
                row.entry_id,
                row.reference,
                row.title,
                row.organization_name,
                number(row.mean, 2),
                number(row.normalised, 3),
                number(row.trimmed, 2),
                number(row.spread, 2),
                disagree if row.disagreement else "",
                row.reviews_done,
                row.reviews_pending,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 - every row went through format_html


class WinnersView(RoundJudgingView):
    """The winners form of the judging page: saved through `set_winners`, or the page
    shown again with the form's errors."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        formset = self.winners_formset(request.POST)
        if formset.is_valid():
            chosen = [(form, form.as_item()) for form in formset.forms]
            chosen = [(form, item) for form, item in chosen if item is not None]
            try:
                set_winners(
                    self.round.challenge, [item for _form, item in chosen], actor=request.user
                )
            except WinnersError as error:
                for (form, _item), problems in zip(chosen, error.item_errors, strict=True):
                    for field, field_messages in problems.items():
                        for message in field_messages:
                            form.add_error(field, message)
            except REFUSALS as error:
                messages.error(request, error_text(error))
                return self.back()
            else:
                messages.success(
                    request,
                    ngettext("%(count)d winner saved.", "%(count)d winners saved.", len(chosen))
                    % {"count": len(chosen)},
                )
                return self.back()
        messages.error(request, _("The winners could not be saved; see the errors below."))
        return self.render_to_response(
            self.get_context_data(winners_formset=formset, **kwargs), status=400
        )


class RoundActionView(_ManagerMixin, View):
    """A button on the judging page: POST only; the outcome is told in a message."""

    action = ""
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            message = getattr(self, f"do_{self.action}")(request)
        except REFUSALS as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, message)
        return self.back()

    def do_start(self, request) -> str:
        run = round_start(self.round, actor=request.user)
        return _("The round is open for scoring.") + " " + run_summary(run)

    def do_assign(self, request) -> str:
        return run_summary(run_assignment(self.round, actor=request.user))

    def do_panel_add(self, request) -> str:  # from PanelAddView
        user = _jurors().filter(pk=_int(request.POST.get("user"))).first()
        if user is None:
            raise ValidationError(_("Choose a juror."))
        juror_join(self.round, user, actor=request.user)
        return _("%(juror)s joined the panel. Run the assignment to give them entries.") % {
            "juror": _juror_label(user)
        }

    def do_panel_withdraw(self, request) -> str:
        seat = get_object_or_404(
            RoundJuror.objects.select_related("user"),
            round=self.round,
            user_id=self.kwargs["user_id"],
        )
        juror_withdraw(self.round, seat.user, actor=request.user)
        return _(
            "%(juror)s left the panel; their unfinished reviews were released. Run the "
            "assignment to give those entries to other jurors."
        ) % {"juror": _juror_label(seat.user)}

    def do_advance(self, request) -> str:
        state_rounds = Round.objects.filter(
            challenge_id=self.round.challenge_id, number__gt=self.round.number
        ).order_by("number")
        to_round = state_rounds.first()
        if to_round is None:
            raise Conflict(_("This challenge has no later round: add one first."))
        chosen = [_int(value) for value in request.POST.getlist("proposals")]
        created = advance_entries(
            self.round, [pk for pk in chosen if pk], actor=request.user, to_round=to_round
        )
        return ngettext(
            "%(count)d entry advanced to “%(round)s”.",
            "%(count)d entries advanced to “%(round)s”.",
            len(created),
        ) % {"count": len(created), "round": to_round.name}


class PanelAddView(_ManagerMixin, WagtailAdminTemplateMixin, TemplateView):
    """Who may join the panel: the members of the jurors group not on it."""

    template_name = TEMPLATES + "panel_add.html"

    def get_page_title(self):
        return _("Add a juror to the panel")

    def get_page_subtitle(self):
        return str(self.round)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        seated = RoundJuror.objects.filter(round=self.round, withdrawn_at__isnull=True)
        context.update(
            round=self.round,
            candidates=_jurors().exclude(pk__in=seated.values("user_id")),
            can_manage_panel=self.round.status in (RoundStatus.SETUP, RoundStatus.SCORING),
        )
        return context

    def post(self, request, *args, **kwargs):
        return RoundActionView.as_view(action="panel_add")(request, *args, **kwargs)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def run_summary(run) -> str:
    """What an assignment run did, for the manager."""
    text = _("Assignment run: %(created)d assigned, %(released)d released, %(kept)d kept.") % {
        "created": len(run.created),
        "released": len(run.released),
        "kept": run.kept,
    }
    if run.unfilled:
        references = list(
            RoundEntry.objects.filter(pk__in=run.unfilled)
            .order_by("proposal__reference")
            .values_list("proposal__reference", flat=True)
        )
        text += " " + ngettext(
            "%(count)d entry is short of jurors (too few without a conflict): %(references)s.",
            "%(count)d entries are short of jurors (too few without a conflict): %(references)s.",
            len(references),
        ) % {"count": len(references), "references": ", ".join(references)}
    return text


class RoundConfirmView(_ManagerMixin, WagtailAdminTemplateMixin, TemplateView):
    """Closing a round and publishing results cannot be undone: a page that says what
    will happen, then the POST."""

    action = ""
    template_name = TEMPLATES + "confirm.html"

    def get_page_title(self):
        return _("Close and seal the round") if self.action == "close" else _("Publish results")

    def get_page_subtitle(self):
        return str(self.round) if self.action == "close" else str(self.round.challenge)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_ = self.round
        context.update(action=self.action, round=round_, challenge=round_.challenge)
        if self.action == "close":
            counts = Assignment.objects.filter(round=round_).aggregate(
                submitted=Count("pk", filter=Q(status=AssignmentStatus.SUBMITTED)),
                pending=Count(
                    "pk", filter=Q(status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT])
                ),
            )
            context.update(counts)
        else:
            context["winners"] = list(
                Winner.objects.filter(challenge_id=round_.challenge_id)
                .select_related("proposal__organization")
                .order_by("position", "pk")
            )
        return context

    def post(self, request, *args, **kwargs):
        try:
            if self.action == "close":
                closed = round_close(self.round, actor=request.user)
                message = _("The round is closed and sealed. SHA-256: %(digest)s") % {
                    "digest": closed.sealed_digest
                }
            else:
                publish_results(self.round.challenge, actor=request.user)
                message = _("The results are published; the applicants are being told by e-mail.")
        except REFUSALS as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, message)
        return self.back()


class RoundDownloadView(_ManagerMixin, View):
    http_method_names = ["get"]
    RESPONSES = {
        "ranking-csv": ranking_csv_response,
        "ranking-xlsx": ranking_xlsx_response,
        "scores-csv": scores_csv_response,
        "scores-xlsx": scores_xlsx_response,
        "seal": seal_form_response,
    }

    def get(self, request, *args, **kwargs):
        respond = self.RESPONSES.get(kwargs["what"])
        if respond is None:
            raise Http404
        if kwargs["what"] == "seal" and self.round.status != RoundStatus.CLOSED:
            raise Http404
        return respond(self.round)


# One entry: its reviews, and the manual overrides


class _EntryMixin(_ManagerMixin):
    def dispatch(self, request, *args, **kwargs):
        if not may_manage_judging(request.user):
            raise PermissionDenied
        self.entry = get_object_or_404(
            RoundEntry.objects.select_related(
                "proposal__organization", "round__challenge", "round__rubric"
            ),
            pk=kwargs["entry_id"],
            round_id=kwargs["pk"],
        )
        return super().dispatch(request, *args, **kwargs)


class EntryJudgingView(_EntryMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = TEMPLATES + "entry.html"

    def get_page_title(self):
        return _("Entry")

    def get_page_subtitle(self):
        return self.entry.proposal.reference or str(self.entry.proposal)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round_ = self.round
        assignments = list(
            Assignment.objects.filter(entry=self.entry)
            .select_related("juror")
            .order_by("juror__full_name", "juror__email")
        )
        reasons = {
            juror: reason
            for (_entry, juror), reason in conflict_reasons(round_, entry=self.entry).items()
        }
        active = {a.juror_id for a in assignments if a.status in ACTIVE_ASSIGNMENT_STATUSES}
        declared = {a.juror_id for a in assignments if a.status == AssignmentStatus.CONFLICT}
        panel = list(
            RoundJuror.objects.filter(round=round_, withdrawn_at__isnull=True)
            .select_related("user")
            .order_by("user__full_name", "user__email")
        )
        context.update(
            round=round_,
            entry=self.entry,
            proposal=self.entry.proposal,
            assignments=[
                {
                    "row": a,
                    "juror": _juror_label(a.juror),
                    "removable": a.status in (AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT),
                }
                for a in assignments
            ],
            candidates=[
                seat.user
                for seat in panel
                if seat.user_id not in active
                and seat.user_id not in reasons
                and seat.user_id not in declared
            ],
            conflicts=[
                {"juror": _juror_label(seat.user), "reason": reasons[seat.user_id]}
                for seat in panel
                if seat.user_id in reasons
            ],
            can_change=round_.status in (RoundStatus.SETUP, RoundStatus.SCORING),
        )
        return context


class EntryActionView(_EntryMixin, View):
    action = ""
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            if self.action == "assign":
                seat = (
                    RoundJuror.objects.select_related("user")
                    .filter(round=self.round, user_id=_int(request.POST.get("user")))
                    .first()
                )
                if seat is None:
                    raise ValidationError(_("Choose a juror of the round's panel."))
                assign_manually(self.entry, seat.user, actor=request.user)
                message = _("%(juror)s now reviews this entry.") % {
                    "juror": _juror_label(seat.user)
                }
            else:
                assignment = get_object_or_404(
                    Assignment.objects.select_related("juror"),
                    pk=kwargs["assignment_id"],
                    entry=self.entry,
                )
                unassign_manually(assignment, actor=request.user)
                message = _(
                    "%(juror)s no longer reviews this entry; runs will not give it back to them."
                ) % {"juror": _juror_label(assignment.juror)}
        except REFUSALS as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, message)
        return redirect(round_url("entry", self.round.pk, self.entry.pk))
