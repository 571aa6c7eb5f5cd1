"""Funds and funding calls in the Wagtail admin, under one "Venture fund" menu.

Fund officers add and change them (the model permissions of `portal.roles`); finance
approvers and auditors list and inspect them. The committed totals are the services'
and only shown. Applications, awards and payments are not edited here: the fund office
under /dashboard/ runs them through `fund.services`.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from fund.admin_forms import FundForm, FundingCallForm
from fund.models import Fund, FundingCall
from fund.services import vnd


class AmountPanel(FieldPanel):
    """An amount in đồng, shown read-only with its thousands separators."""

    def __init__(self, field_name, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(field_name, **kwargs)

    def format_value_for_display(self, value):
        return vnd(value or 0)


def _amount_column(name, label, accessor=None):
    accessor = accessor or (lambda obj: vnd(getattr(obj, name)))
    return Column(name, label=label, accessor=accessor)


class LockedEditView(EditView):
    """The edit view of a form that re-checks under a row lock on save
    (`fund.admin_forms`): what it refuses then lands on the form like any field error."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error(None, error)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class FundViewSet(SnippetViewSet):
    model = Fund
    icon = "pick"
    menu_label = gettext_lazy("Funds")
    list_display = [
        "name",
        "managing_unit",
        _amount_column("capital_vnd", gettext_lazy("Capital")),
        _amount_column("committed_vnd", gettext_lazy("Committed")),
        _amount_column(
            "remaining_vnd",
            gettext_lazy("Not yet committed"),
            accessor=lambda fund: vnd(fund.capital_vnd - fund.committed_vnd),
        ),
    ]
    search_fields = ["name", "managing_unit"]
    search_backend_name = None  # a handful of rows: plain database lookups
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_view_class = LockedEditView
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("managing_unit"),
            FieldPanel("description"),
            FieldRowPanel(
                [
                    FieldPanel("capital_vnd"),
                    AmountPanel(
                        "committed_vnd",
                        help_text=gettext_lazy(
                            "Approved by the committee, summed over the awards; the capital "
                            "cannot go below it."
                        ),
                    ),
                ]
            ),
        ],
        base_form_class=FundForm,
    )


class FundingCallViewSet(SnippetViewSet):
    model = FundingCall
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Funding calls")
    list_display = [
        "title",
        Column("fund", label=gettext_lazy("Fund"), accessor="fund.name"),
        "opens_at",
        "closes_at",
        _amount_column("budget_vnd", gettext_lazy("Budget")),
        _amount_column("committed_vnd", gettext_lazy("Committed")),
        "is_published",
    ]
    list_filter = ["fund", "is_published"]
    search_fields = ["title"]
    search_backend_name = None
    inspect_view_enabled = True
    copy_view_enabled = False
    edit_view_class = LockedEditView
    edit_handler = ObjectList(
        [
            FieldPanel("fund", widget=forms.Select),
            FieldPanel("title"),
            FieldPanel("description"),
            FieldPanel("challenge", widget=forms.Select),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")])],
                heading=gettext_lazy("Window (Vietnam time)"),
            ),
            FieldRowPanel(
                [
                    FieldPanel("budget_vnd"),
                    AmountPanel(
                        "committed_vnd",
                        help_text=gettext_lazy(
                            "Approved by the committee under this call; the budget cannot go "
                            "below it."
                        ),
                    ),
                ]
            ),
            MultiFieldPanel(
                [
                    FieldPanel("offers_grant"),
                    FieldPanel("offers_equity"),
                    FieldPanel("offers_convertible_loan"),
                ],
                heading=gettext_lazy("Instruments offered"),
            ),
            FieldPanel("is_published"),
        ],
        base_form_class=FundingCallForm,
    )

    def get_queryset(self, request):
        return FundingCall.objects.select_related("fund")


class FundViewSetGroup(SnippetViewSetGroup):
    items = (FundViewSet, FundingCallViewSet)
    menu_label = gettext_lazy("Venture fund")
    menu_icon = "pick"
    menu_order = 230


register_snippet(FundViewSetGroup)
