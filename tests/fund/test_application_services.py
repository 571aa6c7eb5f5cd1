from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from fund import services
from fund.enums import ApplicationStatus
from fund.models import FundApplication
from portal.errors import Conflict
from portal.models import AuditEvent
from tests.factories import UserFactory
from tests.factories.challenges import ProposalFactory
from tests.factories.fund import FundingCallFactory

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def last_transition(application):
    return (
        AuditEvent.objects.filter(
            action="fund_application.transition", object_id=str(application.pk)
        )
        .order_by("-sequence")
        .first()
        .data
    )


def draft_data(**overrides):
    data = {
        "requested_vnd": 3_000_000_000,
        "instrument": "grant",
        "summary": "Hệ thống cảnh báo ngập cho khu công nghiệp.",
        "plan": "Thử nghiệm 6 tháng, triển khai 12 tháng.",
        "budget_breakdown": "Cảm biến 2 tỷ; phần mềm 1 tỷ.",
    }
    return data | overrides


def sent_proposal(status="submitted", **fields):
    return ProposalFactory(
        status=status, submitted_at=timezone.now(), content_sha256="0" * 64, **fields
    )


# Drafts


def test_draft_is_created_by_a_member_and_audited(member, organization):
    call = FundingCallFactory()

    application = services.application_create(
        actor=member, call=call, organization=organization, data=draft_data()
    )

    assert (application.status, application.requested_vnd) == (S.DRAFT, 3_000_000_000)
    event = AuditEvent.objects.get(action="fund_application.create")
    assert event.data == {"call": call.pk, "organization": organization.pk}


def test_draft_for_an_organisation_one_is_not_in_is_refused(organization):
    with pytest.raises(PermissionDenied):
        services.application_create(
            actor=UserFactory(),
            call=FundingCallFactory(),
            organization=organization,
            data=draft_data(),
        )

    assert not FundApplication.objects.exists()


def test_draft_with_an_instrument_the_call_does_not_offer_is_a_field_error(member, organization):
    call = FundingCallFactory(offers_grant=True, offers_equity=False)

    with pytest.raises(ValidationError) as error:
        services.application_create(
            actor=member, call=call, organization=organization, data=draft_data(instrument="equity")
        )

    assert set(error.value.message_dict) == {"instrument"}


@pytest.mark.parametrize("amount", [0, -5, 1.5, "1000", True])
def test_draft_with_an_amount_that_is_not_whole_positive_dong_is_a_field_error(
    member, organization, amount
):
    with pytest.raises(ValidationError) as error:
        services.application_create(
            actor=member,
            call=FundingCallFactory(),
            organization=organization,
            data=draft_data(requested_vnd=amount),
        )

    assert set(error.value.message_dict) == {"requested_vnd"}


def test_draft_backed_by_a_proposal_must_be_the_organisations_own_to_the_calls_challenge(
    member, organization
):
    own = sent_proposal(organization=organization, reference="P-1")
    call = FundingCallFactory(challenge=own.challenge)
    other_org = sent_proposal(challenge=own.challenge, reference="P-2")
    other_challenge = sent_proposal(organization=organization, status="winner", reference="P-3")
    unsent = ProposalFactory(organization=organization, challenge=own.challenge)

    for proposal in (other_org, other_challenge, unsent):
        with pytest.raises(ValidationError) as error:
            services.application_create(
                actor=member,
                call=call,
                organization=organization,
                data=draft_data(proposal=proposal),
            )
        assert set(error.value.message_dict) == {"proposal"}
    application = services.application_create(
        actor=member, call=call, organization=organization, data=draft_data(proposal=own)
    )
    assert application.proposal == own


def test_draft_update_audits_the_fields_changed_and_a_sent_one_is_frozen(member, application_in):
    draft = application_in(S.DRAFT)

    services.application_update(actor=member, application=draft, data={"plan": "Kế hoạch mới"})

    assert AuditEvent.objects.get(action="fund_application.update").data == {"fields": ["plan"]}
    with pytest.raises(Conflict):
        services.application_update(
            actor=member, application=application_in(S.SUBMITTED), data={"plan": "Khác"}
        )


# Submission


def test_submit_sends_the_draft_and_audits(member, application_in):
    draft = application_in(S.DRAFT)

    services.application_submit(draft, actor=member)

    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and draft.submitted_at is not None
    assert last_transition(draft) == {"from": "draft", "to": "submitted", "note": ""}


def test_submit_twice_is_one_submission(member, application_in):
    draft = application_in(S.DRAFT)

    services.application_submit(draft, actor=member)
    services.application_submit(draft, actor=member)

    assert AuditEvent.objects.filter(action="fund_application.transition").count() == 1


def test_submit_outside_the_calls_window_is_refused(member, application_in):
    now = timezone.now()
    closed = FundingCallFactory(opens_at=now - timedelta(days=30), closes_at=now - timedelta(1))
    upcoming = FundingCallFactory(opens_at=now + timedelta(days=1))

    for call in (closed, upcoming):
        draft = application_in(S.DRAFT, call=call)
        with pytest.raises(Conflict):
            services.application_submit(draft, actor=member)
        draft.refresh_from_db()
        assert draft.status == S.DRAFT


def test_submit_incomplete_lists_what_is_missing(member, application_in):
    draft = application_in(S.DRAFT, plan="", budget_breakdown="  ")

    with pytest.raises(ValidationError) as error:
        services.application_submit(draft, actor=member)

    assert set(error.value.message_dict) == {"plan", "budget_breakdown"}


