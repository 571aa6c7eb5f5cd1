"""The fund office under /dashboard/fund/office/: officers, approvers and auditors.

Server-rendered pages calling the same services as the API. Only fund staff come in
(anyone else gets a 403 page, anonymous visitors the sign-in page); they read every
application, award and ledger entry. Officers screen applications, record the
committee's decisions, verify milestones and request disbursements; finance approvers
decide the requests they did not make and reverse payments; auditors read everything
and change nothing (no buttons, and a 403 if they post anyway).

Writes are POST-only and go through `fund.services`: a ValidationError lands on the
form (400), PermissionDenied is a 403 page, Conflict (the state, the clock or the money
left) a 409 page with the service's message. Every page runs a constant number of
queries whatever the number of rows.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, re_path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fund import exports, reports, services
from fund.enums import (
    APPLICATION_TRANSITIONS,
    OFFICER_TARGETS,
    ApplicationStatus,
    Decision,
    DisbursementStatus,
    Instrument,
)
from fund.models import (
    Award,
    Disbursement,
    FundApplication,
    FundDocument,
    FundingCall,
    LedgerEntry,
    Tranche,
)
from fund.rules import is_finance_approver, is_fund_officer, reads_all_of_fund
from fund.selectors import (
    applications_for,
    awards_for,
    disbursements_for,
    fund_position,
    ledger_for,
)
from fund.staff_forms import (
    ApplicationFilterForm,
    DecisionForm,
    DisbursementFilterForm,
    DisbursementRequestForm,
    MilestoneForm,
    RejectDisbursementForm,
    ReverseForm,
    TrancheFormSet,
    TransitionForm,
    tranche_schedule,
)
from portal.errors import Conflict
from portal.models import AuditEvent
from portal.storage import private_file_response
from startups.forms import add_service_errors

TEMPLATES = "fund/dashboard/office/"
PER_PAGE = 50
LEDGER_PER_PAGE = 50
# 50 million entries back: past any ledger, short of the database's largest offset.
MAX_LEDGER_PAGE = 1_000_000
# How many rows each queue of the home page shows; the lists hold the rest.
QUEUE_SIZE = 10

_S = ApplicationStatus
# What the office sees of applications: everything sent (drafts are the applicants').
OFFICE_STATUSES = [status for status in ApplicationStatus.values if status != _S.DRAFT]
# The home page's queues of applications, in the order of the review.
QUEUES = (
    (_S.SUBMITTED, gettext_lazy("To screen")),
    (_S.SCREENING, gettext_lazy("In screening")),
    (_S.DUE_DILIGENCE, gettext_lazy("In due diligence")),
    (_S.COMMITTEE, gettext_lazy("In committee")),
)
# What each button of the review says, in the order shown: forward, back, out.
TRANSITION_LABELS = {
    _S.SCREENING: gettext_lazy("Start screening"),
    _S.DUE_DILIGENCE: gettext_lazy("Move to due diligence"),
    _S.COMMITTEE: gettext_lazy("Send to the committee"),
    _S.SUBMITTED: gettext_lazy("Send back for more information"),
    _S.REJECTED: gettext_lazy("Reject"),
}
AUDIT_ACTIONS = {
    "fund_application.create": gettext_lazy("Draft created"),
    "fund_application.update": gettext_lazy("Draft edited"),
    "fund_application.transition": gettext_lazy("Status changed"),
    "fund_document.add": gettext_lazy("Document added"),
    "fund_document.delete": gettext_lazy("Document removed"),
}


# Access


def _refused(request, message: str, *, status: int):
    return render(
        request,
        TEMPLATES + "refused.html",
        {"message": message, "office": reads_all_of_fund(request.user)},
        status=status,
    )


def _load_groups_and_their_permissions(user) -> None:
    """The user's groups and their permissions in one query instead of two, remembered
    on the user where `rules.is_group_member` and Django's ModelBackend look before they
    query (`_group_names_cache`, `_group_perm_cache`). Every office page asks both (the
    role here, the dashboard's tabs by permission); the award page has ten queries in
    all to spend. A superuser's permissions are all of them: left to ModelBackend."""
    if hasattr(user, "_group_names_cache"):
        return
    rows = list(
        Group.objects.filter(user=user).values_list(
            "name", "permissions__content_type__app_label", "permissions__codename"
        )
    )
    user._group_names_cache = {name for name, _app, _codename in rows}
    if user.is_active and not user.is_superuser and not hasattr(user, "_group_perm_cache"):
        user._group_perm_cache = {
            f"{app}.{codename}" for _name, app, codename in rows if codename is not None
        }


def office_required(view):
    """Signed in (else the sign-in page) and fund staff (else a 403 page)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        _load_groups_and_their_permissions(request.user)
        if not reads_all_of_fund(request.user):
            return _refused(
                request,
                _(
                    "This workspace is for the fund office: fund officers, finance approvers "
                    "and auditors. Your account is not one."
                ),
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


def _handle_refusals(view):
    """A refusal raised by a service becomes a page that says why: PermissionDenied a
    403, Conflict (the state, the clock or the money left) a 409."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            return _refused(request, str(error) or _("You may not do this."), status=403)
        except Conflict as error:
            return _refused(request, error.message, status=409)

    return wrapped


def _require_officer(user) -> None:
    # Checked before the form is read, so that an auditor's post is a 403 whatever it
    # holds; the service checks again.
    if not is_fund_officer(user):
        raise PermissionDenied(_("Only fund officers may do this."))


def _require_approver(user) -> None:
    if not is_finance_approver(user):
        raise PermissionDenied(_("Only finance approvers may do this."))


class _Role:
    """What the caller may do in the office, asked once per request (one query for the
    groups, remembered on the user)."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def officer(self) -> bool:
        return bool(is_fund_officer(self.user))

    @cached_property
    def approver(self) -> bool:
        return bool(is_finance_approver(self.user))

    @property
    def read_only(self) -> bool:
        return not (self.officer or self.approver)


def _pattern(name: str, *args) -> str:
    """A URL with its last id cut off, to append each row's id to (one reverse() per
    page instead of one per row)."""
    return reverse(f"dashboard:{name}", args=[*args, 0]).removesuffix("0/")


def _pending_vnd():
    """What is requested on a tranche and not yet decided (0 if nothing)."""
    pending = (
        Disbursement.objects.filter(tranche=OuterRef("pk"), status=DisbursementStatus.REQUESTED)
        .order_by()
        .values("tranche")
        .annotate(total=Sum("amount_vnd"))
        .values("total")
    )
    return Coalesce(Subquery(pending), 0, output_field=BigIntegerField())


# The office's home: queues


@never_cache
@office_required
@require_GET
def office_home(request):
    """What waits for the office: applications by stage of review, disbursements to
    approve, tranches whose milestone is met and not yet paid; and the counts per
    status."""
    user = request.user
    role = _Role(user)
    # Counts per status, in one query.
    # Drafts are their applicants' business until sent: the office counts the rest.
    counts = applications_for(user).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in OFFICE_STATUSES}
    )
    # The oldest few of each queue, in one query: numbered within their status by the
    # database, the first QUEUE_SIZE of each kept.
    queued = (
        applications_for(user)
        .filter(status__in=[status for status, _label in QUEUES])
        .only(
            "id",
            "status",
            "submitted_at",
            "requested_vnd",
            "instrument",
            "call__id",
            "call__title",
            "organization__id",
            "organization__legal_name",
            "organization__short_name",
        )
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("status")],
                order_by=[F("submitted_at").asc(), F("id").asc()],
            )
        )
        .filter(position__lte=QUEUE_SIZE)
        .order_by("submitted_at", "id")
    )
    application_url = _pattern("fund_office_application")
    list_url = reverse("dashboard:fund_office_applications")
    instruments = dict(Instrument.choices)
    by_status: dict[str, list] = {status: [] for status, _label in QUEUES}
    for application in queued:
        application.url = f"{application_url}{application.pk}/"
        application.instrument_label = instruments.get(application.instrument, "")
        by_status[application.status].append(application)
    queues = [
        {
            "status": status,
            "label": label,
            "count": counts[status],
            "applications": by_status[status],
            "more": counts[status] - len(by_status[status]),
            "url": f"{list_url}?status={status}",
        }
        for status, label in QUEUES
    ]

    # Disbursements awaiting a decision: an approver's queue leaves out their own
    # requests (someone else must decide them) and says how many there are.
    waiting = Disbursement.objects.filter(status=DisbursementStatus.REQUESTED)
    disbursement_counts = waiting.aggregate(
        total=Count("pk"), mine=Count("pk", filter=Q(requested_by=user))
    )
    shown = waiting.exclude(requested_by=user) if role.approver else waiting
    to_decide = list(
        shown.select_related("award__application__organization", "tranche", "requested_by")
        .only(
            "id",
            "amount_vnd",
            "reference",
            "requested_at",
            "award__id",
            "award__application__id",
            "award__application__organization__legal_name",
            "award__application__organization__short_name",
            "tranche__number",
            "requested_by__email",
            "requested_by__full_name",
        )
        .order_by("requested_at", "id")[:QUEUE_SIZE]
    )
    award_url = _pattern("fund_office_award")
    for disbursement in to_decide:
        disbursement.url = f"{award_url}{disbursement.award_id}/#disbursement-{disbursement.pk}"

    # Tranches whose milestone is met and not (wholly) paid.
    ready = Tranche.objects.filter(milestone_met_at__isnull=False, paid_vnd__lt=F("amount_vnd"))
    ready_count = ready.count()
    tranches = list(
        ready.select_related("award__application__organization")
        .only(
            "id",
            "number",
            "amount_vnd",
            "paid_vnd",
            "milestone",
            "milestone_met_at",
            "award__id",
            "award__application__id",
            "award__application__organization__legal_name",
            "award__application__organization__short_name",
        )
        .annotate(pending_vnd=_pending_vnd())
        .order_by("milestone_met_at", "id")[:QUEUE_SIZE]
    )
    for tranche in tranches:
        tranche.url = f"{award_url}{tranche.award_id}/#tranche-{tranche.pk}"
        tranche.unpaid_vnd = tranche.amount_vnd - tranche.paid_vnd

    return render(
        request,
        TEMPLATES + "home.html",
        {
            "role": role,
            "counts": [
                {
                    "status": status,
                    "label": label,
                    "count": counts[status],
                    "url": f"{list_url}?status={status}",
                }
                for status, label in ApplicationStatus.choices
                if status in OFFICE_STATUSES
            ],
            "queues": queues,
            "to_decide": to_decide,
            "waiting_total": disbursement_counts["total"],
            "waiting_mine": disbursement_counts["mine"] if role.approver else 0,
            "waiting_shown_total": disbursement_counts["total"]
            - (disbursement_counts["mine"] if role.approver else 0),
            "tranches": tranches,
            "ready_count": ready_count,
        },
    )


# Lists


@never_cache
@office_required
@require_GET
def office_applications(request):
    """Every application, newest first, filtered by status and call; paginated."""
    calls = list(FundingCall.objects.order_by("-opens_at", "id").values_list("id", "title"))
    choices = [(value, label) for value, label in ApplicationStatus.choices if value != _S.DRAFT]
    form = ApplicationFilterForm(request.GET, statuses=choices, calls=calls)
    form.is_valid()  # a bad filter is shown as such and left out
    filters = {name: value for name, value in form.cleaned_data.items() if value}
    applications = applications_for(request.user).select_related("award")
    if "status" in filters:
        applications = applications.filter(status=filters["status"])
    if "call" in filters:
        applications = applications.filter(call_id=filters["call"])
    applications = applications.only(
        "id",
        "status",
        "submitted_at",
        "created_at",
        "requested_vnd",
        "instrument",
        "call__id",
        "call__title",
        "organization__id",
        "organization__legal_name",
        "organization__short_name",
        "organization__tax_code",
        "award__id",
        "award__approved_vnd",
        "award__paid_vnd",
    )
    page = Paginator(applications, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    application_url = _pattern("fund_office_application")
    award_url = _pattern("fund_office_award")
    labels = dict(choices)
    instruments = dict(Instrument.choices)
    for row in rows:
        row.url = f"{application_url}{row.pk}/"
        row.status_label = labels.get(row.status, row.status)
        row.instrument_label = instruments.get(row.instrument, row.instrument)
        award = getattr(row, "award", None)
        row.award_row = award
        row.award_url = f"{award_url}{award.pk}/" if award else ""
    query = urlencode(filters)
    return render(
        request,
        TEMPLATES + "applications.html",
        {
            "role": _Role(request.user),
            "form": form,
            "page_obj": page,
            "applications": rows,
            "query": query,
            "export_query": f"?{query}" if query else "",
        },
    )


@never_cache
@office_required
@require_GET
def office_disbursements(request):
    """Every disbursement request, newest first, filtered by status; paginated."""
    role = _Role(request.user)
    form = DisbursementFilterForm(request.GET, statuses=DisbursementStatus.choices)
    form.is_valid()
    status = form.cleaned_data.get("status") or ""
    disbursements = disbursements_for(request.user).select_related(
        "award__application__organization", "requested_by", "decided_by"
    )
    if status:
        disbursements = disbursements.filter(status=status)
    disbursements = disbursements.only(
        "id",
        "status",
        "amount_vnd",
        "reference",
        "requested_at",
        "decided_at",
        "note",
        "requested_by_id",
        "tranche__id",
        "tranche__number",
        "award__id",
        "award__application__id",
        "award__application__organization__legal_name",
        "award__application__organization__short_name",
        "requested_by__email",
        "requested_by__full_name",
        "decided_by__email",
        "decided_by__full_name",
    )
    page = Paginator(disbursements, PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    award_url = _pattern("fund_office_award")
    labels = dict(DisbursementStatus.choices)
    for row in rows:
        row.url = f"{award_url}{row.award_id}/#disbursement-{row.pk}"
        row.status_label = labels.get(row.status, row.status)
        row.mine = row.requested_by_id == request.user.pk
    return render(
        request,
        TEMPLATES + "disbursements.html",
        {
            "role": role,
            "form": form,
            "status": status,
            "query": f"status={status}" if status else "",
            "page_obj": page,
            "disbursements": rows,
        },
    )


# One application


def _application_or_404(request, pk: int) -> FundApplication:
    return get_object_or_404(
        applications_for(request.user).select_related(
            "call__fund", "organization", "proposal", "created_by", "award"
        ),
        pk=pk,
    )


def _transition_targets(application: FundApplication) -> list[tuple[str, str]]:
    """Where an officer may move it from here, as (status, button label). In
    committee, rejection is the decision form's."""
    allowed = APPLICATION_TRANSITIONS[application.status] & OFFICER_TARGETS
    if application.status == _S.COMMITTEE:
        allowed = allowed - {_S.REJECTED}
    return [(status, label) for status, label in TRANSITION_LABELS.items() if status in allowed]


