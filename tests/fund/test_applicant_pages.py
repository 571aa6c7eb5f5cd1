"""The applicants' fund pages (/dashboard/fund/applications/): applying to a call,
drafts, the checklist, submit and withdraw, what officers decided, scoping and query
counts. Text is checked on the English pages (tests/fund/conftest.py)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from challenges.enums import ProposalStatus
from fund import services
from fund.enums import ApplicationStatus, Instrument
from fund.models import FundApplication, FundDocument, FundingCall
from portal.models import AuditEvent
from startups.enums import MembershipRole
from tests.challenges.test_proposals_api import pdf, stored_files, upload
from tests.factories import ChallengeFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.challenges import ProposalFactory
from tests.factories.fund import FundApplicationFactory, FundingCallFactory
from tests.fund.conftest import approve, verified

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def en(name, *args):
    return reverse(f"dashboard:{name}", args=args)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    """The page's visible words, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def local(moment) -> str:
    moment = timezone.localtime(moment)
    return f"{moment:%H:%M} on {moment:%d/%m/%Y} (UTC+07:00)"


@pytest.fixture
def call():
    return FundingCallFactory(title="Đợt gọi vốn đổi mới sáng tạo 2026")


@pytest.fixture
def draft(application_in, call):
    return application_in(call=call)


@pytest.fixture
def outsider():
    user = verified(UserFactory(email="ngoai@example.test"))
    OrganizationFactory(owner=user)
    return user


def sent_proposal(reference, **fields):
    return ProposalFactory(
        status=ProposalStatus.SUBMITTED,
        reference=reference,
        submitted_at=timezone.now(),
        content_sha256="0" * 64,
        **fields,
    )


def apply_data(organization, **overrides):
    data = {
        "organization": organization.pk,
        "requested_vnd": "2.500.000.000 ₫",
        "instrument": Instrument.GRANT,
        "summary": "  Cảm biến chất lượng nước cho khu công nghiệp.  ",
        "plan": "",
        "budget_breakdown": "",
    }
    return data | overrides


# Sign-in and the navigation


@pytest.mark.parametrize(
    "name, args", [("fund_applications", ()), ("fund_apply", ()), ("fund_application", (1,))]
)
def test_pages_ask_anonymous_visitors_to_sign_in_first(name, args):
    response = Client().get(en(name, *args) + "?call=7")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")
    assert "call%3D7" in response["Location"]


def test_the_dashboard_has_a_fund_applications_tab_for_every_member(member):
    response = browser(member).get(en("home"))
    assert f'href="{en("fund_applications")}"' in response.content.decode()
    assert "Fund applications" in text(response)


# Choosing a call


def test_without_a_call_the_open_published_calls_are_offered(call, member, organization):
    now = timezone.now()
    closed = FundingCallFactory(opens_at=now - timedelta(days=30), closes_at=now)
    upcoming = FundingCallFactory(opens_at=now + timedelta(days=1))
    unpublished = FundingCallFactory(is_published=False)
    response = browser(member).get(en("fund_apply"))
    assert response.status_code == 200
    body = response.content.decode()
    assert f'href="{en("fund_apply")}?call={call.pk}"' in body
    for other in (closed, upcoming, unpublished):
        assert f'?call={other.pk}"' not in body
    words = text(response)
    assert f"Deadline: {local(call.closes_at)}" in words
    assert "Budget: 20,000,000,000 VND · Grant, Convertible loan" in words


def test_with_no_open_call_the_page_says_so(member, organization):
    FundingCallFactory(is_published=False)
    response = browser(member).get(en("fund_apply"))
    assert "No call of the fund takes applications at the moment." in text(response)


def test_a_newcomer_without_organisation_is_shown_how_to_get_one(call):
    response = browser(verified(UserFactory())).get(en("fund_apply") + f"?call={call.pk}")
    assert response.status_code == 200
    assert "Register an organisation" in text(response)
    assert f'href="{en("organization_create")}"' in response.content.decode()


def test_an_unknown_or_unpublished_call_is_404(member, organization):
    hidden = FundingCallFactory(is_published=False)
    client = browser(member)
    for call_id in ("999999", "abc", str(hidden.pk)):
        assert client.get(en("fund_apply") + f"?call={call_id}").status_code == 404, call_id


