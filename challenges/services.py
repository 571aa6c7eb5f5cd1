"""Writes to proposals: drafts, submission and withdrawal.

The deadline is checked on the server clock at the moment of the write, inside the
transaction that writes, with the proposal and the challenge locked: a submit that
starts a millisecond before the deadline and one that starts after it are told apart by
`timezone.now()` read under the lock, never by what a client says.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from challenges.enums import (
    PROPOSAL_TRANSITIONS,
    SENT_PROPOSAL_STATUSES,
    AttachmentKind,
    ProposalStatus,
)
from challenges.models import Attachment, Challenge, Proposal, Track
from portal.audit import audit_record
from portal.errors import Conflict
from portal.files import check_room, check_upload, stored
from portal.models import User
from portal.rules import is_email_verified
from startups.models import Organization
from startups.rules import role_of

# What an applicant writes in a draft.
PROPOSAL_FIELDS = (
    "track",
    "title",
    "summary",
    "description",
    "budget_vnd",
    "duration_months",
    "team",
)
# What a proposal must have before it can be submitted.
REQUIRED_TO_SUBMIT = ("title", "summary", "description", "budget_vnd", "duration_months")
# Version of the canonical form the receipt's SHA-256 is computed over (see
# `proposal_content_digest`); a change to the form is a new version.
RECEIPT_FORMAT = "proposal-receipt/1"
# Attachments: each file, and what one proposal may hold in all.
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_MAX_COUNT = 20
ATTACHMENTS_MAX_TOTAL_BYTES = 50 * 1024 * 1024


def local_time(moment) -> str:
    """A moment in the province's time, unambiguous in both languages: 17:00 on
    01/12/2026 (UTC+07:00)."""
    local = timezone.localtime(moment)
    return _("%(time)s on %(date)s (UTC+07:00)") % {
        "time": local.strftime("%H:%M"),
        "date": local.strftime("%d/%m/%Y"),
    }


# Drafts


@transaction.atomic
def proposal_create(
    *, actor: User, organization: Organization, challenge: Challenge, data: dict
) -> Proposal:
    """A new draft for `organization`, which the actor must belong to. Calls that have
    closed take no new drafts."""
    _require_member(actor, organization)
    if not challenge.is_published:
        raise ValidationError({"challenge": [_("This challenge does not take proposals.")]})
    _require_before_deadline(challenge, timezone.now())
    proposal = Proposal(challenge=challenge, organization=organization, author=actor)
    _apply(proposal, data)
    proposal.full_clean()
    proposal.save()
    audit_record(
        actor=actor,
        action="proposal.create",
        obj=proposal,
        data={"challenge": challenge.code, "organization": organization.pk},
    )
    return proposal


@transaction.atomic
def proposal_update(*, actor: User, proposal: Proposal, data: dict) -> Proposal:
    proposal = _lock(proposal)
    _require_member(actor, proposal.organization)
    _require_status(proposal, ProposalStatus.DRAFT)
    _require_before_deadline(proposal.challenge, timezone.now())
    before = {name: _plain(getattr(proposal, name)) for name in PROPOSAL_FIELDS}
    _apply(proposal, data)
    after = {name: _plain(getattr(proposal, name)) for name in PROPOSAL_FIELDS}
    changed = sorted(name for name in after if after[name] != before[name])
    if not changed:
        return proposal
    proposal.full_clean()
    proposal.save()
    audit_record(actor=actor, action="proposal.update", obj=proposal, data={"fields": changed})
    return proposal


@transaction.atomic
def proposal_delete(*, actor: User, proposal: Proposal) -> None:
    """Delete a draft and its files. Anything sent stays."""
    proposal = _lock(proposal)
    _require_member(actor, proposal.organization)
    _require_status(proposal, ProposalStatus.DRAFT)
    names = [attachment.file.name for attachment in proposal.attachments.all()]
    audit_record(
        actor=actor,
        action="proposal.delete",
        obj=proposal,
        data={"challenge": proposal.challenge.code, "title": proposal.title},
    )
    proposal.delete()
    if names:
        files = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: [files.delete(name) for name in names])


# Attachments


@transaction.atomic
def attachment_add(*, actor: User, proposal: Proposal, upload, kind: str) -> Attachment:
    """Attach a file to a draft: its type checked from the content, stored privately under
    a random name. The per-proposal limits are counted under the proposal's lock, so two
    parallel uploads cannot both squeeze under them. A refused file stores nothing."""
    _require_member(actor, proposal.organization)
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": [_("Choose among the kinds of attachment.")]})
    # Reading and hashing a 20 MB file takes a while: done before the lock, so that a
    # slow upload never holds up the proposal's other writers (or its submit).
    check = check_upload(upload, max_bytes=ATTACHMENT_MAX_BYTES)
    proposal = _lock(proposal)
    _require_status(proposal, ProposalStatus.DRAFT)
    _require_before_deadline(proposal.challenge, timezone.now())
    check_room(
        Attachment.objects.filter(proposal=proposal),
        check,
        max_count=ATTACHMENTS_MAX_COUNT,
        max_total_bytes=ATTACHMENTS_MAX_TOTAL_BYTES,
        too_many=_("A proposal takes at most %(limit)d files; delete one first."),
        too_large=_("A proposal's files may take at most %(limit)s in all."),
    )
    attachment = Attachment(proposal=proposal, kind=kind, uploaded_by=actor, **check.fields())
    with stored(attachment, upload, check):
        attachment.save()
        audit_record(
            actor=actor,
            action="attachment.add",
            obj=proposal,
            data={
                "proposal": proposal.pk,
                "attachment": attachment.pk,
                "kind": kind,
                "size": check.size,
                "sha256": check.sha256,
            },
        )
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Remove a draft's file; the stored file goes once the deletion is committed."""
    proposal = _lock(attachment.proposal)
    _require_member(actor, proposal.organization)
    _require_status(proposal, ProposalStatus.DRAFT)
    _require_before_deadline(proposal.challenge, timezone.now())
    attachment = Attachment.objects.filter(pk=attachment.pk, proposal=proposal).first()
    if attachment is None:
        return  # deleted meanwhile: nothing left to do
    name = attachment.file.name
    audit_record(
        actor=actor,
        action="attachment.delete",
        obj=proposal,
        data={
            "proposal": proposal.pk,
            "attachment": attachment.pk,
            "kind": attachment.kind,
            "size": attachment.size,
            "sha256": attachment.sha256,
        },
    )
    attachment.delete()
    storage = Attachment._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(name))


