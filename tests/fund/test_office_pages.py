"""The fund office (/dashboard/fund/office/): who comes in, the queues, the lists, an
application's review and decision, an award's milestones, disbursements (four eyes) and
reversals, all through the pages; auditors read and change nothing; query counts.
Text is checked on the English pages."""

import hashlib
import html
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fund import services
from fund.enums import ApplicationStatus, DisbursementStatus
from fund.models import Award, Disbursement, FundApplication, FundDocument, LedgerEntry, Tranche
from portal.roles import Role
from tests.factories import UserFactory
from tests.factories.fund import FundApplicationFactory, FundingCallFactory
from tests.fund.conftest import approve

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def en(name, *args):
    with translation.override("en"):
        return reverse(f"dashboard:{name}", args=args)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    """The page's visible words, tags dropped, entities read and spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def post_forms(response) -> list[str]:
    """Where the page's POST forms into the fund office send to."""
    actions = re.findall(r'<form method="post" action="([^"]+)"', response.content.decode())
    return [action for action in actions if "/fund/office/" in action]


def pay(award, tranche, amount, reference, *, officer, approver):
    """A disbursement requested and approved: a payment in the ledger."""
    disbursement = services.disbursement_request(award, tranche, amount, reference, actor=officer)
    return services.disbursement_approve(disbursement, actor=approver)


@pytest.fixture
def met_award(award, officer):
    """The award with its first tranche's milestone met."""
    first = award.tranches.get(number=1)
    services.tranche_milestone_met(first, actor=officer, note="Biên bản nghiệm thu số 12")
    return award


@pytest.fixture
def pending(met_award, officer):
    """A request of 100 million on the first tranche, awaiting a finance approver."""
    first = met_award.tranches.get(number=1)
    return services.disbursement_request(met_award, first, 100_000_000, "UNC-001", actor=officer)


@pytest.fixture
def both_roles():
    """An officer who is also a finance approver: may request, never approve their own."""
    user = UserFactory(email="hai.vai@example.test", role=Role.FUND_OFFICER)
    user.groups.add(Group.objects.get(name=Role.FINANCE_APPROVER))
    return user


# Who comes in