def _history(application: FundApplication) -> list[AuditEvent]:
    """The application's audit events, oldest first, with what each changed."""
    events = list(
        AuditEvent.objects.filter(
            object_type=FundApplication._meta.label_lower, object_id=str(application.pk)
        )
        .select_related("actor")
        .order_by("sequence")
    )
    statuses = dict(ApplicationStatus.choices)
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        event.label = AUDIT_ACTIONS.get(event.action, event.action)
        event.from_label = statuses.get(data.get("from") or "", "")
        event.to_label = statuses.get(data.get("to") or "", "")
        event.note = data.get("note") or ""
    return events


def _render_application(
    request, application, *, transition_form=None, decision_form=None, formset=None, status=200
):
    role = _Role(request.user)
    targets = _transition_targets(application)
    in_committee = application.status == _S.COMMITTEE
    context = {
        "role": role,
        "application": application,
        "organization": application.organization,
        "call": application.call,
        "award": getattr(application, "award", None),
        "documents": list(application.documents.all()),
        "history": _history(application),
        "targets": targets,
    }
    if role.officer and targets:
        context["transition_form"] = transition_form or TransitionForm(targets=targets)
    if role.officer and in_committee:
        context["decision_form"] = decision_form or DecisionForm(
            initial={"approved_vnd": application.requested_vnd}
        )
        context["formset"] = formset or TrancheFormSet(prefix="tranches")
    return render(request, TEMPLATES + "application.html", context, status=status)


