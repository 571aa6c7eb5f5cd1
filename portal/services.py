"""Writes of the cross-cutting core that carry rules."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest

from portal.audit import audit_record
from portal.models import PrivacyConsent, User


def consent_record(
    *, user: User, version: str, request: HttpRequest | None = None
) -> PrivacyConsent:
    """Record that `user` consented to version `version` of the privacy notice, with the
    time and (when a request is given) the address it came from, and audit it."""
    ip_address = None
    if request is not None:
        # Read as allauth's rate limits read it (ALLAUTH_TRUSTED_PROXY_COUNT).
        try:
            ip_address = get_account_adapter(request).get_client_ip(request)
        except PermissionDenied:
            ip_address = None
    with transaction.atomic():
        consent = PrivacyConsent.objects.create(
            user=user, notice_version=version, ip_address=ip_address
        )
        audit_record(
            actor=user,
            action="privacy.consent",
            obj=consent,
            data={"notice_version": version, "user": user.pk},
        )
    return consent
