"""Forms of the fund office's pages. They only read what was typed; the rules (who, which
state, how much is left, tranches adding up) are `fund.services`', whose errors land
back on these forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from challenges.forms import AmountField
from fund.enums import Decision
from fund.models import MAX_VND

# The most tranches a decision may spread an award over, in the form.
MAX_TRANCHES = 24

_NOTE_MAX = 5000


def _note(label, *, rows: int = 2, help_text: str = "") -> forms.CharField:
    # Never required here: the services say when a note is needed, in the same words
    # for the API and the pages.
    return forms.CharField(
        label=label,
        max_length=_NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=help_text,
    )


def _amount(label, *, required: bool = True, help_text: str = "") -> AmountField:
    return AmountField(
        label=label, required=required, min_value=1, max_value=MAX_VND, help_text=help_text
    )


class ApplicationFilterForm(forms.Form):
    """The applications list's filters: status and call."""

    status = forms.ChoiceField(label=_("Status"), required=False)
    call = forms.TypedChoiceField(label=_("Call"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, statuses, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *statuses]
        self.fields["call"].choices = [("", _("Any call")), *calls]


class DisbursementFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any status")), *statuses]


class TransitionForm(forms.Form):
    """Move an application through review; the button pressed says where to."""

    to = forms.ChoiceField(label=_("Move to"))
    note = _note(
        _("Note"),
        rows=3,
        help_text=_("Needed to send the application back or to reject it: the applicant reads it."),
    )

    def __init__(self, *args, targets, **kwargs):
        kwargs.setdefault("auto_id", "review_%s")  # beside the decision form's fields
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = targets


class DecisionForm(forms.Form):
    """The committee's decision. On approval the tranche schedule comes in a formset."""

    decision = forms.ChoiceField(
        label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect
    )
    approved_vnd = _amount(
        _("Amount approved (VND)"),
        required=False,
        help_text=_("In đồng, e.g. 1.500.000.000; at most the amount requested."),
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = _note(
        _("Note of the decision"),
        rows=3,
        help_text=_("Needed to reject: the applicant reads it."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "decision_%s")  # beside the review form's fields
        super().__init__(*args, **kwargs)


class TrancheForm(forms.Form):
    amount_vnd = _amount(_("Amount (VND)"))
    planned_date = forms.DateField(
        label=_("Planned date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    milestone = forms.CharField(
        label=_("Milestone"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


TrancheFormSet = forms.formset_factory(
    TrancheForm, extra=3, max_num=MAX_TRANCHES, validate_max=True, absolute_max=MAX_TRANCHES
)


def tranche_schedule(formset) -> list[dict]:
    """The filled rows of a valid formset, as `application_decide` takes them (empty
    spare rows left out)."""
    return [
        {
            "amount_vnd": form.cleaned_data["amount_vnd"],
            "planned_date": form.cleaned_data["planned_date"],
            "milestone": form.cleaned_data["milestone"],
        }
        for form in formset.forms
        if form.has_changed() and form.cleaned_data
    ]


class MilestoneForm(forms.Form):
    note = _note(_("How it was verified"), help_text=_("Optional: the report or visit."))


class DisbursementRequestForm(forms.Form):
    tranche = forms.TypedChoiceField(label=_("Tranche"), coerce=int)
    amount_vnd = _amount(_("Amount (VND)"))
    reference = forms.CharField(
        label=_("Payment reference"),
        max_length=64,
        required=False,
        help_text=_("The payment order's number."),
    )

    def __init__(self, *args, tranches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tranche"].choices = tranches


class RejectDisbursementForm(forms.Form):
    note = _note(_("Reason for rejecting"))


class ReverseForm(forms.Form):
    note = _note(_("Reason for the reversal"))
