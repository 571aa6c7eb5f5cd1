"""The applicants' fund forms. They parse what people type; `fund.services` decides (the
call's window and instruments, the backing proposal) and its ValidationErrors come back
onto these forms' fields."""

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from challenges.forms import AmountField
from fund.enums import DocumentKind, Instrument
from fund.models import MAX_VND
from fund.services import APPLICATION_FIELDS, vnd

# The example amount of the help text, shown with the reader's thousands separators.
_EXAMPLE_VND = 1_500_000_000


class ApplicationForm(forms.Form):
    """A draft's fields (APPLICATION_FIELDS). The summary is needed to save a draft; the
    submit asks for the plan and the budget breakdown too. On a new draft, the
    organisation that applies."""

    organization = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=None,
        empty_label=None,
        help_text=_(
            "The organisation that applies; its members can all edit the draft and follow it."
        ),
    )
    requested_vnd = AmountField(label=_("Amount requested (VND)"), min_value=1, max_value=MAX_VND)
    instrument = forms.ChoiceField(label=_("Instrument"))
    proposal = forms.ModelChoiceField(
        label=_("Backing proposal"),
        queryset=None,
        required=False,
        empty_label=_("None"),
        help_text=_("Optional: a proposal your organisation sent that this application funds."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the money is for, in a few sentences; at most 2,000 characters."),
    )
    plan = forms.CharField(
        label=_("Plan"),
        max_length=30_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "What you will do with the money, step by step, and the results to expect. "
            "Needed before you submit."
        ),
    )
    budget_breakdown = forms.CharField(
        label=_("Budget breakdown"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What the money pays for, item by item, with the amounts in đồng. Needed before "
            "you submit."
        ),
    )

    def __init__(self, *args, call, proposals, organizations=None, several=False, **kwargs):
        super().__init__(*args, **kwargs)
        # With several organisations, each proposal is named with its organisation's name.
        self.several_organizations = several
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations
            self.fields["organization"].label_from_instance = lambda o: o.display_name
        offered = call.instruments
        self.fields["instrument"].choices = [
            (instrument, Instrument(instrument).label) for instrument in offered
        ]
        if len(offered) == 1:
            self.fields["instrument"].initial = offered[0]
        self.fields["requested_vnd"].help_text = _(
            "A whole number of đồng, e.g. %(example)s; this call's budget is %(budget)s."
        ) % {
            "example": formats.number_format(_EXAMPLE_VND, force_grouping=True),
            "budget": vnd(call.budget_vnd),
        }
        if proposals is None:
            del self.fields["proposal"]
        else:
            self.fields["proposal"].queryset = proposals
            self.fields["proposal"].label_from_instance = self._proposal_label
            if call.challenge_id:
                self.fields["proposal"].help_text = _(
                    "Optional: a proposal your organisation sent to %(challenge)s, which this "
                    "call funds."
                ) % {"challenge": call.challenge.code}

    def _proposal_label(self, proposal) -> str:
        label = f"{proposal.reference or '—'} · {proposal.title}"
        if self.several_organizations:
            label = f"{label} ({proposal.organization.display_name})"
        return label

    @classmethod
    def initial_for(cls, application) -> dict:
        initial = {name: getattr(application, name) for name in APPLICATION_FIELDS}
        initial["proposal"] = application.proposal_id
        # Shown the way people write it; AmountField reads it back.
        initial["requested_vnd"] = formats.number_format(
            application.requested_vnd, force_grouping=True
        )
        return initial

    def application_data(self) -> dict:
        """What the services take: APPLICATION_FIELDS the form shows."""
        data = {name: self.cleaned_data[name] for name in APPLICATION_FIELDS if name in self.fields}
        for name in ("summary", "plan", "budget_breakdown"):
            data[name] = data[name] or ""
        return data


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG or JPEG; at most 20 MB "
            "each, 20 files and 50 MB in all."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".pdf,.docx,.xlsx,.pptx,.png,.jpg,.jpeg,application/pdf,image/png,"
                "image/jpeg"
            }
        ),
    )


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label=_("Reason (optional)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
