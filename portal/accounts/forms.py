"""Sign-up forms: allauth's, plus full name, preferred language and consent to the
privacy notice, which is recorded in the same transaction as the new user."""

import unicodedata

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django import forms
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import (
    get_language,
    get_language_info,
    get_supported_language_variant,
    gettext,
)
from django.utils.translation import gettext_lazy as _

from portal.services import consent_record


def current_language() -> str:
    """The page's language as one of settings.LANGUAGES."""
    try:
        return get_supported_language_variant(get_language() or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


class ProfileAndConsentMixin(forms.Form):
    """Fields every new account gives, whichever way it signs up."""

    full_name = forms.CharField(
        label=_("Full name"),
        max_length=150,
        help_text=_("As on your identity card, family name first."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=settings.LANGUAGES,
        help_text=_("The language of the e-mails the portal sends you."),
    )
    privacy_consent = forms.BooleanField(
        label=_(
            "I have read the privacy notice and agree to the processing of my personal "
            "data for the purposes it describes."
        ),
        error_messages={
            "required": _("You must agree to the privacy notice to create an account."),
        },
    )

    field_order = [
        "full_name",
        "email",
        "password1",
        "password2",
        "preferred_language",
        "privacy_consent",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = self.fields["preferred_language"]
        # Each language named in itself, as in the language switcher.
        language.choices = [
            (code, unicodedata.normalize("NFC", get_language_info(code)["name_local"]))
            for code, _name in settings.LANGUAGES
        ]
        language.initial = current_language()
        self.fields["privacy_consent"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("privacy_notice"),
            gettext("Privacy notice, version %(version)s (opens in a new tab)")
            % {"version": settings.PRIVACY_NOTICE_VERSION},
        )

    def clean_full_name(self):
        return " ".join(self.cleaned_data["full_name"].split())

    def save(self, request):
        # The user, their e-mail address and their consent stand or fall together.
        with transaction.atomic():
            user = super().save(request)
            consent_record(user=user, version=settings.PRIVACY_NOTICE_VERSION, request=request)
        return user


class SignupForm(ProfileAndConsentMixin, AllauthSignupForm):
    """ACCOUNT_FORMS["signup"]: e-mail and password."""


class SocialSignupForm(ProfileAndConsentMixin, AllauthSocialSignupForm):
    """SOCIALACCOUNT_FORMS["signup"]: shown once to everyone who arrives through single
    sign-on (SOCIALACCOUNT_AUTO_SIGNUP is off), so that they consent too."""
