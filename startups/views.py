"""The applicant dashboard (/dashboard/): server-rendered pages calling the services.

Every organisation is looked up through `organizations_for_user`, so another
organisation's pages are a 404. Writes are POST-only and go through `startups.services`;
their ValidationErrors land on the form's fields (status 400), a role that may not act
gets a 403 page, and a state that forbids the action (the last owner leaving, a used
invitation) shows the service's message with a 409.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import quote

import rules
from anyascii import anyascii
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.errors import Conflict
from portal.rules import is_email_verified
from startups import services
from startups.enums import (
    KINDS_REQUIRING_TAX_CODE,
    InvitationStatus,
    MembershipRole,
    OrganizationKind,
)
from startups.forms import (
    InvitationForm,
    LogoForm,
    OrganizationForm,
    PitchDeckForm,
    StartupProfileForm,
    add_service_errors,
)
from startups.models import Invitation, Membership, Organization, StartupProfile
from startups.rules import is_reviewing_staff
from startups.selectors import (
    invitations_for_email,
    organization_invitations,
    organization_memberships,
    organizations_for_user,
)

TEMPLATES = "startups/dashboard/"


def _organization_or_404(request, pk: int) -> Organization:
    return get_object_or_404(organizations_for_user(user=request.user), pk=pk)


def _abilities(user, organization: Organization) -> dict:
    """What the caller may do here, from the annotated role (no query)."""
    return {
        "edit": rules.has_perm("startups.edit_org", user, organization),
        "invite": rules.has_perm("startups.invite_to_org", user, organization),
        "manage": rules.has_perm("startups.manage_members", user, organization),
        "view_pitch_deck": rules.has_perm("startups.view_pitch_deck", user, organization),
        "is_owner": organization.my_role == MembershipRole.OWNER,
    }


def _startup_profile(organization: Organization) -> StartupProfile | None:
    try:
        return organization.startup_profile
    except StartupProfile.DoesNotExist:
        return None


def _refused(request, message: str, *, status: int = 403, organization=None):
    return render(
        request,
        TEMPLATES + "refused.html",
        {"message": message, "organization": organization},
        status=status,
    )


def _role_label(role: str) -> str:
    return MembershipRole(role).label if role in MembershipRole.values else role


# Home


@never_cache
@login_required
def home(request):
    organizations = list(organizations_for_user(user=request.user))
    for organization in organizations:
        organization.my_role_label = _role_label(organization.my_role)
    invitations = list(invitations_for_email(email=request.user.email))
    return render(
        request,
        TEMPLATES + "home.html",
        {
            "organizations": organizations,
            "invitations": invitations,
            "email_verified": is_email_verified(request.user),
        },
    )


# Organisations


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is registered and you are its owner.")
                % {"name": organization.display_name},
            )
            return redirect("dashboard:organization", pk=organization.pk)
    return render(
        request,
        TEMPLATES + "organization_form.html",
        {"form": form, "kinds_requiring_tax_code": KINDS_REQUIRING_TAX_CODE},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def organization_detail(request, pk: int):
    organization = _organization_or_404(request, pk)
    can = _abilities(request.user, organization)
    memberships = list(organization_memberships(organization=organization))
    invitations = []
    if can["invite"]:
        now = timezone.now()
        invitations = [
            invitation
            for invitation in organization_invitations(organization=organization, open_only=True)
            if invitation.status_at(now) == InvitationStatus.PENDING
        ]
    return render(
        request,
        TEMPLATES + "organization_detail.html",
        {
            "organization": organization,
            "my_role_label": _role_label(organization.my_role),
            "can": can,
            "memberships": memberships,
            "invitations": invitations,
            "profile": _startup_profile(organization),
        },
    )


def _render_edit(request, organization, *, status=200, **forms):
    profile = _startup_profile(organization)
    context = {
        "organization": organization,
        "can": _abilities(request.user, organization),
        "profile": profile,
        "is_startup": organization.kind == OrganizationKind.STARTUP,
        "kinds_requiring_tax_code": KINDS_REQUIRING_TAX_CODE,
        "form": forms.get("form")
        or OrganizationForm(initial=OrganizationForm.initial_for(organization)),
        "logo_form": forms.get("logo_form") or LogoForm(),
        "startup_form": forms.get("startup_form")
        or StartupProfileForm(initial=StartupProfileForm.initial_for(profile)),
        "pitch_deck_form": forms.get("pitch_deck_form") or PitchDeckForm(),
    }
    return render(request, TEMPLATES + "organization_edit.html", context, status=status)


def _save_edit_form(request, organization, name, form, save, *, success, then):
    """One form of the edit page: valid input goes to the service, whose field errors
    land on the form (re-rendered with 400, nothing written); success redirects."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(then, pk=organization.pk)
    return _render_edit(request, organization, status=400, **{name: form})