# Submission


@transaction.atomic
def proposal_submit(*, actor: User, proposal: Proposal) -> Proposal:
    """Send a draft: check the deadline on the server clock, eligibility and
    completeness; give it a reference; record the SHA-256 of its content; e-mail a
    receipt. Submitting what is already submitted returns it unchanged (a retried request
    makes one submission, not two)."""
    proposal = _lock(proposal)
    _require_member(actor, proposal.organization)
    if proposal.status == ProposalStatus.SUBMITTED:
        return proposal
    _require_status(proposal, ProposalStatus.DRAFT)
    # The challenge row is the queue of a call's submissions: its lock orders them, and
    # the clock is read once it is held.
    challenge = Challenge.objects.select_for_update().get(pk=proposal.challenge_id)
    now = timezone.now()
    if now < challenge.opens_at:
        raise Conflict(
            _("This call opens at %(opens)s; it does not take proposals yet.")
            % {"opens": local_time(challenge.opens_at)}
        )
    _require_before_deadline(challenge, now)
    if not is_email_verified(actor):
        raise PermissionDenied(
            _("Verify your e-mail address before you submit: open the link we sent you.")
        )
    organization = proposal.organization
    _check_eligibility(challenge, organization)
    _check_complete(proposal, challenge)
    _check_limit(proposal, challenge)
    challenge.last_reference_number += 1
    challenge.save(update_fields=["last_reference_number"])
    proposal.reference = f"{challenge.code}-{challenge.last_reference_number:04d}"
    proposal.submitted_at = now
    proposal.status = ProposalStatus.SUBMITTED
    proposal.content_sha256 = proposal_content_digest(proposal)
    proposal.save(
        update_fields=["reference", "submitted_at", "status", "content_sha256", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="proposal.transition",
        obj=proposal,
        data={
            "from": ProposalStatus.DRAFT,
            "to": ProposalStatus.SUBMITTED,
            "reference": proposal.reference,
            "sha256": proposal.content_sha256,
        },
    )
    transaction.on_commit(lambda: _send_receipt(proposal.pk, actor.pk))
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: User, proposal: Proposal, note: str = "") -> Proposal:
    """Take back a submitted proposal, before the deadline."""
    proposal = _lock(proposal)
    _require_member(actor, proposal.organization)
    if proposal.status == ProposalStatus.WITHDRAWN:
        return proposal
    _require_transition(proposal, ProposalStatus.WITHDRAWN)
    now = timezone.now()
    _require_before_deadline(proposal.challenge, now)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.withdrawn_at = now
    proposal.save(update_fields=["status", "withdrawn_at", "updated_at"])
    audit_record(
        actor=actor,
        action="proposal.transition",
        obj=proposal,
        data={"from": ProposalStatus.SUBMITTED, "to": ProposalStatus.WITHDRAWN, "note": note},
    )
    return proposal


