"""Applications through the API: drafts, submission, withdrawal, scope and errors."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from fund import services
from fund.enums import ApplicationStatus
from fund.models import FundApplication, FundingCall
from portal.models import AuditEvent
from startups.enums import MembershipRole
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.fund import FundApplicationFactory, FundingCallFactory
from tests.fund.api.conftest import APPLICATIONS, application_url
from tests.fund.test_application_services import sent_proposal
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

S = ApplicationStatus

DETAIL_FIELDS = {
    "id",
    "call",
    "call_title",
    "organization",
    "organization_name",
    "proposal",
    "requested_vnd",
    "instrument",
    "summary",
    "status",
    "status_note",
    "submitted_at",
    "decided_at",
    "created_at",
    "updated_at",
    "award",
    "plan",
    "budget_breakdown",
    "documents",
}


@pytest.fixture
def call():
    return FundingCallFactory(title="Đợt 1/2026")


def draft_body(to_call, organization, **fields):
    return {
        "call": to_call.pk,
        "organization": organization.pk,
        "requested_vnd": 1_500_000_000,
        "instrument": "grant",
        "summary": " Quan trắc môi trường ",
        "plan": "Thử nghiệm rồi triển khai.",
        "budget_breakdown": "Thiết bị 1 tỷ; nhân sự 0,5 tỷ.",
        **fields,
    }


# Drafts


def test_member_creates_a_draft(member_client, member, organization, call):
    response = member_client.post(APPLICATIONS, draft_body(call, organization))

    assert response.status_code == 201, response.data
    application = FundApplication.objects.get()
    assert set(response.data) == DETAIL_FIELDS
    assert response.data["id"] == application.pk
    assert response.data["status"] == "draft"
    assert response.data["requested_vnd"] == 1_500_000_000
    assert response.data["summary"] == "Quan trắc môi trường"
    assert response.data["organization_name"] == organization.legal_name
    assert response.data["call_title"] == "Đợt 1/2026"
    assert (response.data["award"], response.data["documents"]) == (None, [])
    assert response.data["created_at"].endswith("+07:00")
    assert application.created_by == member
    assert AuditEvent.objects.filter(action="fund_application.create").count() == 1


def test_a_sent_proposal_of_the_organisation_may_back_the_draft(
    member_client, member, organization, call
):
    proposal = sent_proposal(organization=organization, author=member, reference="P-1")
    other = sent_proposal(reference="P-2")

    refused = member_client.post(APPLICATIONS, draft_body(call, organization, proposal=other.pk))
    response = member_client.post(
        APPLICATIONS, draft_body(call, organization, proposal=proposal.pk)
    )

    assert refused.status_code == 400
    assert set(refused.data) == {"proposal"}
    assert response.status_code == 201, response.data
    assert response.data["proposal"] == proposal.pk


@pytest.mark.parametrize(
    "amount", [1_500_000_000.0, 1.5e9, "1500000000", True, 0, -5, 10**16, None]
)
def test_an_amount_that_is_not_a_positive_integer_is_a_400_writing_nothing(
    member_client, organization, call, amount
):
    response = member_client.post(
        APPLICATIONS, draft_body(call, organization, requested_vnd=amount)
    )

    assert response.status_code == 400
    assert set(response.data) == {"requested_vnd"}
    assert not FundApplication.objects.exists()
    assert not AuditEvent.objects.exists()


def test_float_amount_message_asks_for_whole_dong(member_client, organization, call):
    response = member_client.post(APPLICATIONS, draft_body(call, organization, requested_vnd=2.5))

    assert response.data == {"requested_vnd": ["Enter a whole number of đồng, more than zero."]}


def test_errors_are_in_vietnamese_by_default(member, organization, call):
    client = APIClient()
    client.force_authenticate(member)

    response = client.post(APPLICATIONS, draft_body(call, organization, requested_vnd="1000"))

    assert response.status_code == 400
    assert response.data == {"requested_vnd": ["Hãy nhập số đồng nguyên, lớn hơn không."]}


def test_another_organisation_or_an_unpublished_call_is_a_400(member_client, organization, call):
    theirs = OrganizationFactory()
    hidden = FundingCallFactory(is_published=False)

    not_mine = member_client.post(APPLICATIONS, draft_body(call, theirs))
    unpublished = member_client.post(APPLICATIONS, draft_body(hidden, organization))
    unknown = member_client.post(APPLICATIONS, draft_body(call, organization, call=999_999))

    assert (not_mine.status_code, set(not_mine.data)) == (400, {"organization"})
    assert not_mine.data["organization"] == ["Choose one of your organisations."]
    assert (unpublished.status_code, set(unpublished.data)) == (400, {"call"})
    assert (unknown.status_code, set(unknown.data)) == (400, {"call"})
    assert not FundApplication.objects.exists()


def test_an_instrument_the_call_does_not_offer_is_a_400(member_client, organization, call):
    response = member_client.post(APPLICATIONS, draft_body(call, organization, instrument="equity"))

    assert response.status_code == 400
    assert response.data == {"instrument": ["This call does not offer this instrument."]}


def test_a_closed_call_takes_no_drafts(member_client, organization, call):
    now = timezone.now()
    FundingCall.objects.filter(pk=call.pk).update(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1)
    )

    response = member_client.post(APPLICATIONS, draft_body(call, organization))

    assert response.status_code == 409
    assert response.data == {"detail": "This call has closed."}
    assert not FundApplication.objects.exists()


def test_anonymous_calls_are_401(anon_client, application_in, call):
    application = application_in()

    assert anon_client.get(APPLICATIONS).status_code == 401
    assert anon_client.get(application_url(application)).status_code == 401
    assert anon_client.post(APPLICATIONS, {}).status_code == 401
    assert anon_client.patch(application_url(application), {}).status_code == 401
    assert anon_client.post(application_url(application, "submit/")).status_code == 401


def test_patch_changes_a_draft(member_client, application_in):
    application = application_in()

    response = member_client.patch(
        application_url(application), {"requested_vnd": 900_000_000, "plan": "Kế hoạch mới"}
    )

    assert response.status_code == 200, response.data
    assert (response.data["requested_vnd"], response.data["plan"]) == (900_000_000, "Kế hoạch mới")
    application.refresh_from_db()
    assert application.requested_vnd == 900_000_000


def test_patch_with_a_string_amount_is_a_400_and_changes_nothing(member_client, application_in):
    application = application_in(requested_vnd=2_000_000_000)

    response = member_client.patch(
        application_url(application), {"requested_vnd": "900000000", "summary": "Mới"}
    )

    assert response.status_code == 400
    assert set(response.data) == {"requested_vnd"}
    application.refresh_from_db()
    assert (application.requested_vnd, application.summary) == (
        2_000_000_000,
        "Nền tảng quan trắc môi trường khu công nghiệp.",
    )


def test_patch_after_submit_is_409(member_client, application_in):
    application = application_in(S.SUBMITTED)

    response = member_client.patch(application_url(application), {"summary": "Sửa"})

    assert response.status_code == 409
    assert response.data == {"detail": "Only a draft can be edited."}


def test_staff_may_read_but_not_patch_an_application(officer_client, application_in):
    application = application_in(S.SUBMITTED)

    assert officer_client.get(application_url(application)).status_code == 200
    response = officer_client.patch(application_url(application), {"summary": "Sửa"})

    assert response.status_code == 403
    assert response.data == {"detail": "Only members of the organisation may do this."}


def test_a_draft_is_its_applicants_business_until_sent(
    officer_client, auditor_client, application_in
):
    draft, sent = application_in(), application_in(S.SUBMITTED)

    for client in (officer_client, auditor_client):
        listed = client.get(APPLICATIONS).data["results"]
        assert [row["id"] for row in listed] == [sent.pk]
        assert client.get(application_url(draft)).status_code == 404


# Scope


def test_members_see_only_their_organisations_applications(
    member_client, outsider_client, outsider, application_in
):
    mine = application_in()
    theirs = FundApplicationFactory(organization=outsider.memberships.get().organization)

    listed = member_client.get(APPLICATIONS)

    assert [row["id"] for row in listed.data["results"]] == [mine.pk]
    assert member_client.get(application_url(theirs)).status_code == 404
    assert member_client.patch(application_url(theirs), {"summary": "x"}).status_code == 404
    assert member_client.post(application_url(theirs, "submit/")).status_code == 404
    assert member_client.post(application_url(theirs, "withdraw/")).status_code == 404
    assert [row["id"] for row in outsider_client.get(APPLICATIONS).data["results"]] == [theirs.pk]


@pytest.mark.parametrize("staff", ["officer_client", "approver_client", "auditor_client"])
def test_fund_staff_see_every_application(request, staff, application_in, outsider):
    mine = application_in(S.SCREENING)
    theirs = FundApplicationFactory(status=S.SUBMITTED)
    client = request.getfixturevalue(staff)

    listed = client.get(APPLICATIONS)

    assert {row["id"] for row in listed.data["results"]} == {mine.pk, theirs.pk}
    assert client.get(application_url(theirs)).status_code == 200


def test_a_juror_sees_no_application(juror_client, application_in):
    application = application_in()

    assert juror_client.get(APPLICATIONS).data["count"] == 0
    assert juror_client.get(application_url(application)).status_code == 404


def test_list_filters_by_status_and_call(member_client, application_in, call):
    draft = application_in(call=call)
    sent = application_in(S.SUBMITTED)

    def ids(**params):
        return [row["id"] for row in member_client.get(APPLICATIONS, params).data["results"]]

    assert ids(status="submitted") == [sent.pk]
    assert ids(call=call.pk) == [draft.pk]
    assert ids(ordering="created_at") == [draft.pk, sent.pk]
    assert member_client.get(APPLICATIONS, {"status": "paid"}).status_code == 400


# Submission and withdrawal


def test_submit_sends_a_draft(member_client, application_in):
    application = application_in()

    response = member_client.post(application_url(application, "submit/"))

    assert response.status_code == 200, response.data
    assert response.data["status"] == "submitted"
    assert response.data["submitted_at"].endswith("+07:00")
    again = member_client.post(application_url(application, "submit/"))
    assert (again.status_code, again.data["status"]) == (200, "submitted")


def test_submit_of_an_incomplete_draft_is_a_400(member_client, application_in):
    application = application_in(plan="", budget_breakdown=" ")

    response = member_client.post(application_url(application, "submit/"))

    assert response.status_code == 400
    assert set(response.data) == {"plan", "budget_breakdown"}
    assert FundApplication.objects.get().status == S.DRAFT


def test_submit_after_the_call_closed_is_409(member_client, application_in, call):
    application = application_in(call=call)
    now = timezone.now()
    FundingCall.objects.filter(pk=call.pk).update(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(seconds=1)
    )

    response = member_client.post(application_url(application, "submit/"))

    assert response.status_code == 409
    assert FundApplication.objects.get().status == S.DRAFT


def test_submit_with_an_unverified_email_is_403(client_for, application_in, organization):
    unverified = UserFactory()
    MembershipFactory(organization=organization, user=unverified, role=MembershipRole.MEMBER)
    application = application_in()

    response = client_for(unverified).post(application_url(application, "submit/"))

    assert response.status_code == 403
    assert FundApplication.objects.get().status == S.DRAFT


def test_withdraw_a_sent_application_and_not_a_draft(member_client, application_in):
    sent = application_in(S.SCREENING)
    draft = application_in()

    response = member_client.post(application_url(sent, "withdraw/"), {"note": "Đổi kế hoạch"})
    refused = member_client.post(application_url(draft, "withdraw/"), {})

    assert response.status_code == 200, response.data
    assert (response.data["status"], response.data["status_note"]) == ("withdrawn", "Đổi kế hoạch")
    assert refused.status_code == 409


def test_the_applicant_reads_the_reason_given(member_client, officer, application_in):
    application = application_in(S.SCREENING)
    services.application_transition(
        application, S.SUBMITTED, actor=officer, note="Bổ sung báo cáo tài chính 2025."
    )

    response = member_client.get(application_url(application))

    assert response.data["status"] == "submitted"
    assert response.data["status_note"] == "Bổ sung báo cáo tài chính 2025."


# Query counts


def test_list_runs_a_constant_number_of_queries(member_client, member, organization, officer):
    def add(n):
        for index in range(n):
            application = FundApplicationFactory(
                organization=organization, created_by=member, status=S.COMMITTEE
            )
            if index % 2:
                services.application_decide(
                    application,
                    actor=officer,
                    decision="approve",
                    approved_vnd=100_000_000,
                    tranches=[
                        {"amount_vnd": 100_000_000, "planned_date": "2027-01-01", "milestone": "M"}
                    ],
                )

    def fetch():
        response = member_client.get(APPLICATIONS, {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=12)

    assert response.data["count"] == 12
    assert sum(row["award"] is not None for row in response.data["results"]) == 5
    # The token and its user, knox's purge, the caller's groups, the count, the rows with
    # their call, organisation and award.
    assert queries == 5


@pytest.mark.parametrize("rows", [1, 8])
def test_list_exact_query_count(
    member_client, officer_client, application_in, rows, django_assert_num_queries
):
    for _ in range(rows):
        application_in(S.SUBMITTED)

    with django_assert_num_queries(5):
        assert member_client.get(APPLICATIONS).data["count"] == rows
    with django_assert_num_queries(5):
        assert officer_client.get(APPLICATIONS).data["count"] == rows


def test_detail_exact_query_count(member_client, application_in, django_assert_num_queries):
    application = application_in()

    # The token and its user, knox's purge, the caller's groups, the application with its
    # call, organisation and award, its documents.
    with django_assert_num_queries(5):
        assert member_client.get(application_url(application)).status_code == 200
