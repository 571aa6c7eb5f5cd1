"""The applicant organisation's members hear of each step of its fund application and of
each payment, by e-mail, in their own language, once the change is committed; a mail
server that fails never undoes the change."""

import pytest
from django.core import mail

from fund import services
from fund.enums import ApplicationStatus
from fund.models import FundApplication
from tests.factories import UserFactory
from tests.factories.startups import MembershipFactory
from tests.fund.conftest import approve

pytestmark = pytest.mark.django_db

S = ApplicationStatus
ASK = "Xin bổ sung báo cáo tài chính năm 2025."


@pytest.fixture
def colleague(organization):
    """A second member, who reads English."""
    user = UserFactory(email="colleague@example.test", full_name="Lan Tran")
    user.preferred_language = "en"
    user.save()
    MembershipFactory(organization=organization, user=user)
    return user


@pytest.fixture
def sent(application_in, member, django_capture_on_commit_callbacks):
    """A complete draft, submitted through the service (its receipts sent)."""
    draft = application_in(
        S.DRAFT,
        summary="Cảnh báo ngập",
        plan="Thử nghiệm 6 tháng",
        budget_breakdown="Cảm biến 2 tỷ",
    )
    with django_capture_on_commit_callbacks(execute=True):
        return services.application_submit(draft, actor=member)


def to(address):
    return [message for message in mail.outbox if message.to == [address]]


def test_each_member_gets_the_receipt_in_their_own_language(
    application_in, member, colleague, django_capture_on_commit_callbacks
):
    draft = application_in(
        S.DRAFT, summary="Cảnh báo ngập", plan="Kế hoạch", budget_breakdown="Chi"
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(draft, actor=member)

    (vietnamese,) = to(member.email)
    (english,) = to(colleague.email)
    call = draft.call.title
    assert vietnamese.subject == f"Đã nhận đơn xin tài trợ vào “{call}”"
    assert english.subject == f"Fund application to “{call}” received"
    assert "Dear Lan Tran," in english.body
    assert f"/en/dashboard/fund/applications/{draft.pk}/" in english.body
    assert f"/dashboard/fund/applications/{draft.pk}/" in vietnamese.body
    assert "(UTC+07:00)" in english.body


def test_nothing_is_sent_before_the_change_is_committed(application_in, member, colleague):
    draft = application_in(
        S.DRAFT, summary="Cảnh báo ngập", plan="Kế hoạch", budget_breakdown="Chi"
    )
    mail.outbox.clear()

    services.application_submit(draft, actor=member)  # the test's transaction never commits

    assert mail.outbox == []


def test_a_request_for_more_tells_the_reason(
    sent, officer, colleague, django_capture_on_commit_callbacks
):
    application = services.application_transition(sent, S.SCREENING, actor=officer)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(application, S.SUBMITTED, actor=officer, note=ASK)

    (message,) = to(colleague.email)
    assert (
        message.subject
        == f"The fund office asks for more on your application to “{sent.call.title}”"
    )
    assert f"Reason given by the fund office:\n{ASK}" in message.body


def test_each_step_of_the_review_is_told(
    sent, officer, colleague, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_transition(sent, S.SCREENING, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(application, S.DUE_DILIGENCE, actor=officer)

    subjects = [message.subject for message in to(colleague.email)]
    call = sent.call.title
    assert subjects == [
        f"Your fund application to “{call}”: Screening",
        f"Your fund application to “{call}”: Due diligence",
    ]


def test_an_approval_lists_the_amount_the_tranches_and_the_conditions(
    application_in, officer, colleague, django_capture_on_commit_callbacks
):
    application = application_in(S.COMMITTEE, requested_vnd=1_500_000_000)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        approve(officer, application, 600_000_000, 400_000_000)

    (message,) = to(colleague.email)
    assert message.subject == f"Your fund application to “{application.call.title}” is approved"
    assert "1,000,000,000 VND, paid in 2 tranches as each milestone is met:" in message.body
    assert "1. 600,000,000 VND, planned for " in message.body
    assert "2. 400,000,000 VND, planned for " in message.body
    assert "Conditions:\nBáo cáo tiến độ hằng quý." in message.body


def test_a_rejection_gives_the_reason(
    application_in, officer, member, django_capture_on_commit_callbacks
):
    application = application_in(S.COMMITTEE)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            application, actor=officer, decision="reject", note="Thị trường quá nhỏ."
        )

    (message,) = to(member.email)
    assert message.subject == f"Đơn xin tài trợ vào “{application.call.title}” không được duyệt"
    assert "Lý do cán bộ quỹ đã nêu:\nThị trường quá nhỏ." in message.body


def test_a_payment_tells_the_amount_and_what_is_paid_so_far(
    award, officer, approver, colleague, django_capture_on_commit_callbacks
):
    tranche = award.tranches.get(number=1)
    services.tranche_milestone_met(tranche, actor=officer)
    disbursement = services.disbursement_request(
        award=award, tranche=tranche, amount_vnd=250_000_000, reference="UNC-1", actor=officer
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.disbursement_approve(disbursement, actor=approver)

    (message,) = to(colleague.email)
    assert message.subject == (
        f"Payment of 250,000,000 VND approved for “{award.application.call.title}”"
    )
    assert "for tranche 1 of its award" in message.body
    assert "Paid so far on the award: 250,000,000 of 1,000,000,000 VND." in message.body
    # Nothing the office keeps for itself: the payment order's reference stays inside.
    assert "UNC-1" not in message.body


def test_members_of_other_organisations_and_former_users_hear_nothing(
    sent, officer, organization, django_capture_on_commit_callbacks
):
    gone = UserFactory(email="gone@example.test", is_active=False)
    MembershipFactory(organization=organization, user=gone)
    outsider = UserFactory(email="outsider@example.test")
    MembershipFactory(user=outsider)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(sent, S.SCREENING, actor=officer)

    assert {address for message in mail.outbox for address in message.to} == {
        "thanh.vien@example.test"
    }


def test_a_failing_mail_server_does_not_undo_the_change(
    sent, officer, settings, django_capture_on_commit_callbacks, caplog
):
    settings.EMAIL_BACKEND = "tests.fund.test_notifications.BrokenBackend"

    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(sent, S.SCREENING, actor=officer)

    assert FundApplication.objects.get(pk=sent.pk).status == S.SCREENING
    assert "mail server down" in caplog.text


class BrokenBackend:
    """A mail server that refuses every message (a stand-in for SMTP, not our code)."""

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")
