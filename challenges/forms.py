import re

from django import forms
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from challenges.enums import AttachmentKind
from challenges.services import PROPOSAL_FIELDS
from startups.enums import OrganizationKind


class ChallengeForm(WagtailAdminModelForm):
    """The admin's challenge form: eligible kinds as boxes to tick, stored as a list."""

    eligible_kinds = forms.MultipleChoiceField(
        label=_("eligible organisations"),
        choices=OrganizationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Kinds of organisation that may submit; none ticked means every kind."),
    )


class AmountField(forms.IntegerField):
    """A whole number of đồng, typed the way people write it: 1.500.000.000, 1 500 000 000
    or 1,500,000,000 ₫ all read as 1500000000."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"(?i)[\s.,_\u00a0]|vnd|đồng|đ|₫", "", value)
        return super().to_python(value)


class ProposalForm(forms.Form):
    """A draft's fields (PROPOSAL_FIELDS). Only the title is needed to save a draft; the
    submit asks for the rest. On a new draft, the organisation it is written for."""

    organization = forms.ModelChoiceField(
        label=_("On behalf of"),
        queryset=None,
        empty_label=None,
        help_text=_("The organisation that sends the proposal; its members can all edit it."),
    )
    track = forms.ChoiceField(label=_("Track"), required=False)
    title = forms.CharField(label=_("Title"), max_length=255)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A few sentences that say what you propose; at most 2,000 characters."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=60_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text=_(
            "The solution, how it answers the problem, the plan and the results to expect. "
            "Markdown: **bold**, *italic*, lists with -, headings with #, tables and links."
        ),
    )
    budget_vnd = AmountField(
        label=_("Budget (VND)"),
        required=False,
        min_value=1,
        max_value=10**15,
        help_text=_("The whole amount asked for, in đồng, e.g. 1.500.000.000."),
    )
    duration_months = forms.IntegerField(
        label=_("Duration (months)"),
        required=False,
        min_value=1,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    team = forms.CharField(
        label=_("Team"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Who does the work: names, roles and experience."),
    )

    def __init__(self, *args, challenge, tracks, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].queryset = organizations
            self.fields["organization"].label_from_instance = lambda o: o.display_name
        if tracks:
            english = get_language() == "en"
            self.fields["track"].choices = [("", _("Choose a track"))] + [
                (track.code, (track.name_en if english else "") or track.name) for track in tracks
            ]
            self.tracks = {track.code: track for track in tracks}
        else:
            del self.fields["track"]
            self.tracks = {}
        if challenge.budget_ceiling_vnd:
            self.fields["budget_vnd"].help_text = _(
                "The whole amount asked for, in đồng; this call's ceiling is %(ceiling)s VND."
            ) % {
                "ceiling": formats.number_format(challenge.budget_ceiling_vnd, force_grouping=True)
            }

    @classmethod
    def initial_for(cls, proposal) -> dict:
        initial = {name: getattr(proposal, name) for name in PROPOSAL_FIELDS if name != "track"}
        initial["track"] = proposal.track.code if proposal.track_id else ""
        return initial

    def proposal_data(self) -> dict:
        """What the services take: PROPOSAL_FIELDS, the track as a Track row."""
        data = {name: self.cleaned_data[name] for name in PROPOSAL_FIELDS if name in self.fields}
        if "track" in data:
            data["track"] = self.tracks.get(data["track"])
        for name in ("summary", "description", "team"):
            data[name] = data[name] or ""
        return data


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of document"), choices=AttachmentKind.choices)
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
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
