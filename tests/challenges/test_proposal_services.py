import hashlib
import json
import threading
from datetime import UTC, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone, translation

from challenges import services
from challenges.enums import ProposalStatus
from challenges.models import Attachment, Proposal, Track
from portal.errors import Conflict
from portal.models import AuditEvent
from startups.enums import MembershipRole, OrganizationKind
from tests.factories import ChallengeFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.challenges import ProposalFactory

pytestmark = pytest.mark.django_db


def verified(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )
    user.__dict__.pop("_email_verified", None)
    return user


@pytest.fixture
def member():
    return verified(UserFactory(email="thanh.vien@example.test", preferred_language="vi"))


@pytest.fixture
def draft(member):
    proposal = ProposalFactory(author=member)
    MembershipFactory(organization=proposal.organization, user=member, role=MembershipRole.MEMBER)
    return proposal


@pytest.fixture
def clock(monkeypatch):
    """`clock(moment)` fixes the server's clock."""

    def set_to(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


# Drafts


def test_draft_is_created_by_a_member_and_audited(member):
    organization = OrganizationFactory()
    MembershipFactory(organization=organization, user=member)
    challenge = ChallengeFactory(code="P1-2026")

    proposal = services.proposal_create(
        actor=member, organization=organization, challenge=challenge, data={"title": " Cảm biến "}
    )

    assert (proposal.status, proposal.title, proposal.reference) == ("draft", "Cảm biến", None)
    assert AuditEvent.objects.get(action="proposal.create").data == {
        "challenge": "P1-2026",
        "organization": organization.pk,
    }


def test_draft_for_an_organisation_one_is_not_in_is_refused(member):
    with pytest.raises(PermissionDenied):
        services.proposal_create(
            actor=member,
            organization=OrganizationFactory(),
            challenge=ChallengeFactory(),
            data={"title": "X"},
        )
    assert not Proposal.objects.exists()


def test_draft_for_a_closed_call_is_refused(member):
    organization = OrganizationFactory()
    MembershipFactory(organization=organization, user=member)
    now = timezone.now()
    closed = ChallengeFactory(opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1))

    with pytest.raises(Conflict):
        services.proposal_create(
            actor=member, organization=organization, challenge=closed, data={"title": "X"}
        )


def test_draft_update_audits_the_fields_changed(member, draft):
    services.proposal_update(
        actor=member, proposal=draft, data={"budget_vnd": 900_000_000, "title": draft.title}
    )

    assert AuditEvent.objects.get(action="proposal.update").data == {"fields": ["budget_vnd"]}


def test_draft_update_of_an_unknown_field_or_track_is_a_field_error(member, draft):
    with pytest.raises(ValidationError) as unknown:
        services.proposal_update(actor=member, proposal=draft, data={"status": "winner"})
    other = Track.objects.create(challenge=ChallengeFactory(), code="thpt", name="THPT")
    with pytest.raises(ValidationError) as foreign:
        services.proposal_update(actor=member, proposal=draft, data={"track": other})

    assert list(unknown.value.message_dict) == ["status"]
    assert list(foreign.value.message_dict) == ["track"]


def test_draft_delete_removes_it_but_a_sent_one_stays(member, draft):
    sent = ProposalFactory(organization=draft.organization, challenge=draft.challenge)
    services.proposal_submit(actor=member, proposal=sent)

    services.proposal_delete(actor=member, proposal=draft)
    with pytest.raises(Conflict):
        services.proposal_delete(actor=member, proposal=sent)

    assert list(Proposal.objects.values_list("pk", flat=True)) == [sent.pk]


# Submission


def test_submit_gives_a_reference_a_digest_and_a_receipt(
    member, draft, django_capture_on_commit_callbacks
):
    draft.challenge.code = "P1-2026"
    draft.challenge.save()

    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.proposal_submit(actor=member, proposal=draft)

    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.reference == "P1-2026-0001"
    assert abs(proposal.submitted_at - timezone.now()) < timedelta(seconds=5)
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [member.email]
    assert receipt.subject == "Biên nhận đề xuất P1-2026-0001"
    assert proposal.content_sha256 in receipt.body
    assert "(UTC+07:00)" in receipt.body
    event = AuditEvent.objects.get(action="proposal.transition")
    assert event.data == {
        "from": "draft",
        "to": "submitted",
        "reference": "P1-2026-0001",
        "sha256": proposal.content_sha256,
    }


