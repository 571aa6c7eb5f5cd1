"""Every write to organisations, memberships, invitations and startup profiles.

Each service takes the acting user, runs in one transaction, checks the rules that hold
whoever calls it (the API, the dashboard, the Wagtail admin) and writes an audit event.
Field problems raise `ValidationError`, a role that may not act `PermissionDenied`, a
state that forbids the action `portal.errors.Conflict`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.audit import audit_record
from portal.errors import Conflict
from portal.files import check_pdf, process_image, random_name
from portal.models import User
from portal.rules import is_email_verified
from startups.enums import (
    KINDS_REQUIRING_TAX_CODE,
    MembershipRole,
    OrganizationKind,
)
from startups.models import Invitation, Membership, Organization, StartupProfile
from startups.rules import role_of
from startups.validators import normalize_tax_code

INVITATION_TTL = timedelta(days=7)
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_THUMBNAIL_SIDE = 128
PITCH_DECK_MAX_BYTES = 20 * 1024 * 1024

# What applicants edit on their profile. `verified` is the department's (organization_verify).
ORGANIZATION_FIELDS = (
    "kind",
    "legal_name",
    "short_name",
    "tax_code",
    "sector",
    "founded_year",
    "size_band",
    "website",
    "email",
    "phone",
    "address",
    "province",
    "description",
    "is_public",
)
# Facts the department checked when it verified the organisation: changing one asks
# for a new verification.
VERIFIED_FACTS = ("kind", "legal_name", "tax_code")
STARTUP_PROFILE_FIELDS = ("stage", "founders", "team_size", "funding_raised_vnd")


# Organisations


@transaction.atomic
def organization_create(*, actor: User, data: dict) -> Organization:
    """Create an organisation from `data` (ORGANIZATION_FIELDS); the actor becomes its
    owner."""
    organization = Organization()
    _apply_fields(organization, data)
    _save_organization(organization)
    Membership.objects.create(organization=organization, user=actor, role=MembershipRole.OWNER)
    audit_record(
        actor=actor,
        action="organization.create",
        obj=organization,
        data={"fields": _snapshot(organization, ORGANIZATION_FIELDS), "owner": actor.pk},
    )
    return organization


@transaction.atomic
def organization_update(*, actor: User, organization: Organization, data: dict) -> Organization:
    """Change profile fields; only what changed is saved and audited."""
    organization = _lock(organization)
    _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    return _update_fields(actor=actor, organization=organization, data=data)


@transaction.atomic
def organization_staff_update(
    *, actor: User, organization: Organization, data: dict
) -> Organization:
    """The department's edit (Wagtail admin): profile fields and `verified`."""
    if not actor.has_perm("startups.change_organization"):
        raise PermissionDenied(_("Only department staff edit organisations here."))
    organization = _lock(organization)
    data = dict(data)
    verified = data.pop("verified", None)
    _update_fields(actor=actor, organization=organization, data=data)
    if verified is not None and verified != organization.verified:
        organization_verify(actor=actor, organization=organization, verified=verified)
    return organization


def _update_fields(*, actor, organization, data):
    before = _snapshot(organization, ORGANIZATION_FIELDS)
    _apply_fields(organization, data)
    after = _snapshot(organization, ORGANIZATION_FIELDS)
    changed = {
        name: {"from": before[name], "to": after[name]}
        for name in after
        if before[name] != after[name]
    }
    if not changed:
        return organization
    unverified = organization.verified and any(name in changed for name in VERIFIED_FACTS)
    if unverified:
        organization.verified = False
        organization.verified_at = None
        organization.verified_by = None
    _save_organization(organization)
    audit_record(
        actor=actor,
        action="organization.update",
        obj=organization,
        data={"changed": changed, **({"verification_withdrawn": True} if unverified else {})},
    )
    return organization


@transaction.atomic
def organization_verify(
    *, actor: User, organization: Organization, verified: bool = True, note: str = ""
) -> Organization:
    """The department confirms (or withdraws) that the organisation is who it says."""
    if not actor.has_perm("startups.change_organization"):
        raise PermissionDenied(_("Only department staff verify organisations."))
    organization = _lock(organization)
    if organization.verified == verified:
        return organization
    organization.verified = verified
    organization.verified_at = timezone.now() if verified else None
    organization.verified_by = actor if verified else None
    organization.save(update_fields=["verified", "verified_at", "verified_by", "updated_at"])
    audit_record(
        actor=actor,
        action="organization.verify" if verified else "organization.unverify",
        obj=organization,
        data={"from": not verified, "to": verified, "note": note},
    )
    return organization


