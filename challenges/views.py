"""Proposals in the applicant dashboard (/dashboard/proposals/): server-rendered pages
calling the same services as the API.

Proposals are looked up through `proposals_for_user`, so another organisation's
proposal, and its files, are a 404. Writes are POST-only; a service's ValidationError
lands on the form's fields (400), a refusal of the role or of an unverified address is a
403 page, and what the state or the clock forbids (a late submit, a sent proposal's
edit) shows the service's message with a 409.
"""

from __future__ import annotations

import math
from functools import wraps

from anyascii import anyascii
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from challenges import services
from challenges.enums import ChallengeStatus, ProposalStatus
from challenges.forms import AttachmentForm, ProposalForm, WithdrawForm
from challenges.models import Attachment, Challenge
from challenges.selectors import challenges_public, proposals_for_user
from cms.selectors import attach_challenge_pages
from portal.errors import Conflict
from portal.markdown import render_markdown
from portal.storage import private_file_response
from startups.forms import add_service_errors
from startups.selectors import organizations_for_user

TEMPLATES = "challenges/dashboard/"
PER_PAGE = 50

# The list's tabs: which statuses each shows.
FILTERS = {
    "drafts": [ProposalStatus.DRAFT],
    "sent": [
        ProposalStatus.SUBMITTED,
        ProposalStatus.UNDER_REVIEW,
        ProposalStatus.SHORTLISTED,
        ProposalStatus.NOT_SELECTED,
        ProposalStatus.WINNER,
    ],
    "withdrawn": [ProposalStatus.WITHDRAWN],
}


def _refused(request, message: str, *, status: int, proposal=None):
    return render(
        request,
        TEMPLATES + "refused.html",
        {"message": message, "proposal": proposal},
        status=status,
    )


