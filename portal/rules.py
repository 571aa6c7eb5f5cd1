"""Predicates about people that every app may use (rules, ObjectPermissionBackend)."""

import rules


@rules.predicate
def is_email_verified(user) -> bool:
    """Whether the user's primary e-mail address is verified (allauth's EmailAddress).

    Unverified people may log in and draft; submitting requires this. One query per user
    object, remembered on it, so a page or request may ask as often as it likes.
    """
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(user, "_email_verified", None)
    if cached is None:
        from allauth.account.models import EmailAddress

        cached = EmailAddress.objects.filter(user=user, primary=True, verified=True).exists()
        user._email_verified = cached
    return cached
