"""The juror's workspace in the dashboard (/dashboard/reviews/): what is left to score,
and each score sheet with the entry beside its rubric. Server-rendered pages calling the
same services as the API.

Only members of the jurors group come in (others get a 403 page, anonymous visitors the
sign-in page). Assignments are looked up through `juror_assignment_or_404`, so another
juror's sheet, its entry and its files are a 404. Writes are POST-only; with
`Accept: application/json` the save answers JSON, for the sheet's autosave. A service's
ValidationError lands on the form (400), PermissionDenied is a 403 page and Conflict
(the state or the clock) a 409 page with the service's message. On a blind challenge the
pages never name the organisation, its members or the files' own names.
"""

from __future__ import annotations

import math
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from challenges.judging.assignment import declare_conflict
from challenges.judging.blind import blind_file_response, neutral_names
from challenges.judging.forms import ConflictForm, ScoreSheetForm
from challenges.judging.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    RoundStatus,
)
from challenges.judging.selectors import (
    JUROR_VISIBLE_ROUNDS,
    JUROR_VISIBLE_STATUSES,
    juror_assignment_or_404,
    juror_assignments,
)
from challenges.judging.services import sheet_save, sheet_submit
from challenges.models import Attachment
from challenges.services import local_time
from portal.errors import Conflict
from portal.markdown import render_markdown
from portal.storage import private_file_response
from startups.forms import add_service_errors

TEMPLATES = "challenges/judging/"
EDITABLE_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT)


# Access


def is_juror(user) -> bool:
    """Whether the user may score entries (the jurors group's permission). Django
    loads the user's permissions once per request; the header and the dashboard's
    tabs read them again without a query."""
    return user.is_authenticated and user.has_perm("challenges.score_entries")


def _wants_json(request) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _refused(request, message: str, *, status: int):
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(
        request,
        TEMPLATES + "refused.html",
        {"message": message, "juror": is_juror(request.user)},
        status=status,
    )


def juror_required(view):
    """Signed in (else the sign-in page) and a juror (else a 403 page)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_juror(request.user):
            return _refused(
                request,
                _("This workspace is for the department's jurors. Your account is not one."),
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapped


def _handle_refusals(view):
    """A refusal raised by a service becomes a page (or JSON) that says why:
    PermissionDenied a 403, Conflict (the state or the clock) a 409."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as error:
            return _refused(request, str(error) or _("You may not do this."), status=403)
        except Conflict as error:
            return _refused(request, error.message, status=409)

    return wrapped


# Rounds and their deadlines


def _label(obj, language: str) -> str:
    return (obj.name_en if language == "en" and obj.name_en else "") or obj.name


def _round_window(round_, now) -> dict:
    """Where the round's scoring window stands, for the countdown."""
    if round_.status == RoundStatus.CLOSED or now >= round_.closes_at:
        state = "closed"
    elif now < round_.opens_at:
        state = "upcoming"
    else:
        state = "open"
    remaining = round_.closes_at - now
    return {
        "state": state,
        "opens": local_time(round_.opens_at),
        "deadline": local_time(round_.closes_at),
        "days_left": remaining.days,
        # "less than N hours left" in the last day: N rounded up, never 0.
        "hours_left": max(1, math.ceil(remaining.total_seconds() / 3600)),
    }


def _accepts_scores(assignment, now) -> bool:
    round_ = assignment.round
    return (
        assignment.status in EDITABLE_STATUSES
        and round_.status == RoundStatus.SCORING
        and round_.opens_at <= now < round_.closes_at
    )


# The list


# What the list shows, and nothing more: each row brings six joined models.
LIST_FIELDS = (
    "id",
    "status",
    "round_id",
    "entry_id",
    "round__number",
    "round__name",
    "round__name_en",
    "round__status",
    "round__opens_at",
    "round__closes_at",
    "round__rubric_id",
    "round__challenge_id",
    "round__challenge__code",
    "round__challenge__title",
    "round__challenge__blind_review",
    "entry__proposal_id",
    "entry__proposal__reference",
    "entry__proposal__title",
    "entry__proposal__organization_id",
    "entry__proposal__organization__short_name",
    "entry__proposal__organization__legal_name",
)


