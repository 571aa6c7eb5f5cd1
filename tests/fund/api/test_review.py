"""Review, decisions and milestones through the API: fund officers only."""

import pytest

from fund.enums import ApplicationStatus
from fund.models import Award, FundApplication, FundingCall, Tranche
from portal.models import AuditEvent
from tests.factories.fund import tranche_plan
from tests.fund.api.conftest import application_url, milestone_url

pytestmark = pytest.mark.django_db

S = ApplicationStatus
MILLION = 1_000_000


def json_plan(*amounts):
    return [
        {**item, "planned_date": item["planned_date"].isoformat()}
        for item in tranche_plan(*amounts)
    ]


def approval(*amounts, **fields):
    return {
        "decision": "approve",
        "approved_vnd": sum(amounts),
        "tranches": json_plan(*amounts),
        "conditions": "Báo cáo hằng quý.",
        "note": "Hội đồng thông qua",
        **fields,
    }


# Transitions


def test_officer_moves_an_application_through_review(officer_client, application_in):
    application = application_in(S.SUBMITTED)

    for target in ("screening", "due_diligence", "committee"):
        response = officer_client.post(
            application_url(application, "transition/"), {"to": target, "note": ""}
        )
        assert response.status_code == 200, response.data
        assert response.data["status"] == target

    assert FundApplication.objects.get().status == S.COMMITTEE
    assert AuditEvent.objects.filter(action="fund_application.transition").count() == 3


def test_a_move_the_state_forbids_is_409(officer_client, application_in):
    application = application_in(S.SUBMITTED)

    response = officer_client.post(application_url(application, "transition/"), {"to": "committee"})

    assert response.status_code == 409
    assert response.data == {"detail": "An application that is submitted cannot become committee."}
    assert FundApplication.objects.get().status == S.SUBMITTED


def test_asking_for_more_needs_a_note_the_applicant_reads(
    officer_client, member_client, application_in
):
    application = application_in(S.SCREENING)
    url = application_url(application, "transition/")

    missing = officer_client.post(url, {"to": "submitted"})
    response = officer_client.post(url, {"to": "submitted", "note": "Thiếu báo cáo tài chính."})

    assert (missing.status_code, missing.data) == (
        400,
        {"note": ["Give the applicant the reason."]},
    )
    assert response.status_code == 200
    seen = member_client.get(application_url(application)).data
    assert (seen["status"], seen["status_note"]) == ("submitted", "Thiếu báo cáo tài chính.")


@pytest.mark.parametrize("target", ["approved", "withdrawn", "draft", "paid", ""])
def test_a_target_officers_cannot_choose_is_a_400(officer_client, application_in, target):
    application = application_in(S.COMMITTEE)

    response = officer_client.post(application_url(application, "transition/"), {"to": target})

    assert response.status_code == 400
    assert set(response.data) == {"to"}
    assert FundApplication.objects.get().status == S.COMMITTEE


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("member_client", "Only fund officers may do this."),
        ("approver_client", "Only fund officers may do this."),
        ("auditor_client", "Auditors read the fund's records; they change nothing."),
    ],
)
def test_only_officers_review_and_decide(request, who, message, application_in):
    client = request.getfixturevalue(who)
    application = application_in(S.COMMITTEE)

    moved = client.post(
        application_url(application, "transition/"), {"to": "submitted", "note": "x"}
    )
    decided = client.post(application_url(application, "decision/"), approval(1_000 * MILLION))

    assert (moved.status_code, moved.data) == (403, {"detail": message})
    assert (decided.status_code, decided.data) == (403, {"detail": message})
    assert FundApplication.objects.get().status == S.COMMITTEE
    assert not Award.objects.exists()


def test_anonymous_review_is_401(anon_client, application_in):
    application = application_in(S.SUBMITTED)

    response = anon_client.post(application_url(application, "transition/"), {"to": "screening"})

    assert response.status_code == 401


def test_review_of_an_unknown_application_is_404(officer_client):
    response = officer_client.post(
        "/api/v1/fund/applications/987654/transition/", {"to": "screening"}
    )

    assert response.status_code == 404


# Decisions