def proposal_canonical_form(proposal: Proposal) -> bytes:
    """The bytes a sent proposal's SHA-256 is computed over, version RECEIPT_FORMAT:

    UTF-8 JSON, keys sorted, no whitespace (separators "," and ":"), non-ASCII kept as
    is, of {"format", "reference", "submitted_at" (ISO 8601 in UTC, microseconds),
    "challenge" (code), "track" (code or null), "organization" (id), "title", "summary",
    "description", "budget_vnd", "duration_months", "team", "attachments": [{"sha256",
    "size", "kind"} for each file, ordered by sha256, then kind]}.

    Anyone holding the receipt and the files can rebuild it; the dashboard offers it for
    download, so that `sha256sum` of the file gives the receipt's hash.
    """
    attachments = sorted(
        (
            {"sha256": a.sha256, "size": a.size, "kind": a.kind}
            for a in (proposal.attachments.all() if proposal.pk else ())
        ),
        key=lambda a: (a["sha256"], a["kind"]),
    )
    payload = {
        "format": RECEIPT_FORMAT,
        "reference": proposal.reference,
        "submitted_at": proposal.submitted_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "challenge": proposal.challenge.code,
        "track": proposal.track.code if proposal.track_id else None,
        "organization": proposal.organization_id,
        "title": proposal.title,
        "summary": proposal.summary,
        "description": proposal.description,
        "budget_vnd": proposal.budget_vnd,
        "duration_months": proposal.duration_months,
        "team": proposal.team,
        "attachments": attachments,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return canonical.encode()


def proposal_content_digest(proposal: Proposal) -> str:
    """SHA-256 (hex) of `proposal_canonical_form`."""
    return hashlib.sha256(proposal_canonical_form(proposal)).hexdigest()


def proposal_submit_problems(*, actor: User, proposal: Proposal, now=None) -> list[str]:
    """What would stop `actor` submitting this draft now, in the words the submit would
    use; empty when it can go. For the dashboard's checklist: the submit checks again,
    under its locks."""
    problems = []
    challenge = proposal.challenge
    now = now or timezone.now()
    checks = [
        lambda: _require_before_deadline(challenge, now),
        lambda: _check_eligibility(challenge, proposal.organization),
        lambda: _check_complete(proposal, challenge),
        lambda: _check_limit(proposal, challenge),
    ]
    if now < challenge.opens_at:
        problems.append(
            _("This call opens at %(opens)s; it does not take proposals yet.")
            % {"opens": local_time(challenge.opens_at)}
        )
    if not is_email_verified(actor):
        problems.append(
            _("Verify your e-mail address before you submit: open the link we sent you.")
        )
    for check in checks:
        try:
            check()
        except Conflict as error:
            problems.append(error.message)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                label = Proposal._meta.get_field(name).verbose_name
                problems.extend(f"{capfirst(label)}: {message}" for message in messages)
    return problems


def _send_receipt(proposal_id: int, user_id: int) -> None:
    proposal = Proposal.objects.select_related("challenge", "organization").get(pk=proposal_id)
    user = User.objects.get(pk=user_id)
    with translation.override(user.preferred_language):
        context = {
            "proposal": proposal,
            "user": user,
            "submitted_at": local_time(proposal.submitted_at),
        }
        subject = render_to_string("challenges/email/receipt_subject.txt", context)
        body = render_to_string("challenges/email/receipt_message.txt", context)
    EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=[user.email]).send()


