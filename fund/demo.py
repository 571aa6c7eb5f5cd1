"""Demo fund: the province's venture fund with two calls, applications in every state,
awards with their tranches, and disbursements paid, pending, rejected and reversed.
SAMPLE CONTENT. Used only by `manage.py seed_demo`.

Everything goes through `fund.services`, as officer@, approver@ and the applicants would
do it, so the running totals, the ledger and the audit trail are what the portal itself
writes (`manage.py reconcile_fund` passes after it). The only exception is a sent
application to the call that has closed: nobody can submit to it now, so it is filled in
as it stood when sent (as `challenges.demo` does for closed challenges), then reviewed
through the services. Each application, with its whole story, is made once: one that
exists (found by call, organisation and summary) is left as it is, so a second run, or a
run after someone has clicked around the demo, changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from challenges.enums import ChallengeStatus
from challenges.judging.models import Winner
from challenges.models import Challenge
from fund import services
from fund.enums import ApplicationStatus, Instrument
from fund.models import Award, Fund, FundApplication, FundingCall, LedgerEntry
from portal.audit import audit_record
from portal.models import User
from startups.enums import MembershipRole
from startups.models import Organization

OFFICER, APPROVER = "officer@demo.example", "approver@demo.example"
MILLION = 1_000_000

FUND = {
    "name": "Quỹ Đầu tư khởi nghiệp sáng tạo tỉnh Bắc Ninh [mẫu]",
    "managing_unit": "Sở Khoa học và Công nghệ tỉnh Bắc Ninh",
    "description": (
        "Quỹ hỗ trợ doanh nghiệp khởi nghiệp sáng tạo, ươm tạo công nghệ và chuyển đổi số "
        "theo Nghị quyết 57. [Nội dung mẫu]"
    ),
    "capital_vnd": 300_000 * MILLION,
}

# key: (title, (opens, closes) in days from today, budget, instruments, linked to the
# challenge whose results are published)
CALLS = {
    "open": (
        "Đợt gọi vốn 2026: chuyển đổi số và đổi mới sáng tạo [mẫu]",
        (-30, 60),
        60_000 * MILLION,
        {"offers_grant": True, "offers_equity": True, "offers_convertible_loan": True},
        False,
    ),
    "closed": (
        "Vốn thương mại hóa cho đội thi Khởi nghiệp đổi mới sáng tạo 2026 [mẫu]",
        (-40, -8),
        20_000 * MILLION,
        {"offers_grant": True, "offers_equity": False, "offers_convertible_loan": True},
        True,
    ),
}

# Each application: call key, organisation key (startups.demo), final status, fields.
# Approved ones carry their decision: amount, tranches (amount, planned date in days
# from today, milestone) and what happens to each tranche.
APPLICATIONS = [
    {
        "call": "open",
        "organization": "enterprise",
        "status": ApplicationStatus.APPROVED,
        "requested_vnd": 2_500 * MILLION,
        "instrument": Instrument.GRANT,
        "summary": "Mạng trạm quan trắc nước thải IoT cho khu công nghiệp Quế Võ. [Mẫu]",
        "approved_vnd": 2_000 * MILLION,
        "conditions": "Báo cáo tiến độ hằng quý; dữ liệu quan trắc mở cho Sở. [Mẫu]",
        "tranches": [
            (800 * MILLION, -10, "Lắp đặt 10 trạm quan trắc thí điểm tại KCN Quế Võ"),
            (700 * MILLION, 60, "Kết nối nền tảng cảnh báo với Sở Tài nguyên và Môi trường"),
            (500 * MILLION, 150, "Nghiệm thu hệ thống và chuyển giao vận hành"),
        ],
        "money": "enterprise",
    },
    {
        "call": "open",
        "organization": "enterprise",
        "status": ApplicationStatus.DRAFT,
        "requested_vnd": 1_200 * MILLION,
        "instrument": Instrument.CONVERTIBLE_LOAN,
        "summary": "Trợ lý ảo hướng dẫn thủ tục hành chính cho hộ kinh doanh. [Mẫu]",
    },
    {
        "call": "open",
        "organization": "startup",
        "status": ApplicationStatus.SUBMITTED,
        "requested_vnd": 3_000 * MILLION,
        "instrument": Instrument.EQUITY,
        "summary": "Mở rộng cảm biến độ ẩm Xanh Agri cho 50 hợp tác xã rau an toàn. [Mẫu]",
    },
    {
        "call": "open",
        "organization": "school",
        "status": ApplicationStatus.SCREENING,
        "requested_vnd": 150 * MILLION,
        "instrument": Instrument.GRANT,
        "summary": "Robot phân loại rác cho 20 trường học trong tỉnh. [Mẫu]",
    },
    {
        "call": "open",
        "organization": "university",
        "status": ApplicationStatus.DUE_DILIGENCE,
        "requested_vnd": 4_500 * MILLION,
        "instrument": Instrument.GRANT,
        "summary": "Phòng thí nghiệm kiểm thử vi mạch dùng chung cho doanh nghiệp. [Mẫu]",
    },
    {
        "call": "open",
        "organization": "institute",
        "status": ApplicationStatus.COMMITTEE,
        "requested_vnd": 1_800 * MILLION,
        "instrument": Instrument.CONVERTIBLE_LOAN,
        "summary": "Bản đồ phát thải khí theo thời gian thực cho hành lang QL18. [Mẫu]",
    },
    {
        "call": "open",
        "organization": "other",
        "status": ApplicationStatus.WITHDRAWN,
        "requested_vnd": 400 * MILLION,
        "instrument": Instrument.GRANT,
        "summary": "Sàn thương mại điện tử cho gốm Phù Lãng. [Mẫu]",
        "note": "Hợp tác xã chưa chuẩn bị đủ vốn đối ứng. [Mẫu]",
    },
    {
        "call": "closed",
        "organization": "startup",
        "status": ApplicationStatus.APPROVED,
        "requested_vnd": 1_500 * MILLION,
        "instrument": Instrument.CONVERTIBLE_LOAN,
        "summary": "Thương mại hóa cảm biến độ ẩm giá rẻ, giải Nhất cuộc thi. [Mẫu]",
        "winner": True,
        "approved_vnd": 1_500 * MILLION,
        "conditions": "Giải ngân theo hợp đồng vay chuyển đổi số 01/2026. [Mẫu]",
        "tranches": [
            (900 * MILLION, -5, "Sản xuất lô 500 cảm biến đầu tiên"),
            (600 * MILLION, 90, "Ký hợp đồng với 20 hợp tác xã"),
        ],
        "money": "startup",
    },
    {
        "call": "closed",
        "organization": "other",
        "status": ApplicationStatus.REJECTED,
        "requested_vnd": 800 * MILLION,
        "instrument": Instrument.GRANT,
        "summary": "Chợ nông sản trực tuyến của hợp tác xã. [Mẫu]",
        "note": "Mô hình doanh thu chưa rõ; mời nộp lại ở đợt sau. [Mẫu]",
    },
]

PLAN = (
    "Giai đoạn 1 (3 tháng): thiết kế và thử nghiệm.\n"
    "Giai đoạn 2 (6 tháng): triển khai tại địa bàn thí điểm.\n"
    "Giai đoạn 3 (3 tháng): đánh giá và nhân rộng. [Mẫu]"
)
BUDGET = "Thiết bị: 50%\nNhân sự: 30%\nTriển khai và đào tạo: 20% [Mẫu]"
# The way through review to a state, from submitted.
REVIEW = [ApplicationStatus.SCREENING, ApplicationStatus.DUE_DILIGENCE, ApplicationStatus.COMMITTEE]
REVIEW_NOTES = {
    ApplicationStatus.SCREENING: "Hồ sơ đầy đủ, chuyển thẩm định. [Mẫu]",
    ApplicationStatus.DUE_DILIGENCE: "Đang thẩm định tài chính và kỹ thuật. [Mẫu]",
    ApplicationStatus.COMMITTEE: "Trình hội đồng đầu tư. [Mẫu]",
}


@transaction.atomic
def seed_fund(users: dict[str, User], organizations: dict[str, Organization]) -> Fund:
    """Create the fund, its calls and whichever demo application is missing; return the
    fund."""
    officer, approver = users[OFFICER], users[APPROVER]
    fund, _ = Fund.objects.get_or_create(
        name=FUND["name"], defaults={k: v for k, v in FUND.items() if k != "name"}
    )
    calls = {key: _call(fund, *spec) for key, spec in CALLS.items()}
    for spec in APPLICATIONS:
        call, organization = calls[spec["call"]], organizations[spec["organization"]]
        if FundApplication.objects.filter(
            call=call, organization=organization, summary=spec["summary"]
        ).exists():
            continue
        _application(spec, call, organization, officer=officer, approver=approver)
    return fund


def _call(fund: Fund, title, days, budget, instruments, linked) -> FundingCall:
    # Windows open at 08:00 and close at 17:00 Vietnam time, relative to today.
    today = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    opens, closes = days
    challenge = None
    if linked:
        challenge = (
            Challenge.objects.with_status()
            .filter(is_published=True, current_status=ChallengeStatus.RESULTS)
            .order_by("code")
            .first()
        )
    # The window follows the day the seed runs; budget and instruments are set once.
    window = {
        "opens_at": (today + timedelta(days=opens)).replace(hour=8),
        "closes_at": (today + timedelta(days=closes)).replace(hour=17),
        "challenge": challenge,
        "is_published": True,
    }
    call, _ = FundingCall.objects.update_or_create(
        fund=fund,
        title=title,
        defaults=window,
        create_defaults={
            **window,
            "budget_vnd": budget,
            "description": "Hồ sơ nộp trực tuyến trên cổng; hội đồng xét theo đợt. [Nội dung mẫu]",
            **instruments,
        },
    )
    return call


def _owner(organization: Organization) -> User:
    return (
        organization.memberships.filter(role=MembershipRole.OWNER)
        .select_related("user")
        .first()
        .user
    )


def _application(spec, call, organization, *, officer, approver) -> None:
    member = _owner(organization)
    data = {
        "requested_vnd": spec["requested_vnd"],
        "instrument": spec["instrument"],
        "summary": spec["summary"],
        "plan": PLAN,
        "budget_breakdown": BUDGET,
    }
    status = spec["status"]
    if timezone.now() < call.closes_at:
        application = services.application_create(
            actor=member, call=call, organization=organization, data=data
        )
        if status == ApplicationStatus.DRAFT:
            return
        services.application_submit(application, actor=member)
    else:
        application = _sent_before_closing(call, organization, member, data, spec)

    if status == ApplicationStatus.WITHDRAWN:
        services.application_withdraw(application, actor=member, note=spec.get("note", ""))
        return
    if status == ApplicationStatus.REJECTED:
        services.application_transition(
            application, ApplicationStatus.SCREENING, actor=officer, note=REVIEW_NOTES["screening"]
        )
        services.application_transition(
            application, ApplicationStatus.REJECTED, actor=officer, note=spec["note"]
        )
        return
    for step in REVIEW:
        if status == ApplicationStatus.SUBMITTED:
            return
        services.application_transition(application, step, actor=officer, note=REVIEW_NOTES[step])
        if step == status:
            return
    today = timezone.localdate()
    award = services.application_decide(
        application,
        actor=officer,
        decision="approve",
        approved_vnd=spec["approved_vnd"],
        tranches=[
            {
                "amount_vnd": amount,
                "planned_date": today + timedelta(days=days),
                "milestone": milestone + " [Mẫu]",
            }
            for amount, days, milestone in spec["tranches"]
        ],
        conditions=spec["conditions"],
        note="Hội đồng đầu tư thông qua. [Mẫu]",
    )
    MONEY[spec["money"]](award, officer=officer, approver=approver)


def _sent_before_closing(call, organization, member, data, spec) -> FundApplication:
    """An application sent to a call that has closed since, as the services would have
    recorded it (sent a few days before the deadline, audited)."""
    proposal = None
    if spec.get("winner") and call.challenge_id:
        winner = (
            Winner.objects.filter(
                challenge_id=call.challenge_id, proposal__organization=organization
            )
            .select_related("proposal")
            .first()
        )
        proposal = winner.proposal if winner else None
    application = FundApplication.objects.create(
        call=call,
        organization=organization,
        proposal=proposal,
        created_by=member,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=call.closes_at - timedelta(days=4, hours=3),
        **data,
    )
    audit_record(
        actor=member,
        action="fund_application.create",
        obj=application,
        data={"call": call.pk, "organization": organization.pk},
    )
    audit_record(
        actor=member,
        action="fund_application.transition",
        obj=application,
        data={"from": ApplicationStatus.DRAFT, "to": ApplicationStatus.SUBMITTED, "note": ""},
    )
    return application


def _pay(award: Award, number: int, amount: int, reference: str, *, officer, approver):
    """officer@ requests a payment on tranche `number`; approver@ approves it."""
    tranche = award.tranches.get(number=number)
    disbursement = services.disbursement_request(award, tranche, amount, reference, actor=officer)
    return services.disbursement_approve(disbursement, actor=approver)


def _met(award: Award, number: int, *, officer) -> None:
    services.tranche_milestone_met(
        award.tranches.get(number=number),
        actor=officer,
        note="Đã nghiệm thu tại hiện trường, biên bản kèm theo. [Mẫu]",
    )


def _enterprise_money(award: Award, *, officer, approver) -> None:
    """applicant@'s award: tranche 1 paid in full, one of its payments reversed and paid
    again; tranche 2's milestone met and a payment waiting for approver@; tranche 3 ahead."""
    _met(award, 1, officer=officer)
    _pay(award, 1, 500 * MILLION, "UNC-2026-0001", officer=officer, approver=approver)
    wrong = _pay(award, 1, 300 * MILLION, "UNC-2026-0002", officer=officer, approver=approver)
    services.ledger_reverse(
        LedgerEntry.objects.get(disbursement=wrong, reverses__isnull=True),
        actor=approver,
        note="Chuyển nhầm tài khoản thụ hưởng; chi lại theo UNC-2026-0003. [Mẫu]",
    )
    _pay(award, 1, 300 * MILLION, "UNC-2026-0003", officer=officer, approver=approver)
    _met(award, 2, officer=officer)
    tranche = award.tranches.get(number=2)
    services.disbursement_request(award, tranche, 350 * MILLION, "UNC-2026-0004", actor=officer)


def _startup_money(award: Award, *, officer, approver) -> None:
    """The contest winner's award: a first request rejected (an invoice missing), then
    tranche 1 paid in full."""
    _met(award, 1, officer=officer)
    tranche = award.tranches.get(number=1)
    refused = services.disbursement_request(
        award, tranche, 200 * MILLION, "UNC-2026-0005", actor=officer
    )
    services.disbursement_reject(
        refused, actor=approver, note="Hồ sơ thanh toán thiếu hóa đơn. [Mẫu]"
    )
    _pay(award, 1, 900 * MILLION, "UNC-2026-0006", officer=officer, approver=approver)


MONEY = {"enterprise": _enterprise_money, "startup": _startup_money}