def test_approval_returns_the_award_with_its_tranches(officer_client, application_in):
    application = application_in(S.COMMITTEE, requested_vnd=1_500 * MILLION)
    call = application.call

    response = officer_client.post(
        application_url(application, "decision/"), approval(600 * MILLION, 400 * MILLION)
    )

    assert response.status_code == 201, response.data
    award = Award.objects.get()
    assert response.data["id"] == award.pk
    assert response.data["application"] == application.pk
    assert (response.data["approved_vnd"], response.data["paid_vnd"]) == (1_000 * MILLION, 0)
    assert response.data["remaining_vnd"] == 1_000 * MILLION
    assert response.data["conditions"] == "Báo cáo hằng quý."
    assert [
        (t["number"], t["amount_vnd"], t["planned_date"], t["met"], t["paid_vnd"])
        for t in response.data["tranches"]
    ] == [
        (1, 600 * MILLION, "2027-01-15", False, 0),
        (2, 400 * MILLION, "2027-02-14", False, 0),
    ]
    assert (response.data["ledger_count"], response.data["ledger_latest"]) == (0, [])
    assert FundApplication.objects.get().status == S.APPROVED
    assert FundingCall.objects.get(pk=call.pk).committed_vnd == 1_000 * MILLION
    assert officer_client.get(application_url(application)).data["award"] == award.pk


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"approved_vnd": 1_000_000_000.0}, "approved_vnd"),
        ({"approved_vnd": "1000000000"}, "approved_vnd"),
        ({"approved_vnd": 900 * MILLION}, "tranches"),  # the tranches add up to 1,000 million
        ({"approved_vnd": 2_000 * MILLION, "tranches": json_plan(2_000 * MILLION)}, "approved_vnd"),
        (
            {"tranches": [{"amount_vnd": 1.0e9, "planned_date": "2027-01-01", "milestone": "M"}]},
            "tranches",
        ),
        (
            {"tranches": [{"amount_vnd": 10**9, "planned_date": "someday", "milestone": "M"}]},
            "tranches",
        ),
        ({"tranches": []}, "tranches"),
        ({"decision": "maybe"}, "decision"),
    ],
)
def test_an_invalid_decision_is_a_400_writing_nothing(
    officer_client, application_in, changes, field
):
    application = application_in(S.COMMITTEE, requested_vnd=1_500 * MILLION)
    events = AuditEvent.objects.count()

    response = officer_client.post(
        application_url(application, "decision/"), approval(1_000 * MILLION, **{}) | changes
    )

    assert response.status_code == 400, response.data
    assert set(response.data) == {field}
    assert FundApplication.objects.get().status == S.COMMITTEE
    assert not Award.objects.exists() and not Tranche.objects.exists()
    assert FundingCall.objects.get().committed_vnd == 0
    assert AuditEvent.objects.count() == events


def test_a_decision_outside_committee_or_beyond_the_budget_is_409(officer_client, application_in):
    screening = application_in(S.SCREENING)
    large = application_in(S.COMMITTEE, requested_vnd=30_000 * MILLION)

    early = officer_client.post(application_url(screening, "decision/"), approval(100 * MILLION))
    too_much = officer_client.post(application_url(large, "decision/"), approval(25_000 * MILLION))

    assert early.status_code == 409
    assert too_much.status_code == 409
    assert too_much.data["detail"].startswith("The call has only ")
    assert not Award.objects.exists()


def test_rejection_needs_a_reason_and_returns_the_application(
    officer_client, member_client, application_in
):
    application = application_in(S.COMMITTEE)
    url = application_url(application, "decision/")

    missing = officer_client.post(url, {"decision": "reject"})
    response = officer_client.post(
        url, {"decision": "reject", "note": "Chưa đủ năng lực tài chính."}
    )

    assert (missing.status_code, set(missing.data)) == (400, {"note"})
    assert response.status_code == 200, response.data
    assert response.data["id"] == application.pk
    assert response.data["status"] == "rejected"
    seen = member_client.get(application_url(application)).data
    assert (seen["status"], seen["status_note"]) == ("rejected", "Chưa đủ năng lực tài chính.")
    assert officer_client.post(url, {"decision": "reject", "note": "lần hai"}).status_code == 409


# Milestones


def test_officer_marks_a_milestone_met_once(officer_client, award):
    tranche = award.tranches.get(number=1)

    response = officer_client.post(milestone_url(tranche), {"note": "Đã nghiệm thu"})
    again = officer_client.post(milestone_url(tranche), {})

    assert response.status_code == 200, response.data
    assert response.data["id"] == tranche.pk
    assert response.data["met"] is True
    assert response.data["milestone_met_at"].endswith("+07:00")
    assert again.status_code == 409
    assert again.data == {"detail": "This milestone is already marked as met."}


@pytest.mark.parametrize("who", ["member_client", "approver_client", "auditor_client"])
def test_only_officers_mark_milestones(request, who, award):
    tranche = award.tranches.get(number=1)

    response = request.getfixturevalue(who).post(milestone_url(tranche), {})

    assert response.status_code == 403
    assert not Tranche.objects.get(pk=tranche.pk).milestone_met


def test_milestone_of_an_unknown_tranche_is_404_and_anonymous_401(
    officer_client, anon_client, award
):
    tranche = award.tranches.get(number=1)

    assert officer_client.post("/api/v1/fund/tranches/987654/milestone-met/", {}).status_code == 404
    assert anon_client.post(milestone_url(tranche), {}).status_code == 401
    assert officer_client.post(milestone_url(tranche), {"note": 5 * "x" * 2000}).status_code == 400