@never_cache
@office_required
@require_GET
def office_application(request, pk: int):
    return _render_application(request, _application_or_404(request, pk))


@never_cache
@office_required
@require_POST
@_handle_refusals
def office_application_transition(request, pk: int):
    _require_officer(request.user)
    application = _application_or_404(request, pk)
    targets = _transition_targets(application)
    form = TransitionForm(request.POST, targets=targets)
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            services.application_transition(
                application, to, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The application is now: %(status)s.")
                % {"status": ApplicationStatus(to).label.lower()},
            )
            return redirect("dashboard:fund_office_application", pk=application.pk)
    elif not targets:
        # Nothing may move it from here (decided, withdrawn, or moved meanwhile).
        raise Conflict(
            _("An application that is %(status)s cannot be moved from the office.")
            % {"status": application.get_status_display().lower()}
        )
    return _render_application(request, application, transition_form=form, status=400)


def _add_decision_errors(form, formset, error: ValidationError) -> None:
    """The service's refusal on the decision form; the schedule's problems (the sum, a
    row) above the tranches' table."""
    errors = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
    tranche_errors = errors.pop("tranches", [])
    if tranche_errors:
        formset.non_form_errors().extend(tranche_errors)
    for name, messages_ in errors.items():
        form.add_error(name if name in form.fields else None, messages_)
    if not form.errors:
        form.add_error(None, _("See the problems with the tranches below."))