def _handle_refusals(view):
    """A refusal raised by a service becomes a page that says why: PermissionDenied a
    403, Conflict (the state or the clock) a 409."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            return _refused(request, str(error) or _("You may not do this."), status=403)
        except Conflict as error:
            return _refused(request, error.message, status=409)

    return wrapped


def _proposal_or_404(request, pk: int, *, with_attachments: bool = True):
    return get_object_or_404(
        proposals_for_user(user=request.user, with_attachments=with_attachments), pk=pk
    )


def _deadline_context(challenge: Challenge, now) -> dict:
    remaining = challenge.closes_at - now
    return {
        "deadline": services.local_time(challenge.closes_at),
        "is_open": challenge.opens_at <= now < challenge.closes_at,
        "days_left": remaining.days,
        # "less than N hours left" in the last day: N rounded up, never 0.
        "hours_left": max(1, math.ceil(remaining.total_seconds() / 3600)),
    }


# The list


@never_cache
@login_required
@require_GET
def proposal_list(request):
    show = request.GET.get("show", "")
    proposals = proposals_for_user(user=request.user, with_attachments=False).annotate(
        attachments_count=Count("attachments")
    )
    if show in FILTERS:
        proposals = proposals.filter(status__in=FILTERS[show])
    else:
        show = ""
    page = Paginator(proposals, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Every row has its own challenge object: each gets its page (one query for all).
    attach_challenge_pages([row.challenge for row in rows], request=request)
    # Per-row work done once for the page: one reverse() as a pattern, one label table,
    # the deadline formatted in Python rather than by a template filter per row.
    pattern = reverse("dashboard:proposal", args=[0]).removesuffix("0/")
    labels = dict(ProposalStatus.choices)
    now = timezone.now()
    for row in rows:
        row.url = f"{pattern}{row.pk}/"
        row.receipt_url = f"{row.url}receipt/" if row.reference else ""
        row.status_label = labels.get(row.status, row.status)
        if row.status == ProposalStatus.DRAFT:
            closes = row.challenge.closes_at
            row.deadline_note = (
                _("closes %(date)s")
                % {"date": date_format(timezone.localtime(closes), "SHORT_DATETIME_FORMAT")}
                if closes > now
                else _("closed")
            )
    return render(
        request,
        TEMPLATES + "proposal_list.html",
        {"page_obj": page, "proposals": rows, "show": show},
    )


# Drafts


def _open_challenge_or_refuse(request, code: str | None):
    challenge = (
        challenges_public().filter(code=code).prefetch_related("tracks").first() if code else None
    )
    if challenge is None:
        raise Http404
    return challenge


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@_handle_refusals
def proposal_create(request):
    code = request.GET.get("challenge") or request.POST.get("challenge")
    if not code:
        return _choose_challenge(request)
    challenge = _open_challenge_or_refuse(request, code)
    now = timezone.now()
    if challenge.status != ChallengeStatus.OPEN:
        if now < challenge.opens_at:
            message = _("This call opens at %(opens)s; it does not take proposals yet.") % {
                "opens": services.local_time(challenge.opens_at)
            }
        else:
            message = _("The deadline has passed: this call closed at %(deadline)s.") % {
                "deadline": services.local_time(challenge.closes_at)
            }
        return _refused(request, message, status=409)
    organizations = organizations_for_user(user=request.user)
    organization_list = list(organizations)
    if not organization_list:
        return render(
            request,
            TEMPLATES + "no_organization.html",
            {"challenge": challenge, "next": request.get_full_path()},
        )
    tracks = list(challenge.tracks.all())
    form = ProposalForm(
        request.POST or None,
        challenge=challenge,
        tracks=tracks,
        organizations=organizations,
        initial={"organization": organization_list[0]} if len(organization_list) == 1 else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.proposal_create(
                actor=request.user,
                organization=form.cleaned_data["organization"],
                challenge=challenge,
                data=form.proposal_data(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The draft is saved. Add your documents, then submit it before the deadline."),
            )
            return redirect("dashboard:proposal", pk=proposal.pk)
    attach_challenge_pages([challenge], request=request)
    return render(
        request,
        TEMPLATES + "proposal_form.html",
        {"form": form, "challenge": challenge, **_deadline_context(challenge, now)},
        status=400 if form.errors else 200,
    )


def _choose_challenge(request):
    """No call named: the open ones to choose from."""
    now = timezone.now()
    challenges = attach_challenge_pages(
        challenges_public(now=now)
        .filter(current_status=ChallengeStatus.OPEN)
        .order_by("closes_at"),
        request=request,
    )
    for challenge in challenges:
        challenge.deadline = services.local_time(challenge.closes_at)
    return render(request, TEMPLATES + "choose_challenge.html", {"challenges": challenges})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@_handle_refusals
def proposal_edit(request, pk: int):
    proposal = _proposal_or_404(request, pk, with_attachments=False)
    if proposal.status != ProposalStatus.DRAFT and request.method == "GET":
        return redirect("dashboard:proposal", pk=proposal.pk)
    challenge = proposal.challenge
    form = ProposalForm(
        request.POST or None,
        challenge=challenge,
        tracks=list(challenge.tracks.all()),
        initial=ProposalForm.initial_for(proposal),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_update(
                actor=request.user, proposal=proposal, data=form.proposal_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("dashboard:proposal", pk=proposal.pk)
    now = timezone.now()
    attach_challenge_pages([challenge], request=request)
    return render(
        request,
        TEMPLATES + "proposal_form.html",
        {
            "form": form,
            "challenge": challenge,
            "proposal": proposal,
            **_deadline_context(challenge, now),
        },
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
@require_POST
@_handle_refusals
def proposal_delete(request, pk: int):
    proposal = _proposal_or_404(request, pk)
    services.proposal_delete(actor=request.user, proposal=proposal)
    messages.success(request, _("The draft “%(title)s” is deleted.") % {"title": proposal.title})
    return redirect("dashboard:proposals")


# One proposal


def _render_detail(
    request, proposal, *, status=200, attachment_form=None, withdraw_form=None, submit_errors=None
):
    now = timezone.now()
    challenge = proposal.challenge
    attach_challenge_pages([challenge], request=request)
    is_draft = proposal.status == ProposalStatus.DRAFT
    context = {
        "proposal": proposal,
        "challenge": challenge,
        "attachments": list(proposal.attachments.all()),
        "description_html": render_markdown(proposal.description),
        "is_draft": is_draft,
        "can_withdraw": proposal.status == ProposalStatus.SUBMITTED and now < challenge.closes_at,
        "submitted_at": services.local_time(proposal.submitted_at) if proposal.submitted_at else "",
        **_deadline_context(challenge, now),
    }
    if is_draft:
        context["problems"] = submit_errors or services.proposal_submit_problems(
            actor=request.user, proposal=proposal, now=now
        )
        context["attachment_form"] = attachment_form or AttachmentForm()
    elif context["can_withdraw"]:
        context["withdraw_form"] = withdraw_form or WithdrawForm()
    return render(request, TEMPLATES + "proposal_detail.html", context, status=status)


@never_cache
@login_required
@require_GET
def proposal_detail(request, pk: int):
    return _render_detail(request, _proposal_or_404(request, pk))


@never_cache
@login_required
@require_POST
@_handle_refusals
def attachment_add(request, pk: int):
    proposal = _proposal_or_404(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=request.user,
                proposal=proposal,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("“%(name)s” is attached.") % {"name": attachment.display_name}
            )
            return redirect("dashboard:proposal", pk=proposal.pk)
    return _render_detail(request, proposal, status=400, attachment_form=form)


@never_cache
@login_required
@require_POST
@_handle_refusals
def attachment_delete(request, pk: int, attachment_id: int):
    attachment = _attachment_or_404(request, pk, attachment_id)
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("“%(name)s” is removed.") % {"name": attachment.display_name})
    return redirect("dashboard:proposal", pk=pk)


def _attachment_or_404(request, pk: int, attachment_id: int) -> Attachment:
    proposal = _proposal_or_404(request, pk, with_attachments=False)
    attachment = get_object_or_404(Attachment.objects.filter(proposal=proposal), pk=attachment_id)
    attachment.proposal = proposal
    return attachment


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def attachment_file(request, pk: int, attachment_id: int):
    """The file, to the organisation's members only."""
    attachment = _attachment_or_404(request, pk, attachment_id)
    return private_file_response(
        attachment.file, filename=attachment.display_name, content_type=attachment.content_type
    )