@transaction.atomic
def organization_set_logo(*, actor: User, organization: Organization, upload) -> Organization:
    """Replace the logo with a re-encoded copy of `upload` and its thumbnail. A file that
    is not a safe image raises ValidationError({"logo": ...}) and nothing is stored."""
    organization = _lock(organization)
    _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    try:
        processed = process_image(
            upload,
            max_bytes=LOGO_MAX_BYTES,
            max_side=LOGO_MAX_SIDE,
            thumbnail_side=LOGO_THUMBNAIL_SIDE,
        )
    except ValidationError as error:
        raise ValidationError({"logo": error.messages}) from None
    old = [organization.logo.name, organization.logo_thumbnail.name]
    organization.logo.save(processed.image.name, processed.image, save=False)
    organization.logo_thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
    organization.save(update_fields=["logo", "logo_thumbnail", "updated_at"])
    _delete_files_on_commit(organization.logo.storage, old)
    audit_record(
        actor=actor,
        action="organization.logo",
        obj=organization,
        data={"width": processed.width, "height": processed.height},
    )
    return organization


@transaction.atomic
def organization_remove_logo(*, actor: User, organization: Organization) -> Organization:
    organization = _lock(organization)
    _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    if not organization.logo:
        return organization
    old = [organization.logo.name, organization.logo_thumbnail.name]
    organization.logo = organization.logo_thumbnail = ""
    organization.save(update_fields=["logo", "logo_thumbnail", "updated_at"])
    _delete_files_on_commit(organization.logo.storage, old)
    audit_record(actor=actor, action="organization.logo_removed", obj=organization)
    return organization


# Startup profiles


@transaction.atomic
def startup_profile_update(
    *, actor: User, organization: Organization, data: dict
) -> StartupProfile:
    """Create or change a startup's profile (stage, founders, team, funding raised)."""
    organization = _lock(organization)
    _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    if organization.kind != OrganizationKind.STARTUP:
        raise ValidationError({"kind": [_("Only startups have a startup profile.")]})
    profile = StartupProfile.objects.filter(organization=organization).first()
    creating = profile is None
    if creating:
        profile = StartupProfile(organization=organization)
    before = _snapshot(profile, STARTUP_PROFILE_FIELDS)
    for name in STARTUP_PROFILE_FIELDS:
        if name in data:
            setattr(profile, name, data[name])
    after = _snapshot(profile, STARTUP_PROFILE_FIELDS)
    changed = {n: {"from": before[n], "to": after[n]} for n in after if before[n] != after[n]}
    if not creating and not changed:
        return profile
    profile.full_clean()
    profile.save()
    audit_record(
        actor=actor,
        action="startup_profile.create" if creating else "startup_profile.update",
        obj=organization,
        data={"changed": changed},
    )
    return profile


@transaction.atomic
def startup_pitch_deck_set(*, actor: User, organization: Organization, upload) -> StartupProfile:
    """Store a private PDF pitch deck (checked from its content) with its SHA-256."""
    organization = _lock(organization)
    _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    profile = StartupProfile.objects.filter(organization=organization).first()
    if profile is None:
        raise ValidationError({"pitch_deck": [_("Fill in the startup profile first.")]})
    try:
        check_pdf(upload, max_bytes=PITCH_DECK_MAX_BYTES)
    except ValidationError as error:
        raise ValidationError({"pitch_deck": error.messages}) from None
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    old = profile.pitch_deck.name
    profile.pitch_deck.save(random_name("pdf"), upload, save=False)
    profile.pitch_deck_sha256 = digest.hexdigest()
    profile.save(update_fields=["pitch_deck", "pitch_deck_sha256", "updated_at"])
    _delete_files_on_commit(profile.pitch_deck.storage, [old])
    audit_record(
        actor=actor,
        action="startup_profile.pitch_deck",
        obj=organization,
        data={"sha256": profile.pitch_deck_sha256, "bytes": upload.size},
    )
    return profile