def test_submit_digest_is_reproducible_from_the_documented_form(member, draft):
    Attachment.objects.create(
        proposal=draft,
        kind="pitch_deck",
        file="attachments/x.pdf",
        display_name="Hồ sơ.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="b" * 64,
        uploaded_by=member,
    )
    Attachment.objects.create(
        proposal=draft,
        kind="budget",
        file="attachments/y.xlsx",
        display_name="Dự toán.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        size=99,
        sha256="a" * 64,
        uploaded_by=member,
    )

    proposal = services.proposal_submit(actor=member, proposal=draft)

    documented = {
        "format": "proposal-receipt/1",
        "reference": proposal.reference,
        "submitted_at": proposal.submitted_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "challenge": proposal.challenge.code,
        "track": None,
        "organization": proposal.organization_id,
        "title": proposal.title,
        "summary": proposal.summary,
        "description": proposal.description,
        "budget_vnd": 1_500_000_000,
        "duration_months": 12,
        "team": proposal.team,
        "attachments": [
            {"kind": "budget", "sha256": "a" * 64, "size": 99},
            {"kind": "pitch_deck", "sha256": "b" * 64, "size": 1234},
        ],
    }
    text = json.dumps(documented, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert proposal.content_sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_submit_twice_is_one_submission(member, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.proposal_submit(actor=member, proposal=draft)
        again = services.proposal_submit(actor=member, proposal=draft)

    assert (again.reference, again.submitted_at) == (first.reference, first.submitted_at)
    assert AuditEvent.objects.filter(action="proposal.transition").count() == 1
    assert len(mail.outbox) == 1


def test_submit_a_second_before_the_deadline_is_accepted(member, draft, clock):
    clock(draft.challenge.closes_at - timedelta(seconds=1))

    proposal = services.proposal_submit(actor=member, proposal=draft)

    assert proposal.submitted_at == draft.challenge.closes_at - timedelta(seconds=1)


def test_submit_at_the_deadline_is_refused_with_the_deadline_in_province_time(member, draft, clock):
    closes = timezone.make_aware(timezone.datetime(2026, 12, 1, 10, 0), UTC)  # 17:00 in Hanoi
    draft.challenge.opens_at = closes - timedelta(days=30)
    draft.challenge.closes_at = closes
    draft.challenge.save()
    clock(closes)

    with translation.override("en"), pytest.raises(Conflict) as error:
        services.proposal_submit(actor=member, proposal=draft)

    assert error.value.message == (
        "The deadline has passed: this call closed at 17:00 on 01/12/2026 (UTC+07:00)."
    )
    draft.refresh_from_db()
    assert (draft.status, draft.reference) == ("draft", None)


def test_submit_before_the_call_opens_is_refused(member, draft, clock):
    clock(draft.challenge.opens_at - timedelta(seconds=1))

    with pytest.raises(Conflict):
        services.proposal_submit(actor=member, proposal=draft)


def test_submit_incomplete_lists_what_is_missing(member, draft):
    Proposal.objects.filter(pk=draft.pk).update(budget_vnd=None, description="")
    Track.objects.create(challenge=draft.challenge, code="thcs", name="THCS")

    with pytest.raises(ValidationError) as error:
        services.proposal_submit(actor=member, proposal=draft)

    assert sorted(error.value.message_dict) == ["budget_vnd", "description", "track"]


def test_submit_over_the_ceiling_is_refused(member, draft):
    draft.challenge.budget_ceiling_vnd = 1_000_000_000
    draft.challenge.save()

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.proposal_submit(actor=member, proposal=draft)

    assert error.value.message_dict == {
        "budget_vnd": ["The budget is above this call's ceiling of 1,000,000,000 VND."]
    }


def test_submit_by_an_ineligible_kind_or_unverified_organisation_is_refused(member, draft):
    draft.challenge.eligible_kinds = [OrganizationKind.SCHOOL]
    draft.challenge.save()
    with pytest.raises(Conflict):
        services.proposal_submit(actor=member, proposal=draft)

    draft.challenge.eligible_kinds = []
    draft.challenge.requires_verified_organization = True
    draft.challenge.save()
    draft.organization.verified = False
    draft.organization.save()
    with pytest.raises(Conflict):
        services.proposal_submit(actor=member, proposal=draft)


def test_submit_by_an_unverified_address_is_refused(draft):
    unverified = UserFactory()
    MembershipFactory(organization=draft.organization, user=unverified)

    with pytest.raises(PermissionDenied):
        services.proposal_submit(actor=unverified, proposal=draft)


def test_submit_by_a_non_member_is_refused(draft):
    with pytest.raises(PermissionDenied):
        services.proposal_submit(actor=verified(UserFactory()), proposal=draft)


def test_submit_beyond_the_limit_per_organisation_is_refused_withdrawn_ones_do_not_count(
    member, draft
):
    first = ProposalFactory(organization=draft.organization, challenge=draft.challenge)
    services.proposal_submit(actor=member, proposal=first)

    with pytest.raises(Conflict):
        services.proposal_submit(actor=member, proposal=draft)
    services.proposal_withdraw(actor=member, proposal=first)
    services.proposal_submit(actor=member, proposal=draft)

    draft.refresh_from_db()
    assert draft.reference.endswith("-0002")


# Withdrawal and the transition table


def test_withdraw_before_the_deadline(member, draft):
    services.proposal_submit(actor=member, proposal=draft)

    proposal = services.proposal_withdraw(actor=member, proposal=draft, note="Nộp nhầm")

    assert proposal.status == ProposalStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="proposal.transition").last().data == {
        "from": "submitted",
        "to": "withdrawn",
        "note": "Nộp nhầm",
    }


def test_withdraw_after_the_deadline_is_refused(member, draft, clock):
    services.proposal_submit(actor=member, proposal=draft)
    clock(draft.challenge.closes_at)

    with pytest.raises(Conflict):
        services.proposal_withdraw(actor=member, proposal=draft)


@pytest.mark.parametrize(
    "status",
    ["under_review", "shortlisted", "not_selected", "winner"],
)
def test_withdraw_once_judging_has_it_is_refused(member, draft, status):
    services.proposal_submit(actor=member, proposal=draft)
    Proposal.objects.filter(pk=draft.pk).update(status=status)

    with pytest.raises(Conflict):
        services.proposal_withdraw(actor=member, proposal=draft)


def test_a_draft_cannot_be_withdrawn_and_a_withdrawn_one_not_resubmitted(member, draft):
    with pytest.raises(Conflict):
        services.proposal_withdraw(actor=member, proposal=draft)
    services.proposal_submit(actor=member, proposal=draft)
    services.proposal_withdraw(actor=member, proposal=draft)

    with pytest.raises(Conflict):
        services.proposal_submit(actor=member, proposal=draft)
    with pytest.raises(Conflict):
        services.proposal_update(actor=member, proposal=draft, data={"title": "Mới"})


def test_references_follow_each_other_across_organisations(member, draft):
    other_member = verified(UserFactory())
    other = ProposalFactory(challenge=draft.challenge)
    MembershipFactory(organization=other.organization, user=other_member)

    services.proposal_submit(actor=member, proposal=draft)
    services.proposal_submit(actor=other_member, proposal=other)

    draft.refresh_from_db()
    other.refresh_from_db()
    code = draft.challenge.code
    assert (draft.reference, other.reference) == (f"{code}-0001", f"{code}-0002")


# Parallel submits (PostgreSQL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_submits_of_one_draft_make_one_submission():
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite serialises writes")
    member = verified(UserFactory())
    draft = ProposalFactory(author=member)
    MembershipFactory(organization=draft.organization, user=member)
    barrier = threading.Barrier(20)
    results = []

    def submit():
        try:
            barrier.wait()
            results.append(services.proposal_submit(actor=member, proposal=draft).reference)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 20 and len(set(results)) == 1
    draft.refresh_from_db()
    assert draft.challenge.last_reference_number == 1
    assert AuditEvent.objects.filter(action="proposal.transition").count() == 1


# Attachments


def _pdf_upload(name="Thuyết minh.pdf"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")


def test_attachment_add_stores_privately_and_audits(member, draft):
    attachment = services.attachment_add(
        actor=member, proposal=draft, upload=_pdf_upload(), kind="technical"
    )

    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.storage.exists(attachment.file.name)
    assert (attachment.display_name, attachment.content_type) == (
        "Thuyết minh.pdf",
        "application/pdf",
    )
    assert AuditEvent.objects.get(action="attachment.add").data == {
        "proposal": draft.pk,
        "attachment": attachment.pk,
        "kind": "technical",
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def test_attachment_add_by_a_non_member_is_refused(draft):
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            actor=UserFactory(), proposal=draft, upload=_pdf_upload(), kind="other"
        )
    assert not Attachment.objects.exists()


def test_attachment_add_with_an_unknown_kind_is_refused(member, draft):
    with pytest.raises(ValidationError) as error:
        services.attachment_add(actor=member, proposal=draft, upload=_pdf_upload(), kind="x")
    assert set(error.value.message_dict) == {"kind"}


def test_attachment_delete_audits_and_removes_the_file_on_commit(
    member, draft, django_capture_on_commit_callbacks
):
    attachment = services.attachment_add(
        actor=member, proposal=draft, upload=_pdf_upload(), kind="budget"
    )
    storage, name = attachment.file.storage, attachment.file.name

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.attachment_delete(actor=member, attachment=attachment)
    assert storage.exists(name)  # kept until the deletion is committed
    for callback in callbacks:
        callback()

    assert not storage.exists(name)
    assert not Attachment.objects.exists()
    assert AuditEvent.objects.get(action="attachment.delete").data["attachment"] == attachment.pk