@never_cache
@juror_required
@require_GET
def review_list(request):
    """My assignments by round, the rounds with work left first: per round how many of
    my sheets are submitted and the deadline; per entry its status and progress."""
    user = request.user
    language = translation.get_language()
    now = timezone.now()
    criteria_count = (
        Criterion.objects.filter(rubric=OuterRef("round__rubric_id"))
        .order_by()
        .values("rubric")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = list(
        juror_assignments(user)
        .annotate(
            criteria_total=Coalesce(Subquery(criteria_count, output_field=IntegerField()), Value(0))
        )
        # Only what the page shows: each row brings six joined models.
        .only(*LIST_FIELDS)
    )
    # Per round, counted by the database: my sheets and how many are submitted.
    totals = {
        row["round"]: row
        for row in Assignment.objects.filter(
            juror=user, status__in=JUROR_VISIBLE_STATUSES, round__status__in=JUROR_VISIBLE_ROUNDS
        )
        .order_by()
        .values("round")
        .annotate(
            total=Count("pk"),
            submitted=Count("pk", filter=Q(status=AssignmentStatus.SUBMITTED)),
        )
    }
    # Work done once per page, not per row: one URL pattern, one label table.
    pattern = reverse("dashboard:review", args=[0]).removesuffix("0/")
    labels = dict(AssignmentStatus.choices)
    by_round: dict[int, list] = {}
    for row in rows:
        by_round.setdefault(row.round_id, []).append(row)
    rounds = []
    for round_id, entries in by_round.items():
        round_ = entries[0].round
        blind = round_.challenge.blind_review
        for entry in entries:
            proposal = entry.entry.proposal
            entry.url = f"{pattern}{entry.pk}/"
            entry.reference = proposal.reference
            entry.title = proposal.title
            entry.status_label = labels.get(entry.status, entry.status)
            # Never on a blind challenge's rows, whatever the template does with them.
            entry.organization_name = "" if blind else proposal.organization.display_name
        counts = totals.get(round_id, {"total": len(entries), "submitted": 0})
        window = _round_window(round_, now)
        rounds.append(
            {
                "round": round_,
                "name": _label(round_, language),
                "challenge": round_.challenge,
                "entries": entries,
                "total": counts["total"],
                "submitted": counts["submitted"],
                "left": counts["total"] - counts["submitted"],
                **window,
            }
        )
    # What is left to do first: rounds still taking scores with sheets to finish, by
    # nearest deadline; then the rest.
    rounds.sort(key=lambda r: (not (r["left"] and r["state"] != "closed"), r["round"].closes_at))
    return render(
        request,
        TEMPLATES + "review_list.html",
        {"rounds": rounds, "left": sum(r["left"] for r in rounds if r["state"] != "closed")},
    )


# The score sheet


def _sheet_parts(assignment):
    """The round's criteria in order and the sheet's saved scores by criterion."""
    criteria = list(assignment.round.rubric.criteria.all())
    scores = {score.criterion_id: score for score in assignment.scores.all()}
    return criteria, scores


def _sheet_form(request, assignment, criteria, scores, data=None):
    return ScoreSheetForm(
        data,
        criteria=criteria,
        scores=scores,
        comment=assignment.comment,
        language=translation.get_language(),
    )


def _documents(assignment, attachments) -> list[dict]:
    """The entry's files as the juror sees them: on a blind challenge under neutral
    names ("technical-1.pdf"), as the API gives them."""
    names = (
        neutral_names(attachments)
        if assignment.round.challenge.blind_review
        else {attachment.pk: attachment.display_name for attachment in attachments}
    )
    pattern = reverse("dashboard:review_document", args=[assignment.pk, 0]).removesuffix("0/")
    return [
        {
            "url": f"{pattern}{attachment.pk}/",
            "name": names[attachment.pk],
            "kind": attachment.get_kind_display(),
            "size": attachment.size,
        }
        for attachment in attachments
    ]


def _render_sheet(request, assignment, *, form=None, conflict_form=None, status=200):
    now = timezone.now()
    round_ = assignment.round
    challenge = round_.challenge
    proposal = assignment.entry.proposal
    blind = challenge.blind_review
    language = translation.get_language()
    criteria, scores = _sheet_parts(assignment)
    editable = _accepts_scores(assignment, now)
    if form is None:
        form = _sheet_form(request, assignment, criteria, scores)
    attachments = list(proposal.attachments.all())
    context = {
        "assignment": assignment,
        "proposal": proposal,
        "challenge": challenge,
        "round_name": _label(round_, language),
        "blind": blind,
        "organization_name": "" if blind else proposal.organization.display_name,
        "track_name": "" if proposal.track_id is None else _label(proposal.track, language),
        "description_html": render_markdown(proposal.description),
        "documents": _documents(assignment, attachments),
        "editable": editable,
        "is_submitted": assignment.status == AssignmentStatus.SUBMITTED,
        "submitted_at": local_time(assignment.submitted_at) if assignment.submitted_at else "",
        "form": form,
        "rows": form.rows(),
        "answered": len(scores),
        "total": len(criteria),
        "conflict_form": (conflict_form or ConflictForm()) if editable else None,
        **_round_window(round_, now),
    }
    return render(request, TEMPLATES + "score_sheet.html", context, status=status)


@never_cache
@juror_required
@require_GET
def review_sheet(request, pk: int):
    return _render_sheet(request, juror_assignment_or_404(request.user, pk))


def _form_errors(form) -> dict:
    return {name: [str(message) for message in errors] for name, errors in form.errors.items()}


@never_cache
@juror_required
@require_POST
@_handle_refusals
def review_save(request, pk: int):
    """Keep a draft: the Save button, and the sheet's autosave (JSON)."""
    assignment = juror_assignment_or_404(request.user, pk)
    criteria, scores = _sheet_parts(assignment)
    form = _sheet_form(request, assignment, criteria, scores, data=request.POST)
    if form.is_valid():
        sent = form.scores()
        try:
            sheet = sheet_save(
                assignment, actor=request.user, scores=sent, comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            form.add_sheet_errors(error, sent)
        else:
            saved_at = timezone.localtime(sheet.updated_at).strftime("%H:%M")
            message = _("Saved at %(time)s.") % {"time": saved_at}
            if _wants_json(request):
                answered = sheet.scores.count()
                return JsonResponse(
                    {
                        "status": sheet.status,
                        "saved_at": sheet.updated_at.isoformat(),
                        "message": message,
                        "answered": answered,
                        "total": len(criteria),
                        "progress": _("%(answered)s of %(total)s criteria answered")
                        % {"answered": answered, "total": len(criteria)},
                    }
                )
            messages.success(request, _("Draft saved at %(time)s.") % {"time": saved_at})
            return redirect("dashboard:review", pk=assignment.pk)
    if _wants_json(request):
        return JsonResponse(
            {
                "message": _("Not saved: see the marked fields."),
                "errors": _form_errors(form),
            },
            status=400,
        )
    return _render_sheet(request, assignment, form=form, status=400)


@never_cache
@juror_required
@require_POST
@_handle_refusals
def review_submit(request, pk: int):
    """Save what the form holds and lock the sheet, both or neither."""
    assignment = juror_assignment_or_404(request.user, pk)
    criteria, scores = _sheet_parts(assignment)
    form = _sheet_form(request, assignment, criteria, scores, data=request.POST)
    if form.is_valid():
        sent = form.scores()
        try:
            with transaction.atomic():
                sheet = sheet_save(
                    assignment,
                    actor=request.user,
                    scores=sent,
                    comment=form.cleaned_data["comment"],
                )
                sheet_submit(sheet, actor=request.user)
        except ValidationError as error:
            form.add_sheet_errors(error, sent)
            if not hasattr(error, "item_errors"):  # the submit's refusal: show where
                form.mark_unanswered()
        else:
            messages.success(
                request,
                _("Your score sheet for %(reference)s is submitted. It can no longer be changed.")
                % {"reference": assignment.entry.proposal.reference},
            )
            return redirect("dashboard:review", pk=assignment.pk)
    return _render_sheet(request, assignment, form=form, status=400)


@never_cache
@juror_required
@require_POST
@_handle_refusals
def review_conflict(request, pk: int):
    """Declare a conflict of interest: the entry leaves my list and goes to another
    juror."""
    assignment = juror_assignment_or_404(request.user, pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            declare_conflict(assignment, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "You declared a conflict of interest on %(reference)s. The entry is no "
                    "longer on your list: it is reassigned to another juror."
                )
                % {"reference": assignment.entry.proposal.reference},
            )
            return redirect("dashboard:reviews")
    return _render_sheet(request, assignment, conflict_form=form, status=400)


@never_cache
@juror_required
@require_http_methods(["GET", "HEAD"])
@_handle_refusals
def review_document(request, pk: int, attachment_id: int):
    """A document of the entry, to its juror only. On a blind challenge: under its
    neutral name, as a copy without the document's properties (author, company...)."""
    assignment = juror_assignment_or_404(request.user, pk)
    attachments = list(Attachment.objects.filter(proposal_id=assignment.entry.proposal_id))
    attachment = next((a for a in attachments if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404
    if assignment.round.challenge.blind_review:
        # Numbered among the entry's files of its kind: all of them are needed.
        return blind_file_response(attachment, filename=neutral_names(attachments)[attachment.pk])
    return private_file_response(
        attachment.file, filename=attachment.display_name, content_type=attachment.content_type
    )