# Invitations


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    organization: Organization,
    email: str,
    role: str = MembershipRole.MEMBER,
    language: str | None = None,
) -> tuple[Invitation, str]:
    """Invite `email` to join; returns the invitation and its token (sent by e-mail,
    never stored). The e-mail goes out in the invitee's language: their account's if
    they have one, else `language`, else the inviter's current language."""
    organization = _lock(organization)
    actor_role = _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    email = User.objects.normalize_email(email).strip().lower()
    if role not in MembershipRole.values:
        raise ValidationError({"role": [_("Choose owner, admin or member.")]})
    if role == MembershipRole.OWNER and actor_role != MembershipRole.OWNER:
        raise PermissionDenied(_("Only an owner can invite another owner."))
    if organization.memberships.filter(user__email__iexact=email).exists():
        raise ValidationError({"email": [_("This person is already a member.")]})
    now = timezone.now()
    open_invitations = Invitation.objects.select_for_update().filter(
        organization=organization, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for previous in open_invitations:
        if previous.expires_at > now:
            raise ValidationError(
                {"email": [_("An invitation to this address is already pending.")]}
            )
        # An expired invitation is closed so that a new one can be sent.
        previous.revoked_at = now
        previous.save(update_fields=["revoked_at"])
    invitee = User.objects.filter(email__iexact=email).only("preferred_language").first()
    language = invitee.preferred_language if invitee else language
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
        language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        language=language,
        token_hash=invitation_token_hash(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + INVITATION_TTL,
    )
    audit_record(
        actor=actor,
        action="invitation.create",
        obj=organization,
        data={"invitation": invitation.pk, "email": email, "role": role},
    )
    transaction.on_commit(lambda: _send_invitation(invitation.pk, token))
    return invitation, token


def invitation_url(token: str, language: str) -> str:
    with translation.override(language):
        path = reverse("dashboard:invitation", kwargs={"token": token})
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _send_invitation(invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.select_related("organization", "invited_by").get(
        pk=invitation_id
    )
    with translation.override(invitation.language):
        context = {
            "invitation": invitation,
            "organization": invitation.organization,
            "inviter": invitation.invited_by,
            "role": invitation.get_role_display(),
            "url": invitation_url(token, invitation.language),
            "expires_at": invitation.expires_at,
        }
        subject = render_to_string("startups/email/invitation_subject.txt", context)
        body = render_to_string("startups/email/invitation_message.txt", context)
        html = render_to_string("startups/email/invitation_message.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=body, to=[invitation.email]
    )
    message.attach_alternative(html, "text/html")
    message.send()


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _require_role(actor, invitation.organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    if invitation.accepted_at:
        raise Conflict(_("This invitation has already been accepted."))
    if invitation.revoked_at:
        return invitation
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="invitation.revoke",
        obj=invitation.organization,
        data={"invitation": invitation.pk, "email": invitation.email},
    )
    return invitation


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


@transaction.atomic
def invitation_accept(*, user: User, token: str) -> Membership:
    """Join the organisation the token invites to. Single use, before it expires, and
    only for the address it was sent to. Raises Invitation.DoesNotExist for an unknown
    token, PermissionDenied for another address, Conflict for a used, revoked or
    expired one."""
    invitation = Invitation.objects.select_for_update().get(token_hash=invitation_token_hash(token))
    membership = _invitation_accept(user, invitation)
    _verify_address_by_token(user, invitation.email)
    return membership


def _verify_address_by_token(user: User, email: str) -> None:
    """The token reached the invitee only through that mailbox: it proves the address as
    allauth's confirmation link would, so a colleague who signs up from an invitation is
    not sent a second e-mail to click before they may submit."""
    from allauth.account.models import EmailAddress

    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        address = EmailAddress(user=user, email=email, primary=True)
    elif address.verified:
        return
    address.verified = True
    address.save()
    user.__dict__.pop("_email_verified", None)
    audit_record(actor=user, action="email.verified_by_invitation", obj=user)


@transaction.atomic
def invitation_accept_own(*, user: User, invitation_id: int) -> Membership:
    """Accept, from the dashboard, an invitation addressed to the user's own e-mail
    address. The token exists only in the e-mail, so a verified address stands in for it
    (an unverified one proves nothing about who reads that mailbox). Raises as
    `invitation_accept` does, and PermissionDenied while the address is unverified."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    _require_verified_addressee(user, invitation)
    return _invitation_accept(user, invitation)


@transaction.atomic
def invitation_decline(*, user: User, invitation_id: int) -> Invitation:
    """The invitee turns a pending invitation down; it is closed as a revoked one is."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation_id)
    _require_verified_addressee(user, invitation)
    _require_pending(invitation, timezone.now())
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=user,
        action="invitation.decline",
        obj=invitation.organization,
        data={"invitation": invitation.pk, "email": invitation.email},
    )
    return invitation


def _require_verified_addressee(user: User, invitation: Invitation) -> None:
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address."))
    if not is_email_verified(user):
        raise PermissionDenied(
            _("Verify your e-mail address first, or open the link in the invitation e-mail.")
        )


def _require_pending(invitation: Invitation, now) -> None:
    if invitation.accepted_at:
        raise Conflict(_("This invitation has already been used."))
    if invitation.revoked_at:
        raise Conflict(_("This invitation has been withdrawn."))
    if invitation.expires_at <= now:
        raise Conflict(_("This invitation has expired; ask for a new one."))


def _invitation_accept(user: User, invitation: Invitation) -> Membership:
    if invitation.email.lower() != user.email.lower():
        raise PermissionDenied(
            _(
                "This invitation was sent to another e-mail address. Log in with that address "
                "to accept it."
            )
        )
    now = timezone.now()
    _require_pending(invitation, now)
    organization = _lock(invitation.organization)
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": invitation.role, "joined_at": now}
    )
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        actor=user,
        action="invitation.accept",
        obj=organization,
        data={"invitation": invitation.pk, "role": membership.role, "new_member": created},
    )
    return membership


