"""Writes to the fund: applications and their review, decisions, milestones,
disbursements and the ledger.

Money rules are checked under row locks, in one order everywhere (application, fund,
call; award, tranche, disbursement), so that parallel writers queue instead of each
seeing the same room left and both taking it; the running totals they update are held by
CheckConstraints as a last line. Every transition is audited with from, to and note.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from fund import notifications
from fund.enums import (
    APPLICATION_TRANSITIONS,
    OFFICER_TARGETS,
    ApplicationStatus,
    Decision,
    DisbursementStatus,
    DocumentKind,
)
from fund.models import (
    MAX_VND,
    Award,
    Disbursement,
    Fund,
    FundApplication,
    FundDocument,
    FundingCall,
    LedgerEntry,
    Tranche,
)
from fund.rules import is_applicant, is_finance_approver, is_fund_officer
from portal.audit import audit_record
from portal.errors import Conflict
from portal.files import check_room, check_upload, stored
from portal.models import User
from portal.rules import is_email_verified
from startups.models import Organization
from startups.rules import is_member

# What an applicant writes in a draft.
APPLICATION_FIELDS = (
    "proposal",
    "requested_vnd",
    "instrument",
    "summary",
    "plan",
    "budget_breakdown",
)
# What an application must have before it is submitted.
REQUIRED_TO_SUBMIT = ("summary", "plan", "budget_breakdown")
# Proposals that may back an application: sent and not taken back.
_UNSENT_PROPOSAL_STATUSES = ("draft", "withdrawn")


def vnd(amount: int) -> str:
    """An amount as people read it in the active language: 1.500.000 VND."""
    return _("%(amount)s VND") % {"amount": formats.number_format(amount, force_grouping=True)}


# Applications: drafts


@transaction.atomic
def application_create(
    *, actor: User, call: FundingCall, organization: Organization, data: dict
) -> FundApplication:
    """A new draft for `organization`, which the actor must belong to, under a published
    call that has not closed."""
    if not is_member(actor, organization):
        raise PermissionDenied(_("Only members of the organisation may do this."))
    if not call.is_published:
        raise ValidationError({"call": [_("This call does not take applications.")]})
    _require_call_not_closed(call, timezone.now())
    application = FundApplication(call=call, organization=organization, created_by=actor)
    _apply(application, data)
    application.full_clean()
    application.save()
    audit_record(
        actor=actor,
        action="fund_application.create",
        obj=application,
        data={"call": call.pk, "organization": organization.pk},
    )
    return application


@transaction.atomic
def application_update(*, actor: User, application: FundApplication, data: dict) -> FundApplication:
    application = _lock_application(application)
    _require_applicant(actor, application)
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(_("Only a draft can be edited."))
    before = {name: _plain(getattr(application, name)) for name in APPLICATION_FIELDS}
    _apply(application, data)
    changed = sorted(
        name for name in APPLICATION_FIELDS if _plain(getattr(application, name)) != before[name]
    )
    if not changed:
        return application
    application.full_clean()
    application.save()
    audit_record(
        actor=actor, action="fund_application.update", obj=application, data={"fields": changed}
    )
    return application


# Applications: transitions


@transaction.atomic
def application_submit(application: FundApplication, *, actor: User) -> FundApplication:
    """Send a draft, within the call's window read on the server clock under the lock.
    Submitting what is already submitted returns it unchanged (a retried request)."""
    application = _lock_application(application)
    _require_applicant(actor, application)
    if application.status == ApplicationStatus.SUBMITTED:
        return application
    _require_transition(application, ApplicationStatus.SUBMITTED)
    call, now = application.call, timezone.now()
    if now < call.opens_at:
        raise Conflict(_("This call does not take applications yet."))
    _require_call_not_closed(call, now)
    if not is_email_verified(actor):
        raise PermissionDenied(
            _("Verify your e-mail address before you submit: open the link we sent you.")
        )
    missing = {
        name: [_("Fill this in before you submit.")]
        for name in REQUIRED_TO_SUBMIT
        if not getattr(application, name).strip()
    }
    if missing:
        raise ValidationError(missing)
    application.full_clean()  # the call may have changed its instruments since the draft
    return _move(application, ApplicationStatus.SUBMITTED, actor=actor, note="", now=now)


@transaction.atomic
def application_withdraw(
    application: FundApplication, *, actor: User, note: str = ""
) -> FundApplication:
    """The applicant takes a sent application back, at any time before the decision."""
    application = _lock_application(application)
    _require_applicant(actor, application)
    if application.status == ApplicationStatus.WITHDRAWN:
        return application
    _require_transition(application, ApplicationStatus.WITHDRAWN)
    return _move(application, ApplicationStatus.WITHDRAWN, actor=actor, note=note)


@transaction.atomic
def application_transition(
    application: FundApplication, to: str, *, actor: User, note: str = ""
) -> FundApplication:
    """A fund officer moves an application through review: screening, due diligence,
    committee; back to submitted to ask for more information; or rejects it. Asking
    for more and rejecting need a note: the applicant reads it."""
    _require_officer(actor)
    if to not in OFFICER_TARGETS:
        raise ValidationError(
            {"to": [_("Choose screening, due diligence, committee, submitted or rejected.")]}
        )
    note = (note or "").strip()
    application = _lock_application(application)
    _require_transition(application, to)
    if to in (ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED) and not note:
        raise ValidationError({"note": [_("Give the applicant the reason.")]})
    return _move(application, to, actor=actor, note=note)


@transaction.atomic
def application_decide(
    application: FundApplication,
    *,
    actor: User,
    decision: str,
    approved_vnd: int | None = None,
    tranches: list[dict] | tuple = (),
    conditions: str = "",
    note: str = "",
) -> Award | None:
    """The committee's decision, recorded by a fund officer. Approval creates the award
    and its tranches; returns the award (None on rejection).

    The amount approved may not exceed what was requested, nor what the call's budget and
    the fund's capital have left: both rows are locked while the room left is read and
    taken, so parallel decisions queue and never commit more than there is."""
    _require_officer(actor)
    note = (note or "").strip()
    if decision not in Decision.values:
        raise ValidationError({"decision": [_("Choose approve or reject.")]})
    if decision == Decision.REJECT:
        if not note:
            raise ValidationError({"note": [_("Give the applicant the reason.")]})
        application = _lock_application(application)
        _require_status(application, ApplicationStatus.COMMITTEE)
        _move(application, ApplicationStatus.REJECTED, actor=actor, note=note)
        return None

    approved_vnd = _amount(approved_vnd, "approved_vnd")
    schedule = _tranche_schedule(tranches, approved_vnd)
    application = _lock_application(application)
    _require_status(application, ApplicationStatus.COMMITTEE)
    if approved_vnd > application.requested_vnd:
        raise ValidationError(
            {
                "approved_vnd": [
                    _("The amount approved cannot exceed the %(requested)s requested.")
                    % {"requested": vnd(application.requested_vnd)}
                ]
            }
        )
    fund = Fund.objects.select_for_update().get(pk=application.call.fund_id)
    call = FundingCall.objects.select_for_update().get(pk=application.call_id)
    call_left = call.budget_vnd - call.committed_vnd
    if approved_vnd > call_left:
        raise Conflict(
            _("The call has only %(left)s of its budget left.") % {"left": vnd(call_left)}
        )
    fund_left = fund.capital_vnd - fund.committed_vnd
    if approved_vnd > fund_left:
        raise Conflict(
            _("The fund has only %(left)s of its capital left.") % {"left": vnd(fund_left)}
        )

    now = timezone.now()
    award = Award.objects.create(
        application=application,
        call=call,
        fund=fund,
        approved_vnd=approved_vnd,
        conditions=(conditions or "").strip(),
        decided_at=now,
        decided_by=actor,
    )
    Tranche.objects.bulk_create(
        Tranche(award=award, number=number, **item) for number, item in enumerate(schedule, 1)
    )
    call.committed_vnd += approved_vnd
    call.save(update_fields=["committed_vnd"])
    fund.committed_vnd += approved_vnd
    fund.save(update_fields=["committed_vnd"])
    _move(
        application,
        ApplicationStatus.APPROVED,
        actor=actor,
        note=note,
        now=now,
        extra={
            "award": award.pk,
            "approved_vnd": approved_vnd,
            "tranches": [item["amount_vnd"] for item in schedule],
        },
    )
    return award


# Documents

# Each file, and what one application may hold in all (as a proposal's attachments).
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
DOCUMENTS_MAX_COUNT = 20
DOCUMENTS_MAX_TOTAL_BYTES = 50 * 1024 * 1024


@transaction.atomic
def document_add(*, actor: User, application: FundApplication, upload, kind: str) -> FundDocument:
    """Add a file to a draft: its type checked from the content (PDF, Office documents
    without macros, PNG, JPEG), stored privately under a random name. The per-application
    limits are counted under the application's lock, so two parallel uploads cannot both
    squeeze under them. A refused file stores nothing."""
    _require_applicant(actor, application)
    if kind not in DocumentKind.values:
        raise ValidationError({"kind": [_("Choose among the kinds of document.")]})
    # Reading and hashing a 20 MB file takes a while: done before the lock, so that a
    # slow upload never holds up the application's other writers (or its submit).
    check = check_upload(upload, max_bytes=DOCUMENT_MAX_BYTES)
    application = _lock_application(application)
    _require_draft(application)
    check_room(
        FundDocument.objects.filter(application=application),
        check,
        max_count=DOCUMENTS_MAX_COUNT,
        max_total_bytes=DOCUMENTS_MAX_TOTAL_BYTES,
        too_many=_("An application takes at most %(limit)d files; delete one first."),
        too_large=_("An application's files may take at most %(limit)s in all."),
    )
    document = FundDocument(application=application, kind=kind, uploaded_by=actor, **check.fields())
    with stored(document, upload, check):
        document.save()
        audit_record(
            actor=actor,
            action="fund_document.add",
            obj=application,
            data={
                "application": application.pk,
                "document": document.pk,
                "kind": kind,
                "size": check.size,
                "sha256": check.sha256,
            },
        )
    return document


@transaction.atomic
def document_delete(*, actor: User, document: FundDocument) -> None:
    """Remove a draft's file; the stored file goes once the deletion is committed."""
    application = _lock_application(document.application)
    _require_applicant(actor, application)
    _require_draft(application)
    document = FundDocument.objects.filter(pk=document.pk, application=application).first()
    if document is None:
        return  # deleted meanwhile: nothing left to do
    name = document.file.name
    audit_record(
        actor=actor,
        action="fund_document.delete",
        obj=application,
        data={
            "application": application.pk,
            "document": document.pk,
            "kind": document.kind,
            "size": document.size,
            "sha256": document.sha256,
        },
    )
    document.delete()
    storage = FundDocument._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))


