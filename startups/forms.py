"""Dashboard forms. They parse what people type; the services decide (tax-code rules,
roles, files) and their ValidationErrors come back onto these forms' fields."""

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.forms.models import fields_for_model
from django.utils.translation import get_language, get_supported_language_variant
from django.utils.translation import gettext_lazy as _

from startups.enums import KINDS_REQUIRING_TAX_CODE, MembershipRole
from startups.models import Organization, StartupProfile
from startups.services import ORGANIZATION_FIELDS, STARTUP_PROFILE_FIELDS


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors on their fields, the
    rest (and fields the form does not show) above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = name if name in form.fields else None
        if name == NON_FIELD_ERRORS:
            field = None
        form.add_error(field, errors)


class OrganizationForm(forms.Form):
    """Every field applicants edit on their profile (ORGANIZATION_FIELDS), with the
    model's labels, help texts and validators (fields set below the class)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].help_text = _(
            "Enterprises and startups must give their tax code; universities, institutes, "
            "school teams and other organisations may leave it empty."
        )
        self.fields["kind"].widget.attrs["data-kinds-requiring-tax-code"] = " ".join(
            KINDS_REQUIRING_TAX_CODE
        )
        self.fields["tax_code"].widget.attrs.update({"inputmode": "numeric", "size": 16})
        self.fields["founded_year"].widget.attrs["inputmode"] = "numeric"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["website"].widget.attrs["autocomplete"] = "url"
        self.fields["description"].widget.attrs["rows"] = 5

    @classmethod
    def initial_for(cls, organization: Organization) -> dict:
        return {name: getattr(organization, name) for name in ORGANIZATION_FIELDS}


class StartupProfileForm(forms.Form):
    """STARTUP_PROFILE_FIELDS with the model's labels and validators (set below)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["founders"].widget.attrs["rows"] = 3
        self.fields["funding_raised_vnd"].widget.attrs["step"] = 1

    @classmethod
    def initial_for(cls, profile: StartupProfile | None) -> dict:
        if profile is None:
            return {}
        return {name: getattr(profile, name) for name in STARTUP_PROFILE_FIELDS}


def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


# The form metaclass sets `base_fields` from declared fields: the model's come after it.
OrganizationForm.base_fields = fields_for_model(
    Organization, fields=ORGANIZATION_FIELDS, formfield_callback=_formfield
)
StartupProfileForm.base_fields = fields_for_model(
    StartupProfile, fields=STARTUP_PROFILE_FIELDS, formfield_callback=_formfield
)


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("New logo"),
        help_text=_("PNG, JPEG or WebP, at most 2 MB. It is resized and stored anew."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )


class PitchDeckForm(forms.Form):
    pitch_deck = forms.FileField(
        label=_("Pitch deck (PDF)"),
        help_text=_(
            "A PDF file of at most 20 MB. Only your organisation and the department see it."
        ),
        widget=forms.FileInput(attrs={"accept": "application/pdf"}),
    )


def current_language() -> str:
    try:
        return get_supported_language_variant(get_language() or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        help_text=_("The invitation is sent to this address; it is valid for 7 days."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=MembershipRole.choices,
        initial=MembershipRole.MEMBER,
        help_text=_(
            "Owners manage everything, members included; administrators edit the profile "
            "and invite; members draft and submit on the organisation's behalf."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"),
        choices=settings.LANGUAGES,
        help_text=_("If the person already has an account, the language they chose is used."),
    )

    def __init__(self, *args, can_invite_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = current_language()
        if not can_invite_owner:
            self.fields["role"].choices = [
                choice for choice in MembershipRole.choices if choice[0] != MembershipRole.OWNER
            ]


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