def _editable_organization_or_refuse(request, pk):
    organization = _organization_or_404(request, pk)
    if not rules.has_perm("startups.edit_org", request.user, organization):
        raise PermissionDenied
    return organization


def _handle_refusals(view):
    """Turn a PermissionDenied (raised before or by a service) into the friendly 403
    page, and a Conflict into a 409 with the service's message."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            message = str(error) or _("Your role in this organisation does not allow this.")
            return _refused(request, message)
        except Conflict as error:
            return _refused(request, error.message, status=409)

    return wrapped


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@_handle_refusals
def organization_edit(request, pk: int):
    organization = _editable_organization_or_refuse(request, pk)
    if request.method == "GET":
        return _render_edit(request, organization)
    return _save_edit_form(
        request,
        organization,
        "form",
        OrganizationForm(request.POST),
        lambda data: services.organization_update(
            actor=request.user, organization=organization, data=data
        ),
        success=_("The profile is saved."),
        then="dashboard:organization",
    )


@never_cache
@login_required
@require_POST
@_handle_refusals
def organization_logo(request, pk: int):
    organization = _editable_organization_or_refuse(request, pk)
    return _save_edit_form(
        request,
        organization,
        "logo_form",
        LogoForm(request.POST, request.FILES),
        lambda data: services.organization_set_logo(
            actor=request.user, organization=organization, upload=data["logo"]
        ),
        success=_("The new logo is saved."),
        then="dashboard:organization_edit",
    )


@never_cache
@login_required
@require_POST
@_handle_refusals
def organization_logo_remove(request, pk: int):
    organization = _editable_organization_or_refuse(request, pk)
    services.organization_remove_logo(actor=request.user, organization=organization)
    messages.success(request, _("The logo is removed."))
    return redirect("dashboard:organization_edit", pk=organization.pk)


@never_cache
@login_required
@require_POST
@_handle_refusals
def startup_profile(request, pk: int):
    organization = _editable_organization_or_refuse(request, pk)
    return _save_edit_form(
        request,
        organization,
        "startup_form",
        StartupProfileForm(request.POST),
        lambda data: services.startup_profile_update(
            actor=request.user, organization=organization, data=data
        ),
        success=_("The startup profile is saved."),
        then="dashboard:organization",
    )


@never_cache
@login_required
@require_POST
@_handle_refusals
def pitch_deck_upload(request, pk: int):
    organization = _editable_organization_or_refuse(request, pk)
    return _save_edit_form(
        request,
        organization,
        "pitch_deck_form",
        PitchDeckForm(request.POST, request.FILES),
        lambda data: services.startup_pitch_deck_set(
            actor=request.user, organization=organization, upload=data["pitch_deck"]
        ),
        success=_("The pitch deck is saved."),
        then="dashboard:organization_edit",
    )


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def pitch_deck(request, pk: int):
    """The private PDF, to members and the department's reviewing staff only."""
    organization = organizations_for_user(user=request.user).filter(pk=pk).first()
    if organization is None and is_reviewing_staff.test(request.user):
        organization = Organization.objects.select_related("startup_profile").filter(pk=pk).first()
    if organization is None or not rules.has_perm(
        "startups.view_pitch_deck", request.user, organization
    ):
        raise Http404
    profile = _startup_profile(organization)
    if profile is None or not profile.pitch_deck:
        raise Http404
    name = slugify(anyascii(organization.display_name)) or "organisation"
    response = FileResponse(
        profile.pitch_deck.open("rb"),
        as_attachment=True,
        filename=f"{name}-pitch-deck.pdf",
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Members and invitations


def _render_members(request, organization, *, invite_form=None, error=None, status=200):
    can = _abilities(request.user, organization)
    memberships = list(organization_memberships(organization=organization))
    role_choices = [
        choice
        for choice in MembershipRole.choices
        if can["is_owner"] or choice[0] != MembershipRole.OWNER
    ]
    for membership in memberships:
        membership.is_me = membership.user_id == request.user.pk
        # Admins move people between member and admin; owners' rows are the owners'.
        membership.can_change = can["manage"] and (
            can["is_owner"] or membership.role != MembershipRole.OWNER
        )
    invitations = []
    if can["invite"]:
        now = timezone.now()
        invitations = list(organization_invitations(organization=organization, open_only=True))
        for invitation in invitations:
            invitation.current_status = invitation.status_at(now)
    if invite_form is None and can["invite"]:
        invite_form = InvitationForm(can_invite_owner=can["is_owner"])
    return render(
        request,
        TEMPLATES + "members.html",
        {
            "organization": organization,
            "can": can,
            "memberships": memberships,
            "role_choices": role_choices,
            "invitations": invitations,
            "invite_form": invite_form,
            "error": error,
        },
        status=status,
    )


def _members_action(service):
    """Run `service()`; on a refusal render the members page with its message."""

    def run(request, organization, success_message, *, redirect_to=None):
        try:
            service()
        except ValidationError as error:
            return _render_members(
                request, organization, error=" ".join(error.messages), status=400
            )
        except PermissionDenied as error:
            message = str(error) or _("Your role in this organisation does not allow this.")
            return _render_members(request, organization, error=message, status=403)
        except Conflict as error:
            return _render_members(request, organization, error=error.message, status=409)
        messages.success(request, success_message)
        return redirect(redirect_to or reverse("dashboard:members", args=[organization.pk]))

    return run


@never_cache
@login_required
def members(request, pk: int):
    organization = _organization_or_404(request, pk)
    return _render_members(request, organization)


@never_cache
@login_required
@require_POST
def invite(request, pk: int):
    organization = _organization_or_404(request, pk)
    can = _abilities(request.user, organization)
    if not can["invite"]:
        return _refused(
            request,
            _("Only owners and administrators invite people."),
            organization=organization,
        )
    form = InvitationForm(request.POST, can_invite_owner=can["is_owner"])
    if form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                actor=request.user,
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                language=form.cleaned_data["language"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except PermissionDenied as error:
            form.add_error("role", str(error))
        else:
            messages.success(
                request,
                _("An invitation has been sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("dashboard:members", pk=organization.pk)
    return _render_members(request, organization, invite_form=form, status=400)


@never_cache
@login_required
@require_POST
def invitation_revoke(request, pk: int, invitation_id: int):
    organization = _organization_or_404(request, pk)
    invitation = get_object_or_404(
        Invitation.objects.select_related("organization"),
        pk=invitation_id,
        organization=organization,
    )
    return _members_action(
        lambda: services.invitation_revoke(actor=request.user, invitation=invitation)
    )(
        request,
        organization,
        _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email},
    )


def _membership_or_404(organization, membership_id) -> Membership:
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organization=organization
    )
    # The service reads the caller's role from the annotated organisation.
    membership.organization = organization
    return membership


@never_cache
@login_required
@require_POST
def member_role(request, pk: int, membership_id: int):
    organization = _organization_or_404(request, pk)
    membership = _membership_or_404(organization, membership_id)
    role = request.POST.get("role", "")
    return _members_action(
        lambda: services.membership_change_role(
            actor=request.user, membership=membership, role=role
        )
    )(
        request,
        organization,
        _("%(person)s is now %(role)s.")
        % {"person": membership.user, "role": _role_label(role).lower()},
    )


@never_cache
@login_required
@require_POST
def member_remove(request, pk: int, membership_id: int):
    organization = _organization_or_404(request, pk)
    membership = _membership_or_404(organization, membership_id)
    if membership.user_id == request.user.pk:
        return leave(request, pk)
    return _members_action(
        lambda: services.membership_remove(actor=request.user, membership=membership)
    )(
        request,
        organization,
        _("%(person)s is no longer a member.") % {"person": membership.user},
    )


@never_cache
@login_required
@require_POST
def leave(request, pk: int):
    organization = _organization_or_404(request, pk)
    membership = get_object_or_404(Membership, organization=organization, user=request.user)
    membership.organization = organization
    return _members_action(
        lambda: services.membership_remove(actor=request.user, membership=membership)
    )(
        request,
        organization,
        _("You have left %(name)s.") % {"name": organization.display_name},
        redirect_to=reverse("dashboard:home"),
    )


# Invitations received


@never_cache
@require_http_methods(["GET", "POST"])
def invitation(request, token: str):
    """The page the invitation e-mail links to: who invites whom, as what; sign up or
    log in with the invited address, then accept."""
    invitation = services.invitation_by_token(token)
    if invitation is None:
        raise Http404
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            membership = services.invitation_accept(user=request.user, token=token)
        except Invitation.DoesNotExist:
            raise Http404 from None
        except PermissionDenied as error:
            return _invitation_page(request, invitation, error=str(error), status=403)
        except Conflict as error:
            status = 409 if invitation.accepted_at else 410
            return _invitation_page(request, invitation, error=error.message, status=status)
        messages.success(
            request,
            _("Welcome to %(name)s.") % {"name": membership.organization.display_name},
        )
        return redirect("dashboard:organization", pk=membership.organization_id)
    return _invitation_page(request, invitation)


def _invitation_page(request, invitation, *, error=None, status=None):
    user = request.user
    state = invitation.status
    wrong_address = user.is_authenticated and invitation.email.lower() != user.email.lower()
    already_member = (
        user.is_authenticated
        and invitation.accepted_by_id == user.pk
        and organizations_for_user(user=user).filter(pk=invitation.organization_id).exists()
    )
    if status is None:
        if already_member:
            status = 200
        elif state == InvitationStatus.ACCEPTED:
            status = 409
        elif state in (InvitationStatus.REVOKED, InvitationStatus.EXPIRED):
            status = 410
        elif wrong_address:
            status = 403
        else:
            status = 200
    here = quote(request.get_full_path())
    return render(
        request,
        TEMPLATES + "invitation.html",
        {
            "invitation": invitation,
            "organization": invitation.organization,
            "role_label": _role_label(invitation.role),
            "state": state,
            "statuses": InvitationStatus,
            "wrong_address": wrong_address,
            "already_member": already_member,
            "error": error,
            "signup_url": f"{reverse('account_signup')}?next={here}",
            "login_url": f"{reverse('account_login')}?next={here}",
        },
        status=status,
    )


def _own_invitation_or_404(request, pk: int) -> Invitation:
    return get_object_or_404(invitations_for_email(email=request.user.email), pk=pk)


@never_cache
@login_required
@require_POST
def invitation_accept(request, pk: int):
    """Accept, from the dashboard home, an invitation addressed to my verified e-mail."""
    invitation = _own_invitation_or_404(request, pk)
    try:
        membership = services.invitation_accept_own(user=request.user, invitation_id=pk)
    except PermissionDenied as error:
        return _refused(request, str(error))
    except Conflict as error:
        return _refused(request, error.message, status=409)
    messages.success(
        request, _("Welcome to %(name)s.") % {"name": invitation.organization.display_name}
    )
    return redirect("dashboard:organization", pk=membership.organization_id)


@never_cache
@login_required
@require_POST
def invitation_decline(request, pk: int):
    invitation = _own_invitation_or_404(request, pk)
    try:
        services.invitation_decline(user=request.user, invitation_id=pk)
    except PermissionDenied as error:
        return _refused(request, str(error))
    except Conflict as error:
        return _refused(request, error.message, status=409)
    messages.success(
        request,
        _("You declined the invitation from %(name)s.")
        % {"name": invitation.organization.display_name},
    )
    return redirect("dashboard:home")