def _require_draft(application: FundApplication) -> None:
    if application.status != ApplicationStatus.DRAFT:
        raise Conflict(
            _("Documents can be added or removed only while the application is a draft.")
        )


# Milestones and disbursements


@transaction.atomic
def tranche_milestone_met(tranche: Tranche, *, actor: User, note: str = "") -> Tranche:
    """A fund officer records that the tranche's milestone is verified: it may be paid."""
    _require_officer(actor)
    tranche = Tranche.objects.select_for_update().get(pk=tranche.pk)
    if tranche.milestone_met:
        raise Conflict(_("This milestone is already marked as met."))
    tranche.milestone_met_at = timezone.now()
    tranche.milestone_met_by = actor
    tranche.milestone_note = (note or "").strip()
    tranche.save(update_fields=["milestone_met_at", "milestone_met_by", "milestone_note"])
    audit_record(
        actor=actor,
        action="fund_tranche.milestone_met",
        obj=tranche,
        data={"award": tranche.award_id, "number": tranche.number, "note": tranche.milestone_note},
    )
    return tranche


@transaction.atomic
def disbursement_request(
    award: Award, tranche: Tranche, amount_vnd: int, reference: str, *, actor: User
) -> Disbursement:
    """A fund officer asks to pay (part of) a tranche whose milestone is met, up to what
    is neither paid nor already requested on it."""
    _require_officer(actor)
    amount_vnd = _amount(amount_vnd, "amount_vnd")
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": [_("Give the payment order's reference.")]})
    if tranche.award_id != award.pk:
        raise ValidationError({"tranche": [_("This tranche belongs to another award.")]})
    award, tranche = _lock_award_and_tranche(award.pk, tranche.pk)
    if not tranche.milestone_met:
        raise Conflict(_("This tranche's milestone is not met yet; it cannot be paid."))
    if Disbursement.objects.filter(award=award, reference=reference).exists():
        raise Conflict(_("This award already has a disbursement with this reference."))
    pending = Disbursement.objects.filter(
        tranche=tranche, status=DisbursementStatus.REQUESTED
    ).aggregate(total=Coalesce(Sum("amount_vnd"), 0))["total"]
    left = tranche.amount_vnd - tranche.paid_vnd - pending
    if amount_vnd > left:
        raise Conflict(
            _("Only %(left)s of this tranche is neither paid nor requested.") % {"left": vnd(left)}
        )
    disbursement = Disbursement.objects.create(
        award=award,
        tranche=tranche,
        amount_vnd=amount_vnd,
        reference=reference,
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="fund_disbursement.transition",
        obj=disbursement,
        data={
            "from": None,
            "to": DisbursementStatus.REQUESTED,
            "award": award.pk,
            "tranche": tranche.pk,
            "amount_vnd": amount_vnd,
            "reference": reference,
        },
    )
    return disbursement