# Transitions


@never_cache
@login_required
@require_POST
@_handle_refusals
def proposal_submit(request, pk: int):
    proposal = _proposal_or_404(request, pk)
    try:
        proposal = services.proposal_submit(actor=request.user, proposal=proposal)
    except ValidationError as error:
        problems = [message for messages_ in error.message_dict.values() for message in messages_]
        return _render_detail(request, proposal, status=400, submit_errors=problems)
    messages.success(
        request,
        _(
            "Your proposal is submitted with the reference %(reference)s. A receipt is on its way "
            "to your e-mail."
        )
        % {"reference": proposal.reference},
    )
    return redirect("dashboard:proposal_receipt", pk=proposal.pk)


@never_cache
@login_required
@require_POST
@_handle_refusals
def proposal_withdraw(request, pk: int):
    proposal = _proposal_or_404(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, proposal, status=400, withdraw_form=form)
    services.proposal_withdraw(
        actor=request.user, proposal=proposal, note=form.cleaned_data["note"]
    )
    messages.success(
        request,
        _("Your proposal %(reference)s is withdrawn. The department will not review it.")
        % {"reference": proposal.reference},
    )
    return redirect("dashboard:proposal", pk=proposal.pk)


# The receipt


def _sent_proposal_or_404(request, pk: int):
    proposal = _proposal_or_404(request, pk)
    if proposal.reference is None:
        raise Http404
    return proposal


@never_cache
@login_required
@require_GET
def proposal_receipt(request, pk: int):
    """The receipt, to print or keep: reference, time, hash, and what the hash covers."""
    proposal = _sent_proposal_or_404(request, pk)
    return render(
        request,
        TEMPLATES + "receipt.html",
        {
            "proposal": proposal,
            "challenge": proposal.challenge,
            "attachments": sorted(proposal.attachments.all(), key=lambda a: (a.sha256, a.kind)),
            "submitted_at": services.local_time(proposal.submitted_at),
            "receipt_format": services.RECEIPT_FORMAT,
        },
    )


@never_cache
@login_required
@require_GET
def proposal_receipt_file(request, pk: int):
    """The exact bytes the receipt's SHA-256 was computed over: `sha256sum` of this file
    prints the receipt's hash, for as long as the proposal is unchanged."""
    proposal = _sent_proposal_or_404(request, pk)
    name = slugify(anyascii(proposal.reference)) or "proposal"
    response = HttpResponse(
        services.proposal_canonical_form(proposal), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-receipt.json"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
