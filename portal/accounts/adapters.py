"""allauth adapters: profile fields at sign-up, e-mails in the recipient's language,
a lock-out message that says what happened and what to do."""

from __future__ import annotations

import math

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext, ngettext

from portal.accounts.forms import current_language
from portal.models import User

DEFAULT_LOCKOUT_SECONDS = 5 * 60


def lockout_minutes() -> int:
    """How long a locked account waits: the longest window of the login_failed limit."""
    from allauth.core.internal.ratelimit import parse_rates

    rates = parse_rates(account_settings.RATE_LIMITS.get("login_failed"))
    seconds = max((rate.duration for rate in rates), default=DEFAULT_LOCKOUT_SECONDS)
    return max(1, math.ceil(seconds / 60))


def _lockout_message() -> str:
    minutes = lockout_minutes()
    return ngettext(
        "This account is temporarily locked after too many failed log-in attempts. "
        "Try again in %(minutes)d minute, or reset your password.",
        "This account is temporarily locked after too many failed log-in attempts. "
        "Try again in %(minutes)d minutes, or reset your password.",
        minutes,
    ) % {"minutes": minutes}


lockout_message = lazy(_lockout_message, str)()


class PortalSite:
    """What allauth's e-mails call the site: the portal's name in the e-mail's language."""

    def __init__(self, request):
        self.domain = get_current_site(request).domain if request is not None else ""

    @property
    def name(self) -> str:
        return gettext("Open Innovation Portal")


def language_for(email: str | None, user=None) -> str:
    """The recipient's preferred language when they have an account, else the page's."""
    language = getattr(user, "preferred_language", None)
    if not language and email:
        language = (
            User.objects.filter(email__iexact=email)
            .values_list("preferred_language", flat=True)
            .first()
        )
    if language not in dict(settings.LANGUAGES):
        language = current_language()
    return language


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": lockout_message,
    }

    def save_user(self, request, user, form, commit=True):
        data = form.cleaned_data
        if data.get("full_name"):
            user.full_name = data["full_name"]
        if data.get("preferred_language") in dict(settings.LANGUAGES):
            user.preferred_language = data["preferred_language"]
        return super().save_user(request, user, form, commit=commit)

    def format_email_subject(self, subject: str) -> str:
        return f"[{gettext('Open Innovation Portal')}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        with translation.override(language_for(email, context.get("user"))):
            super().send_mail(
                template_prefix, email, {"current_site": PortalSite(self.request), **context}
            )

    # Links in e-mails are built before send_mail: build them in the recipient's language
    # too, so that an English reader lands on English pages.

    def send_confirmation_mail(self, request, emailconfirmation, signup: bool) -> None:
        address = emailconfirmation.email_address
        with translation.override(language_for(address.email, address.user)):
            super().send_confirmation_mail(request, emailconfirmation, signup)

    def send_password_reset_mail(self, user, email: str, context: dict) -> None:
        with translation.override(language_for(email, user)):
            if "uid" in context and "key" in context:
                context = {
                    **context,
                    "password_reset_url": self.get_reset_password_from_key_url(
                        f"{context['uid']}-{context['key']}"
                    ),
                }
            super().send_password_reset_mail(user, email, context)

    def send_account_already_exists_mail(self, email: str) -> None:
        with translation.override(language_for(email)):
            super().send_account_already_exists_mail(email)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        name = data.get("name") or " ".join(
            part for part in (data.get("last_name"), data.get("first_name")) if part
        )
        user.full_name = " ".join((name or "").split())[:150]
        return user

    def get_signup_form_initial_data(self, sociallogin) -> dict:
        initial = super().get_signup_form_initial_data(sociallogin)
        initial["full_name"] = sociallogin.user.full_name
        return initial