@transaction.atomic
def disbursement_approve(disbursement: Disbursement, *, actor: User) -> Disbursement:
    """A finance approver who did not request it approves the payment: it enters the
    ledger and counts as paid."""
    _require_second_pair_of_eyes(actor, disbursement)
    award, tranche = _lock_award_and_tranche(disbursement.award_id, disbursement.tranche_id)
    disbursement = _lock_requested(disbursement)
    # Reached only if a reversal and a new request raced; the constraints hold anyway.
    if (
        tranche.paid_vnd + disbursement.amount_vnd > tranche.amount_vnd
        or award.paid_vnd + disbursement.amount_vnd > award.approved_vnd
    ):
        raise Conflict(_("Paying this would exceed what was approved."))
    now = timezone.now()
    entry = LedgerEntry.objects.create(
        award=award,
        tranche=tranche,
        disbursement=disbursement,
        amount_vnd=disbursement.amount_vnd,
        created_at=now,
        created_by=actor,
    )
    _add_paid(award, tranche, disbursement.amount_vnd)
    notifications.payment_made(disbursement)
    return _decide(disbursement, DisbursementStatus.APPROVED, actor=actor, now=now, ledger=entry)


@transaction.atomic
def disbursement_reject(disbursement: Disbursement, *, actor: User, note: str) -> Disbursement:
    """A finance approver who did not request it refuses the payment, saying why."""
    _require_second_pair_of_eyes(actor, disbursement)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why the request is rejected.")]})
    _lock_award_and_tranche(disbursement.award_id, disbursement.tranche_id)
    disbursement = _lock_requested(disbursement)
    disbursement.note = note
    return _decide(disbursement, DisbursementStatus.REJECTED, actor=actor, now=timezone.now())