# Memberships


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Owners change anyone's role; admins move people between member and admin. The
    organisation always keeps an owner."""
    if role not in MembershipRole.values:
        raise ValidationError({"role": [_("Choose owner, admin or member.")]})
    organization = _lock(membership.organization)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    actor_role = _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
    if membership.role == role:
        return membership
    touches_owner = MembershipRole.OWNER in {membership.role, role}
    if touches_owner and actor_role != MembershipRole.OWNER:
        raise PermissionDenied(_("Only an owner can make or unmake an owner."))
    if membership.role == MembershipRole.OWNER:
        _keep_an_owner(organization, leaving=membership)
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        action="membership.role",
        obj=organization,
        data={"member": membership.user_id, "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove a member, or leave (a member removing themselves). Owners remove anyone,
    admins remove members and admins; the last owner can neither leave nor be removed."""
    organization = _lock(membership.organization)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    leaving = membership.user_id == actor.pk
    if not leaving:
        actor_role = _require_role(actor, organization, MembershipRole.OWNER, MembershipRole.ADMIN)
        if membership.role == MembershipRole.OWNER and actor_role != MembershipRole.OWNER:
            raise PermissionDenied(_("Only an owner can remove an owner."))
    if membership.role == MembershipRole.OWNER:
        _keep_an_owner(organization, leaving=membership)
    membership.delete()
    audit_record(
        actor=actor,
        action="membership.leave" if leaving else "membership.remove",
        obj=organization,
        data={"member": membership.user_id, "role": membership.role},
    )


def _keep_an_owner(organization: Organization, *, leaving: Membership) -> None:
    # The organisation row is locked by the caller, so two owners stepping down at once
    # are serialised and the second sees the first one gone.
    others = (
        Membership.objects.filter(organization=organization, role=MembershipRole.OWNER)
        .exclude(pk=leaving.pk)
        .exists()
    )
    if not others:
        raise Conflict(
            _("An organisation must keep at least one owner: make someone else an owner first.")
        )


# Helpers


def _lock(organization: Organization) -> Organization:
    """The organisation's row, locked until the transaction ends (a no-op on SQLite,
    whose transactions already hold the write lock)."""
    # The caller's `my_role` annotation is not carried over: it was read before the lock,
    # and a role changed meanwhile (two owners demoting each other) must be seen, so the
    # role checks that follow read it again under the lock.
    return Organization.objects.select_for_update().get(pk=organization.pk)


def _require_role(actor: User, organization: Organization, *roles: str) -> str:
    role = role_of(actor, organization)
    if role not in roles:
        raise PermissionDenied(_("Your role in this organisation does not allow this."))
    return role


def _apply_fields(organization: Organization, data: dict) -> None:
    unknown = set(data) - set(ORGANIZATION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    for name in ORGANIZATION_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(organization, name, value)
    if organization.tax_code:
        try:
            organization.tax_code = normalize_tax_code(organization.tax_code)
        except ValidationError as error:
            raise ValidationError({"tax_code": error.messages}) from None
    else:
        organization.tax_code = None
    if organization.kind in KINDS_REQUIRING_TAX_CODE and not organization.tax_code:
        raise ValidationError(
            {"tax_code": [_("Enterprises and startups must give their tax code.")]}
        )


def _save_organization(organization: Organization) -> None:
    organization.full_clean()
    try:
        # A savepoint: a duplicate tax code that slipped past full_clean (two firms
        # registering at once) becomes a field error, not a broken transaction.
        with transaction.atomic():
            organization.save()
    except IntegrityError:
        if (
            Organization.objects.filter(tax_code=organization.tax_code)
            .exclude(pk=organization.pk)
            .exists()
        ):
            raise ValidationError(
                {"tax_code": [_("An organisation with this tax code is already registered.")]}
            ) from None
        raise


def _snapshot(instance, fields) -> dict:
    return {name: getattr(instance, name) for name in fields}


def _delete_files_on_commit(storage, names) -> None:
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for name in names])