# Rules


def _check_eligibility(challenge: Challenge, organization: Organization) -> None:
    if challenge.eligible_kinds and organization.kind not in challenge.eligible_kinds:
        raise Conflict(
            _("This call is not open to organisations of the kind “%(kind)s”.")
            % {"kind": organization.get_kind_display()}
        )
    if challenge.requires_verified_organization and not organization.verified:
        raise Conflict(
            _(
                "This call takes proposals from verified organisations only: ask the department "
                "to verify yours."
            )
        )


def _check_complete(proposal: Proposal, challenge: Challenge) -> None:
    errors = {}
    for name in REQUIRED_TO_SUBMIT:
        value = getattr(proposal, name)
        if value in (None, ""):
            errors[name] = [_("Fill this in before you submit.")]
    if challenge.tracks.exists() and proposal.track_id is None:
        errors["track"] = [_("Choose a track before you submit.")]
    if (
        challenge.budget_ceiling_vnd
        and proposal.budget_vnd
        and proposal.budget_vnd > challenge.budget_ceiling_vnd
    ):
        errors["budget_vnd"] = [
            _("The budget is above this call's ceiling of %(ceiling)s VND.")
            % {"ceiling": formats.number_format(challenge.budget_ceiling_vnd, force_grouping=True)}
        ]
    if errors:
        raise ValidationError(errors)


def _check_limit(proposal: Proposal, challenge: Challenge) -> None:
    sent = (
        Proposal.objects.filter(
            challenge=challenge,
            organization_id=proposal.organization_id,
            status__in=SENT_PROPOSAL_STATUSES,
        )
        .exclude(pk=proposal.pk)
        .count()
    )
    if sent >= challenge.max_proposals_per_organization:
        raise Conflict(
            _("Your organisation has already sent %(count)d proposal(s), the most this call takes.")
            % {"count": sent}
        )


def _require_before_deadline(challenge: Challenge, now) -> None:
    if now >= challenge.closes_at:
        raise Conflict(
            _("The deadline has passed: this call closed at %(deadline)s.")
            % {"deadline": local_time(challenge.closes_at)}
        )


def _require_member(actor: User, organization: Organization) -> None:
    if role_of(actor, organization) is None:
        raise PermissionDenied(_("Only members of the organisation may do this."))


def _require_status(proposal: Proposal, status: str) -> None:
    if proposal.status != status:
        raise Conflict(
            _("This proposal is %(status)s; it can no longer be changed this way.")
            % {"status": proposal.get_status_display().lower()}
        )


def _require_transition(proposal: Proposal, to: str) -> None:
    if to not in PROPOSAL_TRANSITIONS[proposal.status]:
        raise Conflict(
            _("A proposal that is %(status)s cannot be %(to)s.")
            % {
                "status": proposal.get_status_display().lower(),
                "to": ProposalStatus(to).label.lower(),
            }
        )


def _lock(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("challenge", "organization", "track")
        .get(pk=proposal.pk)
    )


def _apply(proposal: Proposal, data: dict) -> None:
    unknown = set(data) - set(PROPOSAL_FIELDS)
    if unknown:
        raise ValidationError({name: [_("This field cannot be set.")] for name in sorted(unknown)})
    for name in PROPOSAL_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "track":
            if value is not None and not isinstance(value, Track):
                value = Track.objects.filter(challenge=proposal.challenge, code=value).first()
                if value is None:
                    raise ValidationError({"track": [_("This call has no such track.")]})
            if value is not None and value.challenge_id != proposal.challenge_id:
                raise ValidationError({"track": [_("This call has no such track.")]})
        elif isinstance(value, str):
            value = value.strip()
        setattr(proposal, name, value)


def _plain(value):
    return value.pk if hasattr(value, "pk") else value