@transaction.atomic
def ledger_reverse(entry: LedgerEntry, *, actor: User, note: str) -> LedgerEntry:
    """Correct a payment by a negative entry pointing at it (the ledger is never edited).
    What it paid becomes payable again on its tranche."""
    if not is_finance_approver(actor):
        raise PermissionDenied(_("Only finance approvers may do this."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say why the payment is reversed.")]})
    award, tranche = _lock_award_and_tranche(entry.award_id, entry.tranche_id)
    entry = LedgerEntry.objects.get(pk=entry.pk)
    if entry.reverses_id is not None:
        raise Conflict(_("A reversal cannot itself be reversed."))
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise Conflict(_("This payment is already reversed."))
    reversal = LedgerEntry.objects.create(
        award=award,
        tranche=tranche,
        disbursement_id=entry.disbursement_id,
        amount_vnd=-entry.amount_vnd,
        reverses=entry,
        note=note,
        created_at=timezone.now(),
        created_by=actor,
    )
    _add_paid(award, tranche, reversal.amount_vnd)
    audit_record(
        actor=actor,
        action="fund_ledger.reverse",
        obj=reversal,
        data={
            "reverses": entry.pk,
            "award": award.pk,
            "tranche": tranche.pk,
            "amount_vnd": reversal.amount_vnd,
            "note": note,
        },
    )
    return reversal


# Helpers


def _move(application, to, *, actor, note, now=None, extra=None) -> FundApplication:
    """Save an application's new state and audit it; the caller checked the rules."""
    now = now or timezone.now()
    before = application.status
    application.status = to
    application.status_note = note
    fields = ["status", "status_note", "updated_at"]
    if to == ApplicationStatus.SUBMITTED and application.submitted_at is None:
        application.submitted_at = now
        fields.append("submitted_at")
    if to in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        application.decided_at = now
        fields.append("decided_at")
    application.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="fund_application.transition",
        obj=application,
        data={"from": before, "to": to, "note": note, **(extra or {})},
    )
    notifications.application_moved(application)
    return application


def _decide(disbursement, to, *, actor, now, ledger=None) -> Disbursement:
    disbursement.status = to
    disbursement.decided_by = actor
    disbursement.decided_at = now
    disbursement.save(update_fields=["status", "decided_by", "decided_at", "note"])
    data = {
        "from": DisbursementStatus.REQUESTED,
        "to": to,
        "note": disbursement.note,
        "amount_vnd": disbursement.amount_vnd,
    }
    if ledger is not None:
        data["ledger_entry"] = ledger.pk
    audit_record(actor=actor, action="fund_disbursement.transition", obj=disbursement, data=data)
    return disbursement


def _add_paid(award: Award, tranche: Tranche, amount: int) -> None:
    tranche.paid_vnd += amount
    tranche.save(update_fields=["paid_vnd"])
    award.paid_vnd += amount
    award.save(update_fields=["paid_vnd"])


def _lock_application(application: FundApplication) -> FundApplication:
    return (
        FundApplication.objects.select_for_update(of=("self",))
        .select_related("call", "organization")
        .get(pk=application.pk)
    )


def _lock_award_and_tranche(award_id: int, tranche_id: int) -> tuple[Award, Tranche]:
    award = Award.objects.select_for_update().get(pk=award_id)
    tranche = Tranche.objects.select_for_update().get(pk=tranche_id, award_id=award_id)
    return award, tranche


def _lock_requested(disbursement: Disbursement) -> Disbursement:
    disbursement = Disbursement.objects.select_for_update().get(pk=disbursement.pk)
    if disbursement.status != DisbursementStatus.REQUESTED:
        raise Conflict(
            _("This disbursement is already %(status)s.")
            % {"status": disbursement.get_status_display().lower()}
        )
    return disbursement


def _require_officer(actor: User) -> None:
    if not is_fund_officer(actor):
        raise PermissionDenied(_("Only fund officers may do this."))


def _require_applicant(actor: User, application: FundApplication) -> None:
    if not is_applicant(actor, application):
        raise PermissionDenied(_("Only members of the organisation may do this."))


def _require_second_pair_of_eyes(actor: User, disbursement: Disbursement) -> None:
    if not is_finance_approver(actor):
        raise PermissionDenied(_("Only finance approvers may do this."))
    if disbursement.requested_by_id == actor.pk:
        raise PermissionDenied(_("Someone other than the requester must decide this request."))


def _require_status(application: FundApplication, status: str) -> None:
    if application.status != status:
        raise Conflict(
            _("This application is %(status)s; only one in committee can be decided.")
            % {"status": application.get_status_display().lower()}
        )


def _require_transition(application: FundApplication, to: str) -> None:
    if to not in APPLICATION_TRANSITIONS[application.status]:
        raise Conflict(
            _("An application that is %(status)s cannot become %(to)s.")
            % {
                "status": application.get_status_display().lower(),
                "to": ApplicationStatus(to).label.lower(),
            }
        )


def _require_call_not_closed(call: FundingCall, now) -> None:
    if now >= call.closes_at:
        raise Conflict(_("This call has closed."))


def _amount(value, field: str) -> int:
    """A whole, positive number of đồng; floats and text are refused, not rounded."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_VND:
        raise ValidationError({field: [_("Enter a whole number of đồng, more than zero.")]})
    return value


def _tranche_schedule(tranches, approved_vnd: int) -> list[dict]:
    """Check the tranche schedule: each with a positive amount, a date and a milestone,
    together exactly the amount approved."""
    if not tranches:
        raise ValidationError({"tranches": [_("Give at least one tranche.")]})
    schedule, errors = [], []
    for number, item in enumerate(tranches, 1):
        item = item if isinstance(item, dict) else {}
        amount = item.get("amount_vnd")
        planned = item.get("planned_date")
        if isinstance(planned, str):
            try:
                planned = parse_date(planned)
            except ValueError:
                planned = None
        milestone = str(item.get("milestone") or "").strip()
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_VND:
            errors.append(
                _("Tranche %(number)d: enter a whole number of đồng, more than zero.")
                % {"number": number}
            )
        if not isinstance(planned, datetime.date) or isinstance(planned, datetime.datetime):
            errors.append(_("Tranche %(number)d: give a planned date.") % {"number": number})
        if not milestone:
            errors.append(
                _("Tranche %(number)d: describe the milestone to reach.") % {"number": number}
            )
        schedule.append({"amount_vnd": amount, "planned_date": planned, "milestone": milestone})
    if errors:
        raise ValidationError({"tranches": errors})
    total = sum(item["amount_vnd"] for item in schedule)
    if total != approved_vnd:
        raise ValidationError(
            {
                "tranches": [
                    _("The tranches add up to %(total)s, not the %(approved)s approved.")
                    % {"total": vnd(total), "approved": vnd(approved_vnd)}
                ]
            }
        )
    return schedule


def _apply(application: FundApplication, data: dict) -> None:
    unknown = set(data) - set(APPLICATION_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    for name in APPLICATION_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "proposal" and value is not None:
            _check_proposal(application, value)
        elif name == "requested_vnd":
            value = _amount(value, "requested_vnd")
        elif isinstance(value, str):
            value = value.strip()
        setattr(application, name, value)


def _check_proposal(application: FundApplication, proposal) -> None:
    """The backing proposal is one the organisation sent, to the call's challenge if the
    call has one."""
    if proposal.organization_id != application.organization_id:
        raise ValidationError({"proposal": [_("This proposal is not your organisation's.")]})
    if proposal.status in _UNSENT_PROPOSAL_STATUSES:
        raise ValidationError(
            {"proposal": [_("Only a submitted proposal can back an application.")]}
        )
    challenge_id = application.call.challenge_id
    if challenge_id and proposal.challenge_id != challenge_id:
        raise ValidationError(
            {"proposal": [_("This call funds proposals to its own challenge only.")]}
        )


def _plain(value):
    return value.pk if hasattr(value, "pk") else value