def test_submit_by_a_non_member_or_an_officer_is_refused(application_in, officer):
    draft = application_in(S.DRAFT)

    for user in (UserFactory(), officer):
        with pytest.raises(PermissionDenied):
            services.application_submit(draft, actor=user)


# Review by fund officers


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.SUBMITTED, S.SCREENING),
        (S.SCREENING, S.DUE_DILIGENCE),
        (S.DUE_DILIGENCE, S.COMMITTEE),
    ],
)
def test_officer_moves_an_application_through_review(officer, application_in, start, to):
    application = application_in(start)

    services.application_transition(application, to, actor=officer, note="Đủ hồ sơ")

    application.refresh_from_db()
    assert application.status == to
    assert last_transition(application) == {"from": start, "to": to, "note": "Đủ hồ sơ"}


@pytest.mark.parametrize("start", [S.SCREENING, S.DUE_DILIGENCE, S.COMMITTEE])
def test_officer_asks_for_more_information_with_a_reason_the_applicant_reads(
    officer, application_in, start
):
    application = application_in(start)

    with pytest.raises(ValidationError) as error:
        services.application_transition(application, S.SUBMITTED, actor=officer, note=" ")
    assert set(error.value.message_dict) == {"note"}

    services.application_transition(
        application, S.SUBMITTED, actor=officer, note="Bổ sung báo cáo tài chính 2025"
    )
    application.refresh_from_db()
    assert (application.status, application.status_note) == (
        S.SUBMITTED,
        "Bổ sung báo cáo tài chính 2025",
    )


@pytest.mark.parametrize("start", [S.SUBMITTED, S.SCREENING, S.DUE_DILIGENCE, S.COMMITTEE])
def test_officer_rejects_with_a_reason(officer, application_in, start):
    application = application_in(start)

    services.application_transition(application, S.REJECTED, actor=officer, note="Ngoài phạm vi")

    application.refresh_from_db()
    assert application.status == S.REJECTED and application.decided_at is not None
    assert last_transition(application)["note"] == "Ngoài phạm vi"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DRAFT, S.SCREENING),
        (S.SUBMITTED, S.COMMITTEE),
        (S.SCREENING, S.COMMITTEE),
        (S.REJECTED, S.SCREENING),
        (S.WITHDRAWN, S.SCREENING),
        (S.APPROVED, S.SUBMITTED),
    ],
)
def test_forbidden_transition_is_a_conflict(officer, application_in, start, to):
    application = application_in(start)

    with pytest.raises(Conflict):
        services.application_transition(application, to, actor=officer, note="x")

    application.refresh_from_db()
    assert application.status == start
    assert not AuditEvent.objects.filter(action="fund_application.transition").exists()


@pytest.mark.parametrize("to", [S.APPROVED, S.WITHDRAWN, S.DRAFT, "paid"])
def test_officer_cannot_approve_or_withdraw_through_a_transition(officer, application_in, to):
    with pytest.raises(ValidationError) as error:
        services.application_transition(application_in(S.COMMITTEE), to, actor=officer, note="x")

    assert set(error.value.message_dict) == {"to"}


def test_review_by_anyone_but_a_fund_officer_is_refused(
    member, approver, auditor, manager, application_in
):
    application = application_in(S.SUBMITTED)

    for user in (member, approver, auditor, manager):
        with pytest.raises(PermissionDenied):
            services.application_transition(application, S.SCREENING, actor=user, note="")

    application.refresh_from_db()
    assert application.status == S.SUBMITTED


# Withdrawal


@pytest.mark.parametrize("start", [S.SUBMITTED, S.SCREENING, S.DUE_DILIGENCE, S.COMMITTEE])
def test_applicant_withdraws_before_the_decision(member, application_in, start):
    application = application_in(start)

    services.application_withdraw(application, actor=member, note="Đã có nhà đầu tư khác")

    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    assert last_transition(application) == {
        "from": start,
        "to": "withdrawn",
        "note": "Đã có nhà đầu tư khác",
    }


@pytest.mark.parametrize("start", [S.DRAFT, S.APPROVED, S.REJECTED])
def test_withdraw_of_a_draft_or_a_decided_application_is_a_conflict(member, application_in, start):
    with pytest.raises(Conflict):
        services.application_withdraw(application_in(start), actor=member)


def test_withdraw_by_an_officer_is_refused(officer, application_in):
    with pytest.raises(PermissionDenied):
        services.application_withdraw(application_in(S.SUBMITTED), actor=officer)


# Rejection in committee


def test_committee_rejects_with_a_reason(officer, application_in):
    application = application_in(S.COMMITTEE)

    with pytest.raises(ValidationError):
        services.application_decide(application, actor=officer, decision="reject", note="")
    award = services.application_decide(
        application, actor=officer, decision="reject", note="Chưa chứng minh thị trường"
    )

    application.refresh_from_db()
    assert award is None
    assert (application.status, application.status_note) == (
        S.REJECTED,
        "Chưa chứng minh thị trường",
    )


@pytest.mark.parametrize("start", [S.SUBMITTED, S.DUE_DILIGENCE, S.APPROVED, S.REJECTED])
def test_decision_outside_committee_is_a_conflict(officer, application_in, start):
    with pytest.raises(Conflict):
        services.application_decide(
            application_in(start), actor=officer, decision="reject", note="Không"
        )


def test_decision_must_be_approve_or_reject(officer, application_in):
    with pytest.raises(ValidationError) as error:
        services.application_decide(
            application_in(S.COMMITTEE), actor=officer, decision="maybe", note="?"
        )

    assert set(error.value.message_dict) == {"decision"}