@pytest.mark.parametrize(
    "name, args",
    [
        ("fund_office", ()),
        ("fund_office_applications", ()),
        ("fund_office_application", (1,)),
        ("fund_office_award", (1,)),
        ("fund_office_disbursements", ()),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(name, args):
    response = Client().get(en(name, *args))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=/en/dashboard/fund/office/")


def test_applicants_are_refused_every_page_and_action(member, pending):
    award = pending.award
    client = browser(member)  # a member of the awarded organisation
    pages = [
        en("fund_office"),
        en("fund_office_applications"),
        en("fund_office_application", award.application_id),
        en("fund_office_award", award.pk),
        en("fund_office_disbursements"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "This workspace is for the fund office" in text(response)
    response = client.post(
        en("fund_office_disbursement_approve", award.pk, pending.pk), {"note": ""}
    )
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == DisbursementStatus.REQUESTED


@pytest.mark.parametrize("role", ["officer", "approver", "auditor"])
def test_each_fund_role_reads_every_page(role, request, pending):
    user = request.getfixturevalue(role)
    award = pending.award
    client = browser(user)
    for url in [
        en("fund_office"),
        en("fund_office_applications"),
        en("fund_office_application", award.application_id),
        en("fund_office_award", award.pk),
        en("fund_office_disbursements"),
    ]:
        assert client.get(url).status_code == 200, url


def test_the_fund_office_tab_is_shown_to_fund_staff_only(officer, approver, auditor, member):
    for user in (officer, approver, auditor):
        assert 'href="/en/dashboard/fund/office/"' in browser(user).get(en("home")).content.decode()
    assert "/dashboard/fund/office/" not in browser(member).get(en("home")).content.decode()


def test_an_unknown_application_or_award_is_not_found(officer):
    client = browser(officer)
    assert client.get(en("fund_office_application", 999)).status_code == 404
    assert client.get(en("fund_office_award", 999)).status_code == 404


# The home page: queues


def test_the_queues_show_what_waits_at_each_stage(
    officer, approver, application_in, pending, organization
):
    application_in(S.SUBMITTED, summary="Ứng dụng bản đồ số du lịch di sản")
    application_in(S.DUE_DILIGENCE)
    application_in(S.COMMITTEE)
    application_in(S.DRAFT)  # not the office's business yet

    response = browser(approver).get(en("fund_office"))
    page = text(response)

    assert response.status_code == 200
    counts = dict(re.findall(r'data-status="(\w+)">(\d+)<', response.content.decode()))
    assert counts == {  # the draft is its applicants' business until sent
        "submitted": "1",
        "screening": "0",
        "due_diligence": "1",
        "committee": "1",
        "approved": "1",
        "rejected": "0",
        "withdrawn": "0",
    }
    assert "To screen (1)" in page and "In due diligence (1)" in page
    assert "In committee (1)" in page and "In screening (0)" in page
    assert "Disbursements awaiting approval (1)" in page
    assert "UNC-001" in page and "officer@example.test" not in page  # named, not e-mailed
    assert f"#disbursement-{pending.pk}" in response.content.decode()
    assert "Milestones met, not yet paid (1)" in page
    assert "Mốc 1: nghiệm thu sản phẩm" in page


def test_an_approvers_queue_leaves_out_their_own_requests(both_roles, met_award, approver):
    first = met_award.tranches.get(number=1)
    services.disbursement_request(met_award, first, 50_000_000, "UNC-MINE", actor=both_roles)

    mine = text(browser(both_roles).get(en("fund_office")))
    assert "Disbursements awaiting approval (0)" in mine
    assert "1 request of yours waits for another finance approver." in mine
    assert "UNC-MINE" not in mine

    theirs = text(browser(approver).get(en("fund_office")))
    assert "Disbursements awaiting approval (1)" in theirs and "UNC-MINE" in theirs


def test_the_home_page_runs_the_same_queries_for_few_and_many_rows(
    officer, approver, application_in, django_assert_num_queries
):
    client = browser(approver)

    def add(n):
        for _ in range(n):
            for status in (S.SUBMITTED, S.SCREENING, S.DUE_DILIGENCE, S.COMMITTEE):
                application_in(status)
            award = approve(
                officer, application_in(S.COMMITTEE, requested_vnd=10_000_000), 10_000_000
            )
            tranche = award.tranches.get()
            services.tranche_milestone_met(tranche, actor=officer)
            services.disbursement_request(award, tranche, 1_000_000, "UNC", actor=officer)

    add(1)
    client.get(en("fund_office"))
    with django_assert_num_queries(13):
        client.get(en("fund_office"))
    add(14)
    with django_assert_num_queries(13):
        response = client.get(en("fund_office"))
    page = text(response)
    assert "To screen (15)" in page and "and 5 more" in page
    assert "Disbursements awaiting approval (15)" in page


# Lists


def test_the_applications_list_filters_by_status_and_call(officer, application_in):
    call = FundingCallFactory(title="Chuyển đổi số nông nghiệp")
    application_in(S.SUBMITTED, call=call)
    application_in(S.COMMITTEE, call=call)
    application_in(S.SUBMITTED)
    client = browser(officer)

    def rows(query):
        response = client.get(en("fund_office_applications") + query)
        assert response.status_code == 200
        body = response.content.decode()
        return re.findall(r"<tr>\s*<th scope=\"row\">", body), text(response)

    assert len(rows("")[0]) == 3
    assert len(rows("?status=submitted")[0]) == 2
    found, page = rows(f"?status=submitted&call={call.pk}")
    assert len(found) == 1 and "Chuyển đổi số nông nghiệp" in page and "1 application" in page
    found, page = rows("?status=nonsense")  # a bad filter is said so and left out
    assert len(found) == 3 and "Select a valid choice" in page


def test_the_applications_list_pages_with_constant_queries(
    officer, application_in, django_assert_num_queries
):
    client = browser(officer)
    application_in(S.SUBMITTED)
    client.get(en("fund_office_applications"))
    with django_assert_num_queries(10):
        client.get(en("fund_office_applications"))
    for _ in range(55):
        application_in(S.SCREENING)
    with django_assert_num_queries(10):
        response = client.get(en("fund_office_applications"))
    assert "Page 1 of 2" in text(response)
    with django_assert_num_queries(10):
        response = client.get(en("fund_office_applications") + "?page=2")
    assert len(re.findall(r"<tr>\s*<th scope=\"row\">", response.content.decode())) == 6


def test_the_disbursements_list_filters_by_status_with_constant_queries(
    officer, approver, met_award, django_assert_num_queries
):
    first = met_award.tranches.get(number=1)
    client = browser(officer)

    def add(n, start):
        for index in range(start, start + n):
            d = services.disbursement_request(
                met_award, first, 1_000_000, f"UNC-{index}", actor=officer
            )
            if index % 2:
                services.disbursement_approve(d, actor=approver)

    add(2, 0)
    client.get(en("fund_office_disbursements"))
    with django_assert_num_queries(9):
        client.get(en("fund_office_disbursements"))
    add(58, 2)
    with django_assert_num_queries(9):
        response = client.get(en("fund_office_disbursements"))
    assert "60 disbursement requests" in text(response) and "Page 1 of 2" in text(response)
    with django_assert_num_queries(9):
        response = client.get(en("fund_office_disbursements") + "?status=approved")
    assert "30 disbursement requests" in text(response)


# One application


def test_the_application_page_shows_the_fields_organisation_documents_and_history(
    officer, application_in, organization, member
):
    application = application_in(
        S.SUBMITTED,
        summary="Trạm quan trắc nước thải",
        plan="Giai đoạn 1",
        requested_vnd=2_500_000_000,
    )
    data = b"%PDF-1.4 ke hoach"
    document = FundDocument.objects.create(
        application=application,
        kind="business_plan",
        file=ContentFile(data, name="stored.pdf"),
        display_name="Kế hoạch kinh doanh.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=member,
    )
    services.application_transition(application, S.SCREENING, actor=officer)
    services.application_transition(
        application, S.SUBMITTED, actor=officer, note="Bổ sung báo cáo tài chính 2025."
    )
    client = browser(officer)

    response = client.get(en("fund_office_application", application.pk))
    page = text(response)

    assert response.status_code == 200
    assert "Trạm quan trắc nước thải" in page and "2,500,000,000 VND" in page
    assert organization.legal_name in page and organization.tax_code in page
    assert "Kế hoạch kinh doanh.pdf" in page
    assert "Status changed: Submitted → Screening" in page
    assert "Status changed: Screening → Submitted" in page
    assert "Bổ sung báo cáo tài chính 2025." in page
    download = client.get(en("fund_office_document", application.pk, document.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data


def test_the_application_page_runs_the_same_queries_however_long_its_history(
    officer, application_in, django_assert_num_queries
):
    application = application_in(S.SUBMITTED)
    client = browser(officer)
    client.get(en("fund_office_application", application.pk))
    # Session, user, groups and permissions, the application, its documents, its
    # history, and the site's chrome (menus, user permissions, verified address,
    # settings).
    with django_assert_num_queries(10):
        client.get(en("fund_office_application", application.pk))
    for _ in range(15):
        services.application_transition(application, S.SCREENING, actor=officer)
        services.application_transition(application, S.SUBMITTED, actor=officer, note="Bổ sung.")
    with django_assert_num_queries(10):
        response = client.get(en("fund_office_application", application.pk))
    assert len(re.findall(r"Status changed", text(response))) == 30


def test_an_officer_moves_an_application_through_review(officer, application_in):
    application = application_in(S.SUBMITTED)
    client = browser(officer)
    url = en("fund_office_application_transition", application.pk)

    for to in (S.SCREENING, S.DUE_DILIGENCE, S.COMMITTEE):
        response = client.post(url, {"to": to, "note": ""})
        assert response.status_code == 302
        application.refresh_from_db()
        assert application.status == to

    page = text(client.get(en("fund_office_application", application.pk)))
    assert "Send back for more information" in page and "Record the decision" in page


def test_sending_back_or_rejecting_needs_a_note(officer, application_in):
    application = application_in(S.SCREENING)
    client = browser(officer)
    url = en("fund_office_application_transition", application.pk)

    response = client.post(url, {"to": S.REJECTED, "note": " "})

    assert response.status_code == 400
    assert "Give the applicant the reason." in text(response)
    application.refresh_from_db()
    assert application.status == S.SCREENING

    response = client.post(url, {"to": S.SUBMITTED, "note": "Thiếu báo cáo tài chính."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.status_note == "Thiếu báo cáo tài chính."


def test_a_move_the_state_forbids_is_a_conflict(officer, application_in):
    application = application_in(S.SUBMITTED)
    response = browser(officer).post(
        en("fund_office_application_transition", application.pk), {"to": S.COMMITTEE}
    )
    # Not a button of a submitted application: the form refuses it.
    assert response.status_code == 400
    decided = application_in(S.REJECTED)
    response = browser(officer).post(
        en("fund_office_application_transition", decided.pk), {"to": S.SCREENING}
    )
    assert response.status_code == 409
    assert "cannot be moved from the office" in text(response)


def _decision(approved, *tranches, decision="approve", note="Hội đồng thông qua."):
    data = {
        "decision": decision,
        "approved_vnd": approved,
        "conditions": "Báo cáo quý.",
        "note": note,
        "tranches-TOTAL_FORMS": "3",
        "tranches-INITIAL_FORMS": "0",
        "tranches-MIN_NUM_FORMS": "0",
        "tranches-MAX_NUM_FORMS": "24",
    }
    for index, (amount, planned, milestone) in enumerate(tranches):
        data[f"tranches-{index}-amount_vnd"] = amount
        data[f"tranches-{index}-planned_date"] = planned
        data[f"tranches-{index}-milestone"] = milestone
    return data


def test_the_committee_approves_with_a_tranche_schedule(officer, application_in):
    application = application_in(S.COMMITTEE, requested_vnd=1_000_000_000)
    response = browser(officer).post(
        en("fund_office_application_decide", application.pk),
        _decision(
            "800.000.000",
            ("500.000.000", "2027-01-15", "Nguyên mẫu chạy thử"),
            ("300 000 000", "2027-06-30", "Nghiệm thu cuối"),
        ),
    )

    award = Award.objects.get(application=application)
    assert response.status_code == 302
    assert response["Location"] == en("fund_office_award", award.pk)
    assert award.approved_vnd == 800_000_000 and award.conditions == "Báo cáo quý."
    assert list(
        award.tranches.values_list("number", "amount_vnd", "planned_date", "milestone")
    ) == [
        (1, 500_000_000, date(2027, 1, 15), "Nguyên mẫu chạy thử"),
        (2, 300_000_000, date(2027, 6, 30), "Nghiệm thu cuối"),
    ]
    application.refresh_from_db()
    assert application.status == S.APPROVED


def test_tranches_that_do_not_add_up_are_shown_on_the_form(officer, application_in):
    application = application_in(S.COMMITTEE, requested_vnd=1_000_000_000)
    response = browser(officer).post(
        en("fund_office_application_decide", application.pk),
        _decision("800000000", ("500000000", "2027-01-15", "Nguyên mẫu")),
    )

    assert response.status_code == 400
    assert "The tranches add up to 500,000,000 VND, not the 800,000,000 VND approved." in text(
        response
    )
    assert 'id="tranche-errors"' in response.content.decode()
    assert not Award.objects.exists()


def test_an_incomplete_tranche_row_is_refused(officer, application_in):
    application = application_in(S.COMMITTEE)
    response = browser(officer).post(
        en("fund_office_application_decide", application.pk),
        _decision("500000000", ("500000000", "", "Nguyên mẫu")),
    )
    assert response.status_code == 400
    assert "This field is required." in text(response)
    assert not Award.objects.exists()


def test_approving_beyond_the_calls_budget_is_a_conflict(officer, application_in):
    call = FundingCallFactory(budget_vnd=300_000_000)
    application = application_in(S.COMMITTEE, call=call, requested_vnd=500_000_000)
    response = browser(officer).post(
        en("fund_office_application_decide", application.pk),
        _decision("400000000", ("400000000", "2027-01-15", "Nguyên mẫu")),
    )
    assert response.status_code == 409
    assert "The call has only 300,000,000 VND of its budget left." in text(response)
    assert not Award.objects.exists()


def test_the_committee_rejects_with_a_reason(officer, application_in):
    application = application_in(S.COMMITTEE)
    client = browser(officer)
    url = en("fund_office_application_decide", application.pk)

    response = client.post(url, _decision("", decision="reject", note=""))
    assert response.status_code == 400
    assert "Give the applicant the reason." in text(response)

    response = client.post(url, _decision("", decision="reject", note="Chưa đủ năng lực."))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.REJECTED and application.status_note == "Chưa đủ năng lực."


# One award


def test_the_award_page_shows_totals_tranches_and_ledger(officer, approver, met_award):
    first = met_award.tranches.get(number=1)
    paid = pay(met_award, first, 150_000_000, "UNC-100", officer=officer, approver=approver)
    payment = LedgerEntry.objects.get(disbursement=paid)
    reversal = services.ledger_reverse(payment, actor=approver, note="Sai tài khoản thụ hưởng.")
    pay(met_award, first, 120_000_000, "UNC-101", officer=officer, approver=approver)

    response = browser(officer).get(en("fund_office_award", met_award.pk))
    page = text(response)
    body = response.content.decode()

    assert response.status_code == 200
    totals = dict(re.findall(r"<dt>(\w+)</dt><dd data-amount=\"(-?\d+)\"", body))
    assert totals == {"Approved": "1000000000", "Paid": "120000000", "Remaining": "880000000"}
    assert "Mốc 1: nghiệm thu sản phẩm" in page and "Biên bản nghiệm thu số 12" in page
    amounts = re.findall(r'<td class="nowrap" data-amount="(-?\d+)"', body)
    assert amounts == ["120000000", "-150000000", "150000000"]  # newest first
    assert "UNC-100" in page and "UNC-101" in page
    assert f"Reverses #{payment.pk}" in page and f"Reversed by #{reversal.pk}" in page
    assert "Sai tài khoản thụ hưởng." in page
    assert f"approved by {approver}" in page


def test_an_officer_marks_a_milestone_met(officer, award):
    second = award.tranches.get(number=2)
    response = browser(officer).post(
        en("fund_office_milestone_met", award.pk, second.pk), {"note": "Đã kiểm tra thực địa."}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.milestone_met and second.milestone_met_by == officer
    assert second.milestone_note == "Đã kiểm tra thực địa."


def test_a_disbursement_is_requested_through_the_page(officer, met_award):
    first = met_award.tranches.get(number=1)
    client = browser(officer)
    url = en("fund_office_disbursement_request", met_award.pk)

    response = client.post(url, {"tranche": first.pk, "amount_vnd": "200.000.000", "reference": ""})
    assert response.status_code == 400
    assert "Give the payment order&#x27;s reference." in response.content.decode()

    response = client.post(
        url, {"tranche": first.pk, "amount_vnd": "700.000.000", "reference": "UNC-9"}
    )
    assert response.status_code == 409
    assert "Only 600,000,000 VND of this tranche is neither paid nor requested." in text(response)

    second = met_award.tranches.get(number=2)
    response = client.post(url, {"tranche": second.pk, "amount_vnd": "1", "reference": "UNC-9"})
    assert response.status_code == 409
    assert "milestone is not met yet" in text(response)

    response = client.post(
        url, {"tranche": first.pk, "amount_vnd": "200.000.000", "reference": "UNC-9"}
    )
    assert response.status_code == 302
    disbursement = Disbursement.objects.get()
    assert (disbursement.amount_vnd, disbursement.requested_by) == (200_000_000, officer)
    assert disbursement.status == DisbursementStatus.REQUESTED


def test_an_approver_approves_someone_elses_request(approver, pending):
    award = pending.award
    response = browser(approver).post(en("fund_office_disbursement_approve", award.pk, pending.pk))
    assert response.status_code == 302
    pending.refresh_from_db()
    award.refresh_from_db()
    assert pending.status == DisbursementStatus.APPROVED and pending.decided_by == approver
    assert award.paid_vnd == 100_000_000
    assert LedgerEntry.objects.get().amount_vnd == 100_000_000

    again = browser(approver).post(en("fund_office_disbursement_approve", award.pk, pending.pk))
    assert again.status_code == 409
    assert "This disbursement is already approved." in text(again)


def test_the_requester_cannot_approve_their_own_request(both_roles, met_award):
    first = met_award.tranches.get(number=1)
    mine = services.disbursement_request(met_award, first, 10_000_000, "UNC-M", actor=both_roles)
    client = browser(both_roles)

    page = client.get(en("fund_office_award", met_award.pk))
    approve_url = en("fund_office_disbursement_approve", met_award.pk, mine.pk)
    assert approve_url not in post_forms(page)
    assert "You requested this disbursement: another finance approver must decide it." in text(page)

    response = client.post(approve_url)
    assert response.status_code == 403
    assert "Someone other than the requester must decide this request." in text(response)
    mine.refresh_from_db()
    assert mine.status == DisbursementStatus.REQUESTED


def test_an_officer_sees_why_there_is_no_approve_button(officer, pending):
    page = browser(officer).get(en("fund_office_award", pending.award_id))
    assert en("fund_office_disbursement_approve", pending.award_id, pending.pk) not in post_forms(
        page
    )
    assert "Waiting for a finance approver other than the requester." in text(page)
    response = browser(officer).post(
        en("fund_office_disbursement_approve", pending.award_id, pending.pk)
    )
    assert response.status_code == 403
    assert "Only finance approvers may do this." in text(response)


def test_rejecting_a_request_needs_a_reason(approver, pending):
    url = en("fund_office_disbursement_reject", pending.award_id, pending.pk)
    client = browser(approver)

    response = client.post(url, {"note": ""})
    assert response.status_code == 400
    assert "Say why the request is rejected." in text(response)

    response = client.post(url, {"note": "Hồ sơ thanh toán thiếu hóa đơn."})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == DisbursementStatus.REJECTED
    page = text(client.get(en("fund_office_award", pending.award_id)))
    assert "Hồ sơ thanh toán thiếu hóa đơn." in page


def test_an_approver_reverses_a_payment_once(officer, approver, met_award):
    first = met_award.tranches.get(number=1)
    paid = pay(met_award, first, 150_000_000, "UNC-1", officer=officer, approver=approver)
    payment = LedgerEntry.objects.get(disbursement=paid)
    client = browser(approver)
    url = en("fund_office_ledger_reverse", met_award.pk, payment.pk)

    response = client.post(url, {"note": ""})
    assert response.status_code == 400
    assert "Say why the payment is reversed." in text(response)

    response = client.post(url, {"note": "Chuyển nhầm số tiền."})
    assert response.status_code == 302
    reversal = LedgerEntry.objects.get(reverses=payment)
    assert reversal.amount_vnd == -150_000_000 and reversal.created_by == approver
    met_award.refresh_from_db()
    assert met_award.paid_vnd == 0

    again = client.post(url, {"note": "Lần nữa."})
    assert again.status_code == 409
    assert "This payment is already reversed." in text(again)


def test_an_auditor_sees_everything_and_changes_nothing(auditor, officer, approver, pending):
    award = pending.award
    first = award.tranches.get(number=1)
    paid = pay(award, first, 50_000_000, "UNC-2", officer=officer, approver=approver)
    payment = LedgerEntry.objects.get(disbursement=paid)
    in_review = FundApplicationFactory(status=S.COMMITTEE)
    client = browser(auditor)
    # Where officers and approvers find their buttons...
    assert post_forms(browser(approver).get(en("fund_office_award", award.pk)))
    assert post_forms(browser(officer).get(en("fund_office_application", in_review.pk)))

    for url in (
        en("fund_office_award", award.pk),
        en("fund_office_application", in_review.pk),
        en("fund_office"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert post_forms(response) == []  # ...the auditor finds none
        assert "Read-only: auditors see everything in the fund office and change nothing." in (
            text(response)
        )
    attempts = [
        (en("fund_office_application_transition", in_review.pk), {"to": S.SUBMITTED, "note": "x"}),
        (
            en("fund_office_application_decide", in_review.pk),
            _decision("", decision="reject", note="x"),
        ),
        (en("fund_office_milestone_met", award.pk, first.pk), {"note": "x"}),
        (
            en("fund_office_disbursement_request", award.pk),
            {"tranche": first.pk, "amount_vnd": "1", "reference": "X"},
        ),
        (en("fund_office_disbursement_approve", award.pk, pending.pk), {}),
        (en("fund_office_disbursement_reject", award.pk, pending.pk), {"note": "x"}),
        (en("fund_office_ledger_reverse", award.pk, payment.pk), {"note": "x"}),
    ]
    for url, data in attempts:
        response = client.post(url, data)
        assert response.status_code == 403, url
    in_review.refresh_from_db()
    pending.refresh_from_db()
    assert in_review.status == S.COMMITTEE and pending.status == DisbursementStatus.REQUESTED
    assert LedgerEntry.objects.count() == 1 and Disbursement.objects.count() == 2


@pytest.mark.parametrize("entries", [2, 40])
def test_the_award_page_runs_ten_queries_whatever_the_ledger(
    entries, officer, approver, met_award, django_assert_num_queries
):
    first = met_award.tranches.get(number=1)
    for index in range(entries):
        pay(met_award, first, 1_000_000, f"UNC-{index}", officer=officer, approver=approver)
    services.disbursement_request(met_award, first, 1_000_000, "UNC-WAIT", actor=officer)
    client = browser(approver)
    client.get(en("fund_office_award", met_award.pk))

    with django_assert_num_queries(10):
        response = client.get(en("fund_office_award", met_award.pk))

    assert response.status_code == 200
    assert len(re.findall(r'<tr id="entry-', response.content.decode())) == entries
    assert "UNC-WAIT" in text(response)


def test_a_long_ledger_is_paged_without_counting_it(
    officer, approver, met_award, django_assert_num_queries
):
    first = met_award.tranches.get(number=1)
    for index in range(53):
        pay(met_award, first, 1_000_000, f"UNC-{index:02d}", officer=officer, approver=approver)
    client = browser(officer)
    url = en("fund_office_award", met_award.pk)

    response = client.get(url)
    body = response.content.decode()
    assert len(re.findall(r'<tr id="entry-', body)) == 50
    assert "Page 1" in text(response) and "Previous page" not in text(response)
    assert 'href="?ledger=2#ledger" rel="next"' in body
    with django_assert_num_queries(10):
        response = client.get(url + "?ledger=2")
    body = response.content.decode()
    assert len(re.findall(r'<tr id="entry-', body)) == 3
    assert "UNC-00" in text(response) and "UNC-52" not in text(response)
    assert 'href="?ledger=1#ledger" rel="prev"' in body and 'rel="next"' not in body
    assert "Page 2" in text(response)


def test_a_ledger_of_one_page_has_no_pager(officer, approver, met_award):
    first = met_award.tranches.get(number=1)
    for index in range(50):
        pay(met_award, first, 1_000_000, f"UNC-{index:02d}", officer=officer, approver=approver)

    response = browser(officer).get(en("fund_office_award", met_award.pk))

    assert len(re.findall(r'<tr id="entry-', response.content.decode())) == 50
    assert 'class="pager"' not in response.content.decode()


@pytest.mark.parametrize("asked", ["0", "-2", "x", "²", "9" * 5000])
def test_a_ledger_page_that_is_not_a_number_is_the_first(asked, officer, approver, met_award):
    first = met_award.tranches.get(number=1)
    pay(met_award, first, 1_000_000, "UNC-1", officer=officer, approver=approver)

    response = browser(officer).get(en("fund_office_award", met_award.pk), {"ledger": asked})

    assert response.status_code == 200
    assert len(re.findall(r'<tr id="entry-', response.content.decode())) == 1


@pytest.mark.parametrize("asked", ["2", "99999999999999999999"])
def test_a_ledger_page_past_the_end_leads_back_to_the_first(
    asked, officer, approver, met_award, django_assert_num_queries
):
    first = met_award.tranches.get(number=1)
    pay(met_award, first, 1_000_000, "UNC-1", officer=officer, approver=approver)
    client = browser(officer)
    url = en("fund_office_award", met_award.pk)
    client.get(url)

    with django_assert_num_queries(10):
        response = client.get(url, {"ledger": asked})

    assert response.status_code == 200
    body = response.content.decode()
    assert '<tr id="entry-' not in body and "Nothing paid yet." not in text(response)
    assert 'href="?ledger=1#ledger" rel="first">Page 1</a>' in body


def test_the_requests_not_in_the_ledger_are_the_waiting_and_rejected_ones(
    officer, approver, met_award
):
    first = met_award.tranches.get(number=1)
    pay(met_award, first, 1_000_000, "UNC-PAID", officer=officer, approver=approver)
    refused = services.disbursement_request(met_award, first, 2_000_000, "UNC-NO", actor=officer)
    services.disbursement_reject(refused, actor=approver, note="Thiếu hóa đơn.")
    services.disbursement_request(met_award, first, 3_000_000, "UNC-WAIT", actor=officer)

    response = browser(officer).get(en("fund_office_award", met_award.pk))

    body = response.content.decode()
    requests = body[body.index('id="requests"') : body.index('id="ledger"')]
    assert re.findall(r'<th scope="row">([^<]+)</th>', requests) == ["UNC-WAIT", "UNC-NO"]
    assert "Thiếu hóa đơn." in requests


def test_the_pages_speak_vietnamese(officer, pending):
    with translation.override("vi"):
        url = reverse("dashboard:fund_office_award", args=[pending.award_id])
    response = browser(officer).get(url, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert "1.000.000.000" in text(response)


# Helpers kept honest


def test_the_tranche_schedule_needs_no_spare_rows(officer, application_in):
    application = application_in(S.COMMITTEE, requested_vnd=100_000_000)
    data = _decision("100000000", ("100000000", "2027-03-01", "Một mốc"))
    response = browser(officer).post(en("fund_office_application_decide", application.pk), data)
    assert response.status_code == 302
    assert Tranche.objects.filter(award__application=application).count() == 1
    assert FundApplication.objects.get(pk=application.pk).status == S.APPROVED