def test_a_closed_or_upcoming_call_is_409_with_its_time_in_vietnam_time(member, organization):
    now = timezone.now()
    closed = FundingCallFactory(opens_at=now - timedelta(days=30), closes_at=now)
    upcoming = FundingCallFactory(opens_at=now + timedelta(days=2))
    client = browser(member)
    response = client.post(
        en("fund_apply") + f"?call={closed.pk}", apply_data(member.memberships.get().organization)
    )
    assert response.status_code == 409
    assert f"This call closed at {local(closed.closes_at)}" in text(response)
    response = client.get(en("fund_apply") + f"?call={upcoming.pk}")
    assert response.status_code == 409
    assert f"This call opens at {local(upcoming.opens_at)}" in text(response)
    assert not FundApplication.objects.exists()


# Applying


def test_the_form_reached_from_the_fund_page_offers_what_the_call_offers(
    call, member, organization
):
    FundingCall.objects.filter(pk=call.pk).update(offers_grant=False, offers_equity=True)
    response = browser(member).get(en("fund_apply") + f"?call={call.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    # The only organisation is chosen already; only the call's instruments are offered.
    assert re.search(rf'<option value="{organization.pk}" selected>', body)
    assert '<option value="equity">Equity investment</option>' in body
    assert '<option value="convertible_loan">Convertible loan</option>' in body
    assert 'value="grant"' not in body
    words = text(response)
    # Amounts with the reader's thousands separators, the window with the time zone.
    assert "e.g. 1,500,000,000; this call's budget is 20,000,000,000 VND." in words
    assert f"until {local(call.closes_at)}" in words
    # No sent proposal: no empty choice of one.
    assert 'name="proposal"' not in body


def test_applying_saves_a_draft_through_the_service(call, member, organization):
    response = browser(member).post(en("fund_apply") + f"?call={call.pk}", apply_data(organization))
    application = FundApplication.objects.get()
    assert response.status_code == 302
    assert response["Location"] == en("fund_application", application.pk)
    assert application.status == S.DRAFT
    assert application.requested_vnd == 2_500_000_000
    assert application.summary == "Cảm biến chất lượng nước cho khu công nghiệp."
    assert (application.call, application.organization) == (call, organization)
    assert application.created_by == member
    assert AuditEvent.objects.filter(action="fund_application.create").count() == 1


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"requested_vnd": "nhiều"}, "requested_vnd", "Enter a whole number."),
        ({"requested_vnd": "0"}, "requested_vnd", "greater than or equal to 1"),
        ({"instrument": Instrument.EQUITY}, "instrument", "Select a valid choice"),
        ({"summary": " "}, "summary", "This field is required."),
    ],
)
def test_bad_input_is_a_400_on_the_field_with_nothing_written(
    call, member, organization, overrides, field, message
):
    response = browser(member).post(
        en("fund_apply") + f"?call={call.pk}", apply_data(organization, **overrides)
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', body)
    assert message in text(response)
    assert not FundApplication.objects.exists()


def test_applying_for_someone_elses_organisation_is_refused(call, member, organization, outsider):
    theirs = outsider.memberships.get().organization
    response = browser(member).post(en("fund_apply") + f"?call={call.pk}", apply_data(theirs))
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert not FundApplication.objects.exists()


def test_the_backing_proposal_is_one_my_organisations_sent_to_the_calls_challenge(
    member, organization, outsider
):
    challenge = ChallengeFactory(code="P2-2026")
    call = FundingCallFactory(challenge=challenge)
    sent = sent_proposal("P2-2026-0001", challenge=challenge, organization=organization)
    unsent = ProposalFactory(challenge=challenge, organization=organization)
    elsewhere = sent_proposal("P9-2026-0001", organization=organization)
    theirs = sent_proposal(
        "P2-2026-0002", challenge=challenge, organization=outsider.memberships.get().organization
    )
    client = browser(member)
    path = en("fund_apply") + f"?call={call.pk}"
    body = client.get(path).content.decode()
    assert f'<option value="{sent.pk}">P2-2026-0001 · {sent.title}</option>' in body
    for other in (unsent, elsewhere, theirs):
        assert f'<option value="{other.pk}"' not in body
    assert "a proposal your organisation sent to P2-2026" in body

    refused = client.post(path, apply_data(organization, proposal=theirs.pk))
    assert refused.status_code == 400
    assert not FundApplication.objects.exists()

    client.post(path, apply_data(organization, proposal=sent.pk))
    assert FundApplication.objects.get().proposal == sent


def test_a_service_refusal_lands_on_its_field(call, member, organization):
    """With two organisations, a proposal of one cannot back the other's application:
    the form lets both through, the service refuses, the page marks the field."""
    second = OrganizationFactory(owner=member)
    proposal = sent_proposal("P3-2026-0001", organization=second)
    path = en("fund_apply") + f"?call={call.pk}"
    client = browser(member)
    form = client.get(path).content.decode()
    # Two organisations: none chosen for me, each proposal named with its organisation.
    assert not re.search(r'<option value="\d+" selected>', form.split('name="instrument"')[0])
    assert f"({second.display_name})</option>" in form
    response = client.post(path, apply_data(organization, proposal=proposal.pk))
    assert response.status_code == 400
    assert re.search(r'name="proposal"[^>]*aria-invalid="true"', response.content.decode())
    assert "This proposal is not your organisation&#x27;s." in response.content.decode()
    assert not FundApplication.objects.exists()


# Editing


def test_editing_a_draft_saves_through_the_service(draft, member):
    client = browser(member)
    form = client.get(en("fund_application_edit", draft.pk))
    assert 'value="2,000,000,000"' in form.content.decode()
    response = client.post(
        en("fund_application_edit", draft.pk),
        {
            "requested_vnd": "3,000,000,000",
            "instrument": Instrument.CONVERTIBLE_LOAN,
            "summary": "Tóm tắt mới",
            "plan": "",
            "budget_breakdown": "Thiết bị 3 tỷ",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == en("fund_application", draft.pk)
    draft.refresh_from_db()
    assert (draft.requested_vnd, draft.instrument, draft.summary, draft.plan) == (
        3_000_000_000,
        Instrument.CONVERTIBLE_LOAN,
        "Tóm tắt mới",
        "",
    )
    event = AuditEvent.objects.get(action="fund_application.update")
    assert event.data["fields"] == [
        "budget_breakdown",
        "instrument",
        "plan",
        "requested_vnd",
        "summary",
    ]


def test_a_sent_application_cannot_be_edited(application_in, member):
    sent = application_in(S.SUBMITTED)
    client = browser(member)
    assert client.get(en("fund_application_edit", sent.pk))["Location"] == en(
        "fund_application", sent.pk
    )
    response = client.post(en("fund_application_edit", sent.pk), {"summary": "Sửa sau khi nộp"})
    assert response.status_code == 409
    assert "Only a draft can be edited." in text(response)
    sent.refresh_from_db()
    assert sent.summary != "Sửa sau khi nộp"


# Scoping


def test_another_organisations_application_is_404(draft, outsider):
    client = browser(outsider)
    for path in [en("fund_application", draft.pk), en("fund_application_edit", draft.pk)]:
        assert client.get(path).status_code == 404, path
    for path in [
        en("fund_application_edit", draft.pk),
        en("fund_application_submit", draft.pk),
        en("fund_application_withdraw", draft.pk),
    ]:
        assert client.post(path, {"summary": "Chen ngang"}).status_code == 404, path
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert draft.summary != "Chen ngang"


def test_a_colleague_sees_and_edits_the_organisations_draft(draft, organization):
    colleague = verified(UserFactory())
    MembershipFactory(organization=organization, user=colleague, role=MembershipRole.MEMBER)
    response = browser(colleague).get(en("fund_application", draft.pk))
    assert response.status_code == 200
    assert en("fund_application_edit", draft.pk) in response.content.decode()


# Documents


def attach(client, application, name="Kế hoạch kinh doanh.pdf", data=None):
    return client.post(
        en("fund_document_add", application.pk),
        {"kind": "business_plan", "file": upload(name, data or pdf())},
    )


def test_a_document_is_uploaded_listed_and_served_to_members_only(draft, organization, outsider):
    colleague = UserFactory()
    MembershipFactory(organization=organization, user=colleague, role=MembershipRole.MEMBER)
    client = browser(colleague)
    data = pdf()
    response = attach(client, draft, name="../../Kế hoạch kinh doanh.pdf", data=data)
    assert response.status_code == 302
    assert response["Location"] == en("fund_application", draft.pk)
    document = FundDocument.objects.get()
    assert (document.display_name, document.kind) == ("Kế hoạch kinh doanh.pdf", "business_plan")
    words = text(client.get(en("fund_application", draft.pk)))
    assert "Kế hoạch kinh doanh.pdf Business plan" in words

    download = client.get(en("fund_document_file", draft.pk, document.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "application/pdf"
    assert "no-store" in download["Cache-Control"]
    assert download["X-Content-Type-Options"] == "nosniff"

    stranger = browser(outsider)
    assert stranger.get(en("fund_document_file", draft.pk, document.pk)).status_code == 404
    assert stranger.post(en("fund_document_delete", draft.pk, document.pk)).status_code == 404
    assert attach(stranger, draft).status_code == 404
    assert FundDocument.objects.count() == 1


def test_a_document_of_one_application_is_not_served_under_another(draft, application_in, member):
    other = application_in()
    client = browser(member)
    attach(client, other)
    document = FundDocument.objects.get()
    assert client.get(en("fund_document_file", draft.pk, document.pk)).status_code == 404
    assert client.post(en("fund_document_delete", draft.pk, document.pk)).status_code == 404
    assert FundDocument.objects.count() == 1


@pytest.mark.parametrize(
    "name, data, words",
    [("setup.pdf", b"MZ\x90\x00" + bytes(200), "Upload a PDF"), ("rong.pdf", b"", "empty")],
)
def test_a_refused_document_is_a_400_on_the_file_and_stores_nothing(
    draft, member, name, data, words
):
    response = browser(member).post(
        en("fund_document_add", draft.pk), {"kind": "other", "file": upload(name, data)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="upload-form"' in body and "field-invalid" in body
    assert words in text(response)
    assert not FundDocument.objects.exists()
    assert stored_files() == []


def test_removing_a_document_while_draft(draft, member, django_capture_on_commit_callbacks):
    client = browser(member)
    attach(client, draft)
    document = FundDocument.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(en("fund_document_delete", draft.pk, document.pk))
    assert response["Location"] == en("fund_application", draft.pk)
    assert not FundDocument.objects.exists()
    assert stored_files() == []


def test_documents_of_a_sent_application_stay_as_they_were_sent(draft, member):
    client = browser(member)
    attach(client, draft)
    document = FundDocument.objects.get()
    client.post(en("fund_application_submit", draft.pk))
    page = client.get(en("fund_application", draft.pk))
    body = page.content.decode()
    assert en("fund_document_file", draft.pk, document.pk) in body
    assert en("fund_document_delete", draft.pk, document.pk) not in body
    assert 'id="upload-form"' not in body
    for response in (
        client.post(en("fund_document_delete", draft.pk, document.pk)),
        attach(client, draft),
    ):
        assert response.status_code == 409
        assert "only while the application is a draft" in text(response)
    assert FundDocument.objects.count() == 1


# One application


def test_the_page_shows_every_field_the_window_and_what_happens_next(draft, call, member):
    response = browser(member).get(en("fund_application", draft.pk))
    assert response.status_code == 200
    words = text(response)
    assert call.title in words and call.fund.name in words
    assert f"The call is open from {local(call.opens_at)} until {local(call.closes_at)}." in words
    assert "Status: Draft" in words
    assert "Complete it and submit it before the call closes" in words
    assert "Amount requested 2,000,000,000 VND" in words
    assert "Instrument Grant" in words
    for value in (draft.summary, draft.plan, draft.budget_breakdown):
        assert value in words


def test_the_checklist_says_what_is_missing_and_hides_the_submit_button(application_in, member):
    incomplete = application_in(plan="", budget_breakdown="")
    page = browser(member).get(en("fund_application", incomplete.pk))
    words = text(page)
    assert "Before this draft can be submitted" in words
    assert "Plan: Fill this in before you submit." in words
    assert "Budget breakdown: Fill this in before you submit." in words
    assert en("fund_application_submit", incomplete.pk) not in page.content.decode()


def test_the_checklist_names_an_instrument_the_call_no_longer_offers(draft, call, member):
    FundingCall.objects.filter(pk=call.pk).update(offers_grant=False)
    words = text(browser(member).get(en("fund_application", draft.pk)))
    assert "This call no longer offers grant: choose another instrument." in words


def test_an_incomplete_submit_is_400_with_what_is_missing(application_in, member):
    incomplete = application_in(plan=" ")
    response = browser(member).post(en("fund_application_submit", incomplete.pk))
    assert response.status_code == 400
    assert "Plan: Fill this in before you submit." in text(response)
    incomplete.refresh_from_db()
    assert incomplete.status == S.DRAFT


def test_an_unverified_member_is_told_to_verify_and_refused(draft, organization):
    unverified = UserFactory()
    MembershipFactory(organization=organization, user=unverified, role=MembershipRole.MEMBER)
    client = browser(unverified)
    assert "Verify your e-mail address before you submit" in text(
        client.get(en("fund_application", draft.pk))
    )
    response = client.post(en("fund_application_submit", draft.pk))
    assert response.status_code == 403
    assert "Verify your e-mail address before you submit: open the link we sent you." in text(
        response
    )
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_a_submit_after_the_call_closed_is_409(draft, call, member):
    FundingCall.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    client = browser(member)
    assert "This call closed at" in text(client.get(en("fund_application", draft.pk)))
    response = client.post(en("fund_application_submit", draft.pk))
    assert response.status_code == 409
    assert "This call has closed." in text(response)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_submitting_then_withdrawing_with_a_reason(draft, member):
    client = browser(member)
    page = client.get(en("fund_application", draft.pk))
    assert en("fund_application_submit", draft.pk) in page.content.decode()
    assert "Withdraw the application" not in text(page)

    response = client.post(en("fund_application_submit", draft.pk))
    assert response["Location"] == en("fund_application", draft.pk)
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED
    page = client.get(response["Location"])
    words = text(page)
    assert "Your application is submitted." in words
    assert "Status: Submitted" in words and "will screen it next" in words
    assert f"Submitted at {local(draft.submitted_at)}" in words
    assert en("fund_application_edit", draft.pk) not in page.content.decode()
    assert "Withdraw the application" in words

    response = client.post(
        en("fund_application_withdraw", draft.pk), {"note": "Đã nhận vốn từ nguồn khác"}
    )
    assert response["Location"] == en("fund_application", draft.pk)
    draft.refresh_from_db()
    assert (draft.status, draft.status_note) == (S.WITHDRAWN, "Đã nhận vốn từ nguồn khác")
    words = text(client.get(response["Location"]))
    assert "Reason given when it was withdrawn Đã nhận vốn từ nguồn khác" in words
    assert "Withdraw the application" not in words


def test_a_withdrawal_without_a_reason_and_a_double_click(application_in, member):
    screening = application_in(S.SCREENING)
    client = browser(member)
    first = client.post(en("fund_application_withdraw", screening.pk), {"note": ""})
    second = client.post(en("fund_application_withdraw", screening.pk), {"note": ""})
    assert first.status_code == second.status_code == 302
    screening.refresh_from_db()
    assert (screening.status, screening.status_note) == (S.WITHDRAWN, "")
    assert AuditEvent.objects.filter(action="fund_application.transition").count() == 1


def test_a_too_long_reason_is_a_400_and_nothing_changes(application_in, member):
    sent = application_in(S.SUBMITTED)
    response = browser(member).post(en("fund_application_withdraw", sent.pk), {"note": "x" * 5001})
    assert response.status_code == 400
    assert "at most 5000 characters" in text(response)
    sent.refresh_from_db()
    assert sent.status == S.SUBMITTED


def test_a_draft_or_a_decided_application_cannot_be_withdrawn(draft, application_in, member):
    rejected = application_in(S.REJECTED, status_note="Không phù hợp với đợt gọi vốn.")
    client = browser(member)
    assert "Withdraw the application" not in text(client.get(en("fund_application", rejected.pk)))
    for application in (draft, rejected):
        response = client.post(en("fund_application_withdraw", application.pk))
        assert response.status_code == 409
        assert "cannot become withdrawn" in text(response)
        application.refresh_from_db()
        assert application.status != S.WITHDRAWN


def test_the_fund_offices_reason_is_shown(application_in, member, officer):
    application = application_in(S.SCREENING)
    services.application_transition(
        application, S.SUBMITTED, actor=officer, note="Bổ sung báo cáo tài chính 2025."
    )
    client = browser(member)
    words = text(client.get(en("fund_application", application.pk)))
    assert "Reason given by the fund office Bổ sung báo cáo tài chính 2025." in words
    assert "Bổ sung báo cáo tài chính 2025." in text(client.get(en("fund_applications")))


def test_an_approved_application_shows_its_award_and_tranches(
    application_in, member, officer, approver
):
    application = application_in(S.COMMITTEE, requested_vnd=1_500_000_000)
    award = approve(officer, application, 600_000_000, 400_000_000)
    first, second = award.tranches.order_by("number")
    services.tranche_milestone_met(first, actor=officer, note="Đã nghiệm thu.")
    disbursement = services.disbursement_request(
        award, first, 600_000_000, "UNC-001", actor=officer
    )
    services.disbursement_approve(disbursement, actor=approver)
    first.refresh_from_db()

    response = browser(member).get(en("fund_application", application.pk))
    words = text(response)
    assert "Status: Approved" in words
    assert "Amount approved 1,000,000,000 VND" in words
    assert "Paid so far 600,000,000 VND" in words
    assert "Still to be paid 400,000,000 VND" in words
    assert "Báo cáo tiến độ hằng quý." in words
    assert (
        f"1 600,000,000 VND 01/15/2027 Mốc 1: nghiệm thu sản phẩm "
        f"Yes, verified at {local(first.milestone_met_at)} 600,000,000 VND"
    ) in words
    assert "2 400,000,000 VND 02/14/2027 Mốc 2: nghiệm thu sản phẩm Not yet 0 VND" in words
    assert "Withdraw the application" not in words


# The list and query counts


def test_the_list_shows_my_organisations_applications_only_with_tabs(
    draft, application_in, member, outsider
):
    sent = application_in(S.COMMITTEE, requested_vnd=7_000_000_000, instrument="convertible_loan")
    theirs = FundApplicationFactory(organization=outsider.memberships.get().organization)
    client = browser(member)
    response = client.get(en("fund_applications"))
    body = response.content.decode()
    assert f'href="{en("fund_application", draft.pk)}"' in body
    assert f'href="{en("fund_application", sent.pk)}"' in body
    assert f'href="{en("fund_application", theirs.pk)}"' not in body
    words = text(response)
    assert (
        f"{sent.call.title} {sent.call.fund.name} {sent.organization.display_name} "
        "7,000,000,000 VND Convertible loan Committee"
    ) in words
    drafts = client.get(en("fund_applications") + "?show=drafts").content.decode()
    assert en("fund_application", draft.pk) in drafts
    assert en("fund_application", sent.pk) not in drafts
    in_review = client.get(en("fund_applications") + "?show=in_review").content.decode()
    assert en("fund_application", sent.pk) in in_review
    assert en("fund_application", draft.pk) not in in_review
    assert "Nothing here." in text(client.get(en("fund_applications") + "?show=withdrawn"))


def test_the_list_is_paginated(application_in, member, monkeypatch):
    monkeypatch.setattr("fund.views.applicant.PER_PAGE", 2)
    for _ in range(3):
        application_in()
    words = text(browser(member).get(en("fund_applications") + "?page=2"))
    assert "Page 2 of 2" in words


@pytest.mark.parametrize("rows", [1, 40])
def test_the_list_runs_the_same_queries_for_1_and_40_applications(
    rows, application_in, member, officer, django_assert_num_queries
):
    for _ in range(rows):
        application_in()
    # Decided ones too: the award comes with the row.
    approve(officer, application_in(S.COMMITTEE), 1_000_000)
    client = browser(member)
    client.get(en("fund_applications"))  # warm per-process caches
    with django_assert_num_queries(9):
        response = client.get(en("fund_applications"))
    assert response.status_code == 200
    assert response.content.decode().count('class="badge ') == rows + 1


@pytest.mark.parametrize("documents", [1, 8])
def test_a_draft_runs_the_same_queries_for_1_and_8_documents(
    documents, draft, member, django_assert_num_queries
):
    client = browser(member)
    for _ in range(documents):
        attach(client, draft)
    client.get(en("fund_application", draft.pk))
    with django_assert_num_queries(9):
        response = client.get(en("fund_application", draft.pk))
    assert response.content.decode().count("Kế hoạch kinh doanh.pdf</a>") == documents


@pytest.mark.parametrize("tranches", [1, 12])
def test_an_award_runs_the_same_queries_for_1_and_12_tranches(
    tranches, application_in, member, officer, django_assert_num_queries
):
    application = application_in(S.COMMITTEE)
    approve(officer, application, *([1_000_000] * tranches))
    client = browser(member)
    client.get(en("fund_application", application.pk))
    with django_assert_num_queries(10):
        response = client.get(en("fund_application", application.pk))
    assert response.content.decode().count("nghiệm thu sản phẩm</td>") == tranches
