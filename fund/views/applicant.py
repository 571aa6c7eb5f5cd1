"""Applicants' fund pages under /dashboard/fund/applications/: server-rendered pages
calling the same services as the API.

Applications are looked up among those of the caller's organisations, so another
organisation's application, and its files, are a 404. Writes are POST-only; a service's
ValidationError lands on the form's fields (400), a refusal of the role or of an
unverified address is a 403 page, and what the state or the clock forbids (a closed call,
a sent application's edit) shows the service's message with a 409.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from challenges.enums import ProposalStatus
from challenges.models import Proposal
from challenges.services import local_time
from fund import services
from fund.enums import APPLICATION_TRANSITIONS, ApplicationStatus, CallStatus, Instrument
from fund.forms import ApplicationForm, DocumentForm, WithdrawForm
from fund.models import FundApplication, FundDocument, FundingCall
from fund.selectors import calls_public
from portal.errors import Conflict
from portal.rules import is_email_verified
from portal.storage import private_file_response
from startups.forms import add_service_errors
from startups.models import Membership
from startups.selectors import organizations_for_user

TEMPLATES = "fund/dashboard/applicant/"
PER_PAGE = 50

_S = ApplicationStatus

# The list's tabs: which statuses each shows.
FILTERS = {
    "drafts": [_S.DRAFT],
    "in_review": [_S.SUBMITTED, _S.SCREENING, _S.DUE_DILIGENCE, _S.COMMITTEE],
    "decided": [_S.APPROVED, _S.REJECTED],
    "withdrawn": [_S.WITHDRAWN],
}

# The proposal pages' badge colours, reused: grey for drafts and withdrawn ones, blue
# while the fund office works on it, green approved, red rejected.
BADGES = {
    _S.DRAFT: "badge-proposal-draft",
    _S.SUBMITTED: "badge-proposal-submitted",
    _S.SCREENING: "badge-proposal-under_review",
    _S.DUE_DILIGENCE: "badge-proposal-under_review",
    _S.COMMITTEE: "badge-proposal-shortlisted",
    _S.APPROVED: "badge-proposal-winner",
    _S.REJECTED: "badge-proposal-not_selected",
    _S.WITHDRAWN: "badge-proposal-withdrawn",
}

# What each status means for the applicant, and what happens next.
NEXT_STEPS = {
    _S.DRAFT: gettext_lazy(
        "This is a draft: only your organisation's members see it. Complete it and submit "
        "it before the call closes; the fund office sees it only once it is submitted."
    ),
    _S.SUBMITTED: gettext_lazy(
        "The fund office has it and will screen it next. If they need more from you, their "
        "request appears here."
    ),
    _S.SCREENING: gettext_lazy(
        "The fund office is checking that the application is complete and fits the call. "
        "Next comes due diligence."
    ),
    _S.DUE_DILIGENCE: gettext_lazy(
        "The fund office is verifying your organisation, your plan and your figures. Next, "
        "the investment committee considers the application."
    ),
    _S.COMMITTEE: gettext_lazy(
        "The investment committee is considering the application. It approves an amount "
        "with a schedule of tranches, or rejects it with a reason."
    ),
    _S.APPROVED: gettext_lazy(
        "The committee approved an award. Each tranche is paid once the fund office has "
        "verified its milestone."
    ),
    _S.REJECTED: gettext_lazy(
        "The committee or the fund office rejected the application; the reason is below. "
        "You may apply to another call."
    ),
    _S.WITHDRAWN: gettext_lazy(
        "Your organisation withdrew the application: the fund office no longer reviews it. "
        "You may start a new application."
    ),
}

# Long texts a list never shows.
_LIST_DEFERRED = (
    "plan",
    "budget_breakdown",
    "call__description",
    "call__fund__description",
    "organization__description",
    "organization__search_text",
)


def member_applications(*, user) -> QuerySet[FundApplication]:
    """Applications of the organisations `user` belongs to, with their call, fund,
    organisation, backing proposal and award joined. Another organisation's application
    is simply not in it: views answer 404. (`fund.selectors.applications_for` also lets
    fund staff read every one; these pages are the applicants', staff have the office.)"""
    if not user.is_authenticated:
        return FundApplication.objects.none()
    return (
        FundApplication.objects.filter(
            organization__in=Membership.objects.filter(user=user).values("organization")
        )
        .select_related("call__fund", "call__challenge", "organization", "proposal", "award")
        .order_by("-created_at", "-id")
    )


def _refused(request, message: str, *, status: int, application=None):
    return render(
        request,
        TEMPLATES + "refused.html",
        {"message": message, "application": application},
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


def _application_or_404(request, pk: int) -> FundApplication:
    return get_object_or_404(member_applications(user=request.user), pk=pk)


def _award(application: FundApplication):
    try:
        return application.award
    except ObjectDoesNotExist:
        return None


def _window(call: FundingCall, now) -> dict:
    return {
        "opens": local_time(call.opens_at),
        "closes": local_time(call.closes_at),
        "is_open": call.opens_at <= now < call.closes_at,
        "is_upcoming": now < call.opens_at,
    }


# The list


@never_cache
@login_required
@require_GET
def application_list(request):
    show = request.GET.get("show", "")
    applications = member_applications(user=request.user).defer(*_LIST_DEFERRED)
    if show in FILTERS:
        applications = applications.filter(status__in=FILTERS[show])
    else:
        show = ""
    page = Paginator(applications, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # Per-row work done once for the page: one reverse() as a pattern, label tables.
    pattern = reverse("dashboard:fund_application", args=[0]).removesuffix("0/")
    statuses = dict(ApplicationStatus.choices)
    instruments = dict(Instrument.choices)
    for row in rows:
        row.url = f"{pattern}{row.pk}/"
        row.status_label = statuses.get(row.status, row.status)
        row.badge = BADGES.get(row.status, "")
        row.instrument_label = instruments.get(row.instrument, row.instrument)
        row.requested = services.vnd(row.requested_vnd)
        award = _award(row)
        row.approved = services.vnd(award.approved_vnd) if award else ""
    return render(
        request,
        TEMPLATES + "application_list.html",
        {"page_obj": page, "applications": rows, "show": show},
    )


# Drafts


def _backing_proposals(user, call: FundingCall, *, organization=None):
    """Proposals that may back an application to `call`: sent by the caller's
    organisations (or by `organization`), to the call's challenge if it has one."""
    proposals = (
        Proposal.objects.filter(
            organization__in=Membership.objects.filter(user=user).values("organization")
        )
        .exclude(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
        .select_related("organization")
        .only("reference", "title", "organization__short_name", "organization__legal_name")
        .order_by("reference", "id")
    )
    if organization is not None:
        proposals = proposals.filter(organization=organization)
    if call.challenge_id:
        proposals = proposals.filter(challenge_id=call.challenge_id)
    # Without any, the form leaves the field out rather than offer an empty choice.
    return proposals if proposals.exists() else None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@_handle_refusals
def application_create(request):
    call_id = request.GET.get("call") or request.POST.get("call")
    if not call_id:
        return _choose_call(request)
    if not call_id.isdigit():
        raise Http404
    now = timezone.now()
    call = get_object_or_404(calls_public(now=now), pk=int(call_id))
    if call.current_status == CallStatus.UPCOMING:
        message = _("This call opens at %(opens)s; it does not take applications yet.") % {
            "opens": local_time(call.opens_at)
        }
        return _refused(request, message, status=409)
    if call.current_status == CallStatus.CLOSED:
        message = _("This call closed at %(closes)s; it no longer takes applications.") % {
            "closes": local_time(call.closes_at)
        }
        return _refused(request, message, status=409)
    organizations = organizations_for_user(user=request.user)
    organization_list = list(organizations)
    if not organization_list:
        return render(request, TEMPLATES + "no_organization.html", {"call": call})
    form = ApplicationForm(
        request.POST or None,
        call=call,
        organizations=organizations,
        several=len(organization_list) > 1,
        proposals=_backing_proposals(request.user, call),
        initial={"organization": organization_list[0]} if len(organization_list) == 1 else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                actor=request.user,
                call=call,
                organization=form.cleaned_data["organization"],
                data=form.application_data(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The draft is saved. Add your documents, then submit it before the call closes."),
            )
            return redirect("dashboard:fund_application", pk=application.pk)
    return render(
        request,
        TEMPLATES + "application_form.html",
        {"form": form, "call": call, **_window(call, now)},
        status=400 if form.errors else 200,
    )


def _choose_call(request):
    """No call named: the open ones to choose from."""
    calls = list(calls_public().filter(current_status=CallStatus.OPEN).order_by("closes_at", "id"))
    instruments = dict(Instrument.choices)
    for call in calls:
        call.deadline = local_time(call.closes_at)
        call.budget = services.vnd(call.budget_vnd)
        call.instrument_labels = [instruments[name] for name in call.instruments]
    return render(request, TEMPLATES + "choose_call.html", {"calls": calls})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
@_handle_refusals
def application_edit(request, pk: int):
    application = _application_or_404(request, pk)
    if application.status != ApplicationStatus.DRAFT:
        if request.method == "GET":
            return redirect("dashboard:fund_application", pk=application.pk)
        return _refused(
            request, _("Only a draft can be edited."), status=409, application=application
        )
    call = application.call
    form = ApplicationForm(
        request.POST or None,
        call=call,
        proposals=_backing_proposals(request.user, call, organization=application.organization),
        initial=ApplicationForm.initial_for(application),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                actor=request.user, application=application, data=form.application_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("dashboard:fund_application", pk=application.pk)
    return render(
        request,
        TEMPLATES + "application_form.html",
        {
            "form": form,
            "call": call,
            "application": application,
            **_window(call, timezone.now()),
        },
        status=400 if form.errors else 200,
    )


# One application


def submit_problems(application: FundApplication, *, user, now=None) -> list[str]:
    """What would stop `user` submitting this draft now, in the words the submit would
    use; empty when it can go. For the page's checklist: the submit checks again, under
    its lock."""
    now = now or timezone.now()
    call = application.call
    problems = []
    missing = _("Fill this in before you submit.")
    if now < call.opens_at:
        problems.append(
            _("This call opens at %(opens)s; it does not take applications yet.")
            % {"opens": local_time(call.opens_at)}
        )
    elif now >= call.closes_at:
        problems.append(
            _("This call closed at %(closes)s; it no longer takes applications.")
            % {"closes": local_time(call.closes_at)}
        )
    if not is_email_verified(user):
        problems.append(
            _("Verify your e-mail address before you submit: open the link we sent you.")
        )
    for name in services.REQUIRED_TO_SUBMIT:
        if not getattr(application, name).strip():
            label = capfirst(FundApplication._meta.get_field(name).verbose_name)
            problems.append(f"{label}: {missing}")
    if application.instrument not in call.instruments:
        problems.append(
            _("This call no longer offers %(instrument)s: choose another instrument.")
            % {"instrument": application.get_instrument_display().lower()}
        )
    return problems


def _render_detail(
    request,
    application,
    *,
    status=200,
    document_form=None,
    withdraw_form=None,
    submit_errors=None,
):
    now = timezone.now()
    call = application.call
    award = _award(application)
    is_draft = application.status == ApplicationStatus.DRAFT
    context = {
        "application": application,
        "call": call,
        "badge": BADGES.get(application.status, ""),
        "next_step": NEXT_STEPS.get(application.status, ""),
        "is_draft": is_draft,
        "requested": services.vnd(application.requested_vnd),
        "submitted_at": local_time(application.submitted_at) if application.submitted_at else "",
        "decided_at": local_time(application.decided_at) if application.decided_at else "",
        "award": award,
        "documents": list(application.documents.all()),
        **_window(call, now),
    }
    if award is not None:
        tranches = list(award.tranches.all())
        for tranche in tranches:
            tranche.amount = services.vnd(tranche.amount_vnd)
            tranche.paid = services.vnd(tranche.paid_vnd)
            tranche.met_at = local_time(tranche.milestone_met_at) if tranche.milestone_met else ""
        context.update(
            tranches=tranches,
            approved=services.vnd(award.approved_vnd),
            paid=services.vnd(award.paid_vnd),
            remaining=services.vnd(award.approved_vnd - award.paid_vnd),
        )
    if is_draft:
        context["problems"] = submit_problems(application, user=request.user, now=now)
        if submit_errors:
            context["problems"] = submit_errors
        context["document_form"] = document_form or DocumentForm()
    elif ApplicationStatus.WITHDRAWN in APPLICATION_TRANSITIONS[application.status]:
        context["withdraw_form"] = withdraw_form or WithdrawForm()
    return render(request, TEMPLATES + "application_detail.html", context, status=status)


@never_cache
@login_required
@require_GET
def application_detail(request, pk: int):
    return _render_detail(request, _application_or_404(request, pk))


# Documents


@never_cache
@login_required
@require_POST
@_handle_refusals
def document_add(request, pk: int):
    application = _application_or_404(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.document_add(
                actor=request.user,
                application=application,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("“%(name)s” is attached.") % {"name": document.display_name}
            )
            return redirect("dashboard:fund_application", pk=application.pk)
    return _render_detail(request, application, status=400, document_form=form)


def _document_or_404(request, pk: int, document_id: int) -> FundDocument:
    application = _application_or_404(request, pk)
    document = get_object_or_404(
        FundDocument.objects.filter(application=application), pk=document_id
    )
    document.application = application
    return document


@never_cache
@login_required
@require_http_methods(["GET", "HEAD"])
def document_file(request, pk: int, document_id: int):
    """The file, to the organisation's members only."""
    document = _document_or_404(request, pk, document_id)
    return private_file_response(
        document.file, filename=document.display_name, content_type=document.content_type
    )


@never_cache
@login_required
@require_POST
@_handle_refusals
def document_delete(request, pk: int, document_id: int):
    document = _document_or_404(request, pk, document_id)
    services.document_delete(actor=request.user, document=document)
    messages.success(request, _("“%(name)s” is removed.") % {"name": document.display_name})
    return redirect("dashboard:fund_application", pk=pk)


# Transitions


@never_cache
@login_required
@require_POST
@_handle_refusals
def application_submit(request, pk: int):
    application = _application_or_404(request, pk)
    try:
        application = services.application_submit(application, actor=request.user)
    except ValidationError as error:
        problems = []
        by_field = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        for name, field_messages in by_field.items():
            label = (
                capfirst(FundApplication._meta.get_field(name).verbose_name)
                if name in services.APPLICATION_FIELDS
                else ""
            )
            problems.extend(f"{label}: {text}" if label else text for text in field_messages)
        return _render_detail(request, application, status=400, submit_errors=problems)
    messages.success(
        request,
        _(
            "Your application is submitted. The fund office screens it next; follow its "
            "status on this page."
        ),
    )
    return redirect("dashboard:fund_application", pk=application.pk)


@never_cache
@login_required
@require_POST
@_handle_refusals
def application_withdraw(request, pk: int):
    application = _application_or_404(request, pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, status=400, withdraw_form=form)
    services.application_withdraw(application, actor=request.user, note=form.cleaned_data["note"])
    messages.success(
        request, _("The application is withdrawn. The fund office no longer reviews it.")
    )
    return redirect("dashboard:fund_application", pk=application.pk)


urlpatterns = [
    path("fund/applications/", application_list, name="fund_applications"),
    path("fund/applications/new/", application_create, name="fund_apply"),
    path("fund/applications/<int:pk>/", application_detail, name="fund_application"),
    path("fund/applications/<int:pk>/edit/", application_edit, name="fund_application_edit"),
    path("fund/applications/<int:pk>/submit/", application_submit, name="fund_application_submit"),
    path(
        "fund/applications/<int:pk>/withdraw/",
        application_withdraw,
        name="fund_application_withdraw",
    ),
    path("fund/applications/<int:pk>/documents/", document_add, name="fund_document_add"),
    path(
        "fund/applications/<int:pk>/documents/<int:document_id>/",
        document_file,
        name="fund_document_file",
    ),
    path(
        "fund/applications/<int:pk>/documents/<int:document_id>/delete/",
        document_delete,
        name="fund_document_delete",
    ),
]
