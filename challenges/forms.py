from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

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