@never_cache
@office_required
@require_POST
@_handle_refusals
def office_application_decide(request, pk: int):
    """The committee's decision: approve with the amount and the tranche schedule (the
    award is made), or reject with the reason."""
    _require_officer(request.user)
    application = _application_or_404(request, pk)
    form = DecisionForm(request.POST)
    formset = TrancheFormSet(request.POST, prefix="tranches")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == Decision.APPROVE
        if approve and not formset.is_valid():
            return _render_application(
                request, application, decision_form=form, formset=formset, status=400
            )
        schedule = tranche_schedule(formset) if approve else []
        try:
            award = services.application_decide(
                application,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                approved_vnd=form.cleaned_data["approved_vnd"] if approve else None,
                tranches=schedule,
                conditions=form.cleaned_data["conditions"] if approve else "",
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _add_decision_errors(form, formset, error)
        else:
            if award is None:
                messages.success(request, _("The application is rejected."))
                return redirect("dashboard:fund_office_application", pk=application.pk)
            messages.success(
                request,
                ngettext(
                    "The application is approved: %(amount)s in %(count)d tranche.",
                    "The application is approved: %(amount)s in %(count)d tranches.",
                    len(schedule),
                )
                % {"amount": services.vnd(award.approved_vnd), "count": len(schedule)},
            )
            return redirect("dashboard:fund_office_award", pk=award.pk)
    return _render_application(
        request, application, decision_form=form, formset=formset, status=400
    )


@never_cache
@office_required
@require_http_methods(["GET", "HEAD"])
def office_document(request, pk: int, document_id: int):
    """An application's file, to fund staff."""
    document = get_object_or_404(
        FundDocument.objects.filter(
            application_id=pk, application__in=applications_for(request.user).values("pk")
        ),
        pk=document_id,
    )
    return private_file_response(
        document.file, filename=document.display_name, content_type=document.content_type
    )


# One award


class _LedgerPage:
    """One page of an award's ledger, newest first, read without counting the ledger
    (an award may have 100,000 entries): one row more than a page tells whether an
    older page exists. What the reader sums up is kept on the award and its tranches
    (`paid_vnd`), and the whole ledger is the export."""

    def __init__(self, entries, number, per_page: int):
        offset = (number - 1) * per_page
        # The page's ids first, then its rows with what they join: an older page skips
        # its offset on the ledger's (award, created_at) index, not through the joins.
        ids = entries.values("pk")[offset : offset + per_page + 1]
        rows = list(entries.filter(pk__in=Subquery(ids)))
        self.number = number
        self.object_list = rows[:per_page]
        self.has_next = len(rows) > per_page
        # Past the end (a page number typed in), the way back is the first page.
        self.past_the_end = number > 1 and not rows
        self.has_previous = number > 1 and not self.past_the_end
        self.previous_page_number = number - 1
        self.next_page_number = number + 1

    @staticmethod
    def number_from(value: str | None) -> int:
        """The page asked for; anything else is the first. Capped, so that the offset
        stays a number the database takes."""
        try:
            number = int(value or 1)
        except ValueError:
            return 1
        return min(max(number, 1), MAX_LEDGER_PAGE)


def _award_and_tranches_or_404(request, pk: int) -> tuple[Award, list[Tranche]]:
    """The award and its tranches in one query (every award has at least one tranche):
    each tranche with the award, its application and organisation joined, and what is
    requested on it and not yet decided. Nothing here counts the award's ledger: the
    totals paid are kept on the award and its tranches."""
    tranches = list(
        Tranche.objects.filter(award_id=pk, award__in=awards_for(request.user).values("pk"))
        .select_related(
            "award__application__organization",
            "award__call",
            "award__fund",
            "award__decided_by",
            "milestone_met_by",
        )
        .annotate(pending_vnd=_pending_vnd())
        .order_by("number")
    )
    if not tranches:
        raise Http404
    award = tranches[0].award
    for tranche in tranches:
        tranche.award = award
        tranche.unpaid_vnd = tranche.amount_vnd - tranche.paid_vnd
        tranche.requestable_vnd = tranche.unpaid_vnd - tranche.pending_vnd
    return award, tranches


def _payable(tranches: list[Tranche]) -> list[Tranche]:
    """Tranches a disbursement may be requested on: milestone met, something left."""
    return [t for t in tranches if t.milestone_met and t.requestable_vnd > 0]


def _render_award(request, award: Award, tranches: list[Tranche], *, bound=None, status=200):
    """The award page. `bound` is (form name, row id, form) of a form sent with
    problems, shown in its place."""
    role = _Role(request.user)
    user = request.user
    numbers = {tranche.pk: tranche.number for tranche in tranches}
    payable = _payable(tranches)

    # Requests not in the ledger: waiting ones, and rejected ones with their reason.
    # Named rather than "not approved", so that the (award, status, requested_at) index
    # reads these few and never the award's approved ones (one per ledger payment).
    requests = list(
        Disbursement.objects.filter(
            award=award,
            status__in=[DisbursementStatus.REQUESTED, DisbursementStatus.REJECTED],
        )
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )
    labels = dict(DisbursementStatus.choices)
    for disbursement in requests:
        disbursement.tranche_number = numbers.get(disbursement.tranche_id)
        disbursement.status_label = labels.get(disbursement.status, disbursement.status)
        disbursement.waiting = disbursement.status == DisbursementStatus.REQUESTED
        disbursement.mine = disbursement.requested_by_id == user.pk
        disbursement.may_decide = disbursement.waiting and role.approver and not disbursement.mine
        if not disbursement.waiting:
            disbursement.why_not = ""
        elif disbursement.mine and role.approver:
            disbursement.why_not = _(
                "You requested this disbursement: another finance approver must decide it."
            )
        elif not role.approver:
            disbursement.why_not = _("Waiting for a finance approver other than the requester.")
        else:
            disbursement.why_not = ""

    # The ledger, newest first, one page of it.
    page = _LedgerPage(
        ledger_for(user)
        .filter(award=award)
        .select_related("created_by", "disbursement__requested_by", "reversed_by")
        .order_by("-created_at", "-id"),
        _LedgerPage.number_from(request.GET.get("ledger")),
        LEDGER_PER_PAGE,
    )
    entries = page.object_list
    for entry in entries:
        entry.tranche_number = numbers.get(entry.tranche_id)
        entry.is_reversal = entry.reverses_id is not None
        entry.reversal = getattr(entry, "reversed_by", None)
        entry.may_reverse = role.approver and not entry.is_reversal and entry.reversal is None

    forms = {}
    if bound:
        name, row_id, form = bound
        forms[name] = (row_id, form)
    request_form = None
    if role.officer and payable:
        request_form = (
            forms["request"][1]
            if "request" in forms
            else DisbursementRequestForm(tranches=_tranche_choices(payable))
        )
    return render(
        request,
        TEMPLATES + "award.html",
        {
            "role": role,
            "award": award,
            "application": award.application,
            "organization": award.application.organization,
            "remaining_vnd": award.approved_vnd - award.paid_vnd,
            "tranches": tranches,
            "requests": requests,
            "page_obj": page,
            "entries": entries,
            "request_form": request_form,
            "bound": forms,
        },
        status=status,
    )


def _tranche_choices(tranches) -> list[tuple[int, str]]:
    return [
        (
            tranche.pk,
            _("Tranche %(number)d: %(left)s left to request")
            % {"number": tranche.number, "left": services.vnd(tranche.requestable_vnd)},
        )
        for tranche in tranches
    ]


@never_cache
@office_required
@require_GET
def office_award(request, pk: int):
    return _render_award(request, *_award_and_tranches_or_404(request, pk))


def _back_to_award(award: Award, anchor: str = ""):
    return redirect(reverse("dashboard:fund_office_award", args=[award.pk]) + anchor)


@never_cache
@office_required
@require_POST
@_handle_refusals
def office_milestone_met(request, pk: int, tranche_id: int):
    _require_officer(request.user)
    award, tranches = _award_and_tranches_or_404(request, pk)
    tranche = next((t for t in tranches if t.pk == tranche_id), None)
    if tranche is None:
        raise Http404
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.tranche_milestone_met(
                tranche, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The milestone of tranche %(number)d is met: it may now be paid.")
                % {"number": tranche.number},
            )
            return _back_to_award(award, f"#tranche-{tranche.pk}")
    return _render_award(
        request, award, tranches, bound=("milestone", tranche.pk, form), status=400
    )


@never_cache
@office_required
@require_POST
@_handle_refusals
def office_disbursement_request(request, pk: int):
    _require_officer(request.user)
    award, tranches = _award_and_tranches_or_404(request, pk)
    # Any of the award's tranches is accepted here: the service says why one cannot be
    # paid (milestone not met, nothing left), in the same words as the API.
    form = DisbursementRequestForm(
        request.POST, tranches=[(tranche.pk, str(tranche.number)) for tranche in tranches]
    )
    if form.is_valid():
        tranche = next(t for t in tranches if t.pk == form.cleaned_data["tranche"])
        try:
            disbursement = services.disbursement_request(
                award,
                tranche,
                form.cleaned_data["amount_vnd"],
                form.cleaned_data["reference"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The disbursement %(reference)s of %(amount)s is requested; a finance "
                    "approver other than you must approve it."
                )
                % {
                    "reference": disbursement.reference,
                    "amount": services.vnd(disbursement.amount_vnd),
                },
            )
            return _back_to_award(award, f"#disbursement-{disbursement.pk}")
    # Shown again offering the payable tranches, as the page does.
    form.fields["tranche"].choices = _tranche_choices(_payable(tranches))
    return _render_award(request, award, tranches, bound=("request", None, form), status=400)


def _disbursement_or_404(award: Award, disbursement_id: int) -> Disbursement:
    return get_object_or_404(Disbursement.objects.filter(award=award), pk=disbursement_id)


@never_cache
@office_required
@require_POST
@_handle_refusals
def office_disbursement_approve(request, pk: int, disbursement_id: int):
    _require_approver(request.user)
    award, _tranches = _award_and_tranches_or_404(request, pk)
    disbursement = services.disbursement_approve(
        _disbursement_or_404(award, disbursement_id), actor=request.user
    )
    messages.success(
        request,
        _("The disbursement %(reference)s is approved: %(amount)s is paid.")
        % {"reference": disbursement.reference, "amount": services.vnd(disbursement.amount_vnd)},
    )
    return _back_to_award(award, "#ledger")


@never_cache
@office_required
@require_POST
@_handle_refusals
def office_disbursement_reject(request, pk: int, disbursement_id: int):
    _require_approver(request.user)
    award, tranches = _award_and_tranches_or_404(request, pk)
    disbursement = _disbursement_or_404(award, disbursement_id)
    form = RejectDisbursementForm(request.POST)
    if form.is_valid():
        try:
            services.disbursement_reject(
                disbursement, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The disbursement %(reference)s is rejected.")
                % {"reference": disbursement.reference},
            )
            return _back_to_award(award, f"#disbursement-{disbursement.pk}")
    return _render_award(
        request, award, tranches, bound=("reject", disbursement.pk, form), status=400
    )


@never_cache
@office_required
@require_POST
@_handle_refusals
def office_ledger_reverse(request, pk: int, entry_id: int):
    _require_approver(request.user)
    award, tranches = _award_and_tranches_or_404(request, pk)
    entry = get_object_or_404(LedgerEntry.objects.filter(award=award), pk=entry_id)
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.ledger_reverse(
                entry, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Entry #%(entry)d is reversed by entry #%(reversal)d: %(amount)s.")
                % {
                    "entry": entry.pk,
                    "reversal": reversal.pk,
                    "amount": services.vnd(reversal.amount_vnd),
                },
            )
            return _back_to_award(award, "#ledger")
    return _render_award(request, award, tranches, bound=("reverse", entry.pk, form), status=400)


# Exports


@never_cache
@office_required
@require_GET
def office_export(request, kind: str, fmt: str):
    """Applications, awards or the ledger as CSV or XLSX, streamed. The applications
    follow the list's filters (status, call); the ledger may be one award's (?award=)."""
    if kind not in exports.KINDS or fmt not in exports.FORMATS:
        raise Http404
    user = request.user
    if kind == "applications":
        status = request.GET.get("status", "")
        rows = applications_for(user)
        if status in ApplicationStatus.values:
            rows = rows.filter(status=status)
        call = request.GET.get("call", "")
        if call.isdigit():
            rows = rows.filter(call_id=int(call))
        export = exports.application_rows(rows)
    elif kind == "awards":
        export = exports.award_rows(awards_for(user))
    else:
        rows = ledger_for(user)
        award = request.GET.get("award", "")
        if award.isdigit():
            rows = rows.filter(award_id=int(award))
        export = exports.ledger_rows(rows)
    return exports.export_response(export, kind, fmt)


# The position: the fund's figures

# The months the monthly table may cover, the first the default.
POSITION_MONTHS = (12, 24)
POSITION_ORGANIZATIONS_PER_PAGE = 20
POSITION_TABLES = ("funds", "calls", "instruments", "sectors", "organizations", "months")


def _position_scope(request) -> tuple[list, int | None, int]:
    """Every fund with its totals (one query: they are the filter's choices too), the
    fund asked for (None for all of them; one that does not exist is a 404) and how
    many months the monthly table covers."""
    funds = fund_position()
    value = request.GET.get("fund", "")
    fund_id = None
    if value:
        if not value.isdigit() or int(value) not in {fund.fund_id for fund in funds}:
            raise Http404
        fund_id = int(value)
    months = request.GET.get("months", "")
    months = int(months) if months in {str(m) for m in POSITION_MONTHS} else POSITION_MONTHS[0]
    return funds, fund_id, months


def _position_query(fund_id: int | None, months: int) -> str:
    """The page's filters as a query string, defaults left out."""
    filters = {}
    if fund_id is not None:
        filters["fund"] = fund_id
    if months != POSITION_MONTHS[0]:
        filters["months"] = months
    return urlencode(filters)


@never_cache
@office_required
@require_GET
def office_position(request):
    """The position of the fund (or of every fund): capital, committed, paid and what is
    left, in total and per fund, call, instrument, sector, organisation (paged, most
    committed first) and month. Every figure is summed by the database (`fund.reports`),
    one query per breakdown whatever the number of awards and ledger entries."""
    funds, fund_id, months = _position_scope(request)
    fund_rows = _fund_rows(funds, fund_id)
    # The totals of the funds already read, as `reports.fund_totals` sums them.
    totals = reports.Totals(
        capital_vnd=sum(row.limit_vnd for row in fund_rows),
        committed_vnd=sum(row.committed_vnd for row in fund_rows),
        paid_vnd=sum(row.paid_vnd for row in fund_rows),
        awards=sum(row.awards for row in fund_rows),
        funds=len(fund_rows),
    )
    page = Paginator(reports.organization_rows(fund_id), POSITION_ORGANIZATIONS_PER_PAGE).get_page(
        request.GET.get("organizations")
    )
    by_month = reports.position_by_month(fund_id, months=months)
    query = _position_query(fund_id, months)
    return render(
        request,
        TEMPLATES + "position.html",
        {
            "role": _Role(request.user),
            "funds": funds,
            "fund_id": fund_id,
            "fund_name": fund_rows[0].label if fund_id is not None else "",
            "fund_rows": fund_rows,
            "month_choices": POSITION_MONTHS,
            "months": months,
            "totals": totals,
            "calls": reports.position_by_call(fund_id),
            # The breakdowns without a limit of their own, shown alike.
            "breakdowns": [
                {
                    "name": "instruments",
                    "title": _("Per instrument"),
                    "column": _("Instrument"),
                    "rows": reports.position_by_instrument(fund_id),
                },
                {
                    "name": "sectors",
                    "title": _("Per sector"),
                    "column": _("Sector"),
                    "note": _("The sectors of the organisations funded, the most paid first."),
                    "rows": reports.position_by_sector(fund_id),
                },
                {
                    "name": "organizations",
                    "title": _("Per organisation"),
                    "column": _("Organisation"),
                    "note": _("Most committed first."),
                    "count": page.paginator.count,
                    "rows": reports.as_positions(page.object_list),
                    "paged": True,
                },
            ],
            "page_obj": page,
            "by_month": by_month,
            "month_committed_vnd": sum(month.committed_vnd for month in by_month),
            "month_paid_vnd": sum(month.paid_vnd for month in by_month),
            "query": query,
            "csv_query": f"?{query}" if query else "",
        },
    )


def _fund_rows(funds, fund_id: int | None) -> list[reports.Position]:
    """The funds read for the filter as rows of the breakdown, their capital as limit."""
    return [
        reports.Position(
            fund.fund_id,
            fund.name,
            fund.committed_vnd,
            fund.paid_vnd,
            fund.awards,
            limit_vnd=fund.capital_vnd,
        )
        for fund in funds
        if fund_id is None or fund.fund_id == fund_id
    ]


# Each downloadable breakdown's first columns: what identifies a row, its name, and its
# limit (capital, budget) where it has one.
_POSITION_COLUMNS = {
    "funds": (gettext_lazy("Fund ID"), gettext_lazy("Fund"), gettext_lazy("Capital (VND)")),
    "calls": (gettext_lazy("Call ID"), gettext_lazy("Call"), gettext_lazy("Budget (VND)")),
    "instruments": (gettext_lazy("Code"), gettext_lazy("Instrument"), None),
    "sectors": (gettext_lazy("Code"), gettext_lazy("Sector"), None),
    "organizations": (gettext_lazy("Organisation ID"), gettext_lazy("Organisation"), None),
}


def _position_export(table: str, funds, fund_id: int | None, months: int) -> exports.Export:
    """One breakdown of the position page as an export, amounts in whole đồng."""
    if table == "months":
        return exports.Export(
            title=table,
            headings=[_("Month"), _("Committed in the month (VND)"), _("Paid in the month (VND)")],
            rows=iter(
                [month.month.strftime("%Y-%m"), month.committed_vnd, month.paid_vnd]
                for month in reports.position_by_month(fund_id, months=months)
            ),
        )
    positions = {
        "funds": lambda: _fund_rows(funds, fund_id),
        "calls": lambda: reports.position_by_call(fund_id),
        "instruments": lambda: reports.position_by_instrument(fund_id),
        "sectors": lambda: reports.position_by_sector(fund_id),
        # All of them here, not a page.
        "organizations": lambda: reports.position_by_organization(fund_id),
    }[table]()
    key, label, limit = _POSITION_COLUMNS[table]
    if limit is None:  # no capital or budget: nothing left to commit either
        headings = [key, label, _("Committed (VND)"), _("Paid (VND)"), _("Left to pay (VND)")]

        def row(p: reports.Position) -> list:
            return [p.key, p.label, p.committed_vnd, p.paid_vnd, p.outstanding_vnd, p.awards]

    else:
        headings = [key, label, *([_("Fund")] if table == "calls" else [])]
        headings += [limit, _("Committed (VND)"), _("Paid (VND)")]
        headings += [_("Left to commit (VND)"), _("Left to pay (VND)")]

        def row(p: reports.Position) -> list:
            money = [p.limit_vnd, p.committed_vnd, p.paid_vnd, p.remaining_vnd, p.outstanding_vnd]
            return [p.key, p.label, *([p.group] if table == "calls" else []), *money, p.awards]

    headings.append(_("Awards"))
    return exports.Export(
        title=table, headings=[str(heading) for heading in headings], rows=map(row, positions)
    )


@never_cache
@office_required
@require_GET
def office_position_csv(request, table: str):
    """One table of the position page as CSV, with the page's filters."""
    if table not in POSITION_TABLES:
        raise Http404
    funds, fund_id, months = _position_scope(request)
    export = _position_export(table, funds, fund_id, months)
    return exports.export_response(export, f"position-{table}", "csv")


urlpatterns = [
    path("fund/office/", office_home, name="fund_office"),
    path("fund/office/applications/", office_applications, name="fund_office_applications"),
    path("fund/office/applications/<int:pk>/", office_application, name="fund_office_application"),
    path(
        "fund/office/applications/<int:pk>/transition/",
        office_application_transition,
        name="fund_office_application_transition",
    ),
    path(
        "fund/office/applications/<int:pk>/decision/",
        office_application_decide,
        name="fund_office_application_decide",
    ),
    path(
        "fund/office/applications/<int:pk>/documents/<int:document_id>/",
        office_document,
        name="fund_office_document",
    ),
    path("fund/office/awards/<int:pk>/", office_award, name="fund_office_award"),
    path(
        "fund/office/awards/<int:pk>/tranches/<int:tranche_id>/milestone-met/",
        office_milestone_met,
        name="fund_office_milestone_met",
    ),
    path(
        "fund/office/awards/<int:pk>/disbursements/",
        office_disbursement_request,
        name="fund_office_disbursement_request",
    ),
    path(
        "fund/office/awards/<int:pk>/disbursements/<int:disbursement_id>/approve/",
        office_disbursement_approve,
        name="fund_office_disbursement_approve",
    ),
    path(
        "fund/office/awards/<int:pk>/disbursements/<int:disbursement_id>/reject/",
        office_disbursement_reject,
        name="fund_office_disbursement_reject",
    ),
    path(
        "fund/office/awards/<int:pk>/ledger/<int:entry_id>/reverse/",
        office_ledger_reverse,
        name="fund_office_ledger_reverse",
    ),
    path("fund/office/disbursements/", office_disbursements, name="fund_office_disbursements"),
    re_path(
        r"^fund/office/export/(?P<kind>applications|awards|ledger)\.(?P<fmt>csv|xlsx)$",
        office_export,
        name="fund_office_export",
    ),
    path("fund/office/position/", office_position, name="fund_office_position"),
    re_path(
        r"^fund/office/position/(?P<table>[a-z]+)\.csv$",
        office_position_csv,
        name="fund_office_position_csv",
    ),
]
