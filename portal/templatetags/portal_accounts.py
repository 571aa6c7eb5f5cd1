"""Template helpers for browser accounts: `{% load portal_accounts %}`."""

from django import template

from portal.rules import is_email_verified

register = template.Library()


@register.filter
def email_verified(user) -> bool:
    """`{% if user|email_verified %}`: the user's primary e-mail address is verified
    (one query per request at most; see portal.rules.is_email_verified)."""
    return is_email_verified(user)
