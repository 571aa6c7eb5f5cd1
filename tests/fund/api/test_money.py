"""Awards, disbursements with four eyes and ledger reversals through the API."""

import pytest

from fund import services
from fund.enums import DisbursementStatus
from fund.models import Award, Disbursement, LedgerEntry, Tranche
from portal.roles import Role
from tests.factories import UserFactory
from tests.factories.fund import FundApplicationFactory
from tests.fund.api.conftest import (
    AWARDS,
    DISBURSEMENTS,
    award_url,
    disbursement_url,
    reverse_url,
)
from tests.fund.conftest import approve
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

MILLION = 1_000_000


def met(officer, award, number=1):
    return services.tranche_milestone_met(award.tranches.get(number=number), actor=officer)


def request_body(award, tranche, amount=100 * MILLION, reference="UNC-001"):
    return {"award": award.pk, "tranche": tranche.pk, "amount_vnd": amount, "reference": reference}


def requested(officer, award, amount=100 * MILLION, number=1, reference=None):
    tranche = award.tranches.get(number=number)
    reference = reference or f"UNC-{Disbursement.objects.count() + 1}"
    return services.disbursement_request(award, tranche, amount, reference, actor=officer)


def paid(officer, approver, award, amount=100 * MILLION, number=1):
    return services.disbursement_approve(requested(officer, award, amount, number), actor=approver)


def someone_elses_award(officer):
    application = FundApplicationFactory(status="committee", requested_vnd=500 * MILLION)
    return approve(officer, application, 500 * MILLION)


# Awards


def test_the_awardees_member_reads_the_award_without_the_ledger(
    member_client, officer, approver, award
):
    met(officer, award)
    paid(officer, approver, award, 250 * MILLION)

    listed = member_client.get(AWARDS)
    response = member_client.get(award_url(award))

    assert [row["id"] for row in listed.data["results"]] == [award.pk]
    assert response.status_code == 200
    data = response.data
    assert (data["approved_vnd"], data["paid_vnd"], data["remaining_vnd"]) == (
        1_000 * MILLION,
        250 * MILLION,
        750 * MILLION,
    )
    assert [(t["amount_vnd"], t["met"], t["paid_vnd"]) for t in data["tranches"]] == [
        (600 * MILLION, True, 250 * MILLION),
        (400 * MILLION, False, 0),
    ]
    assert data["instrument"] == "grant"
    assert data["decided_at"].endswith("+07:00")
    assert (data["ledger_count"], data["ledger_latest"], data["ledger_url"]) == (None, None, None)


@pytest.mark.parametrize("staff", ["officer_client", "approver_client", "auditor_client"])
def test_fund_staff_read_every_award_with_its_ledger(
    request, staff, officer, approver, second_approver, award
):
    other = someone_elses_award(officer)
    met(officer, award)
    payment = paid(officer, approver, award, 250 * MILLION).ledger.get()
    services.ledger_reverse(payment, actor=second_approver, note="Sai tài khoản")
    client = request.getfixturevalue(staff)

    listed = client.get(AWARDS)
    response = client.get(award_url(award))

    assert {row["id"] for row in listed.data["results"]} == {award.pk, other.pk}
    assert response.data["ledger_count"] == 2
    assert [(e["amount_vnd"], e["reverses"]) for e in response.data["ledger_latest"]] == [
        (-250 * MILLION, payment.pk),
        (250 * MILLION, None),
    ]
    assert response.data["paid_vnd"] == 0


def test_another_organisations_award_is_404(member_client, anon_client, officer, award):
    other = someone_elses_award(officer)

    assert member_client.get(award_url(other)).status_code == 404
    assert [row["id"] for row in member_client.get(AWARDS).data["results"]] == [award.pk]
    assert anon_client.get(AWARDS).status_code == 401
    assert anon_client.get(award_url(award)).status_code == 401


def test_award_list_runs_a_constant_number_of_queries(member_client, officer, application_in):
    def add(n):
        for _ in range(n):
            application = application_in("committee", requested_vnd=300 * MILLION)
            approve(officer, application, 100 * MILLION, 100 * MILLION, 100 * MILLION)

    def fetch():
        response = member_client.get(AWARDS, {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=10)

    assert response.data["count"] == 10
    assert all(len(row["tranches"]) == 3 for row in response.data["results"])
    # The token and its user, knox's purge, the caller's groups, the count, the awards
    # with their application and organisation, their tranches.
    assert queries == 6


# Disbursements: four eyes


def test_four_eyes_through_the_api(officer_client, approver_client, officer, award):
    tranche = met(officer, award)

    created = officer_client.post(DISBURSEMENTS, request_body(award, tranche, 150 * MILLION))
    assert created.status_code == 201, created.data
    assert (created.data["status"], created.data["amount_vnd"]) == ("requested", 150 * MILLION)
    assert created.data["requested_by"] == officer.pk
    queue = approver_client.get(DISBURSEMENTS, {"status": "requested"})
    assert [row["id"] for row in queue.data["results"]] == [created.data["id"]]

    approved = approver_client.post(f"{DISBURSEMENTS}{created.data['id']}/approve/")

    assert approved.status_code == 200, approved.data
    assert approved.data["status"] == "approved"
    assert approved.data["decided_at"].endswith("+07:00")
    assert Award.objects.get().paid_vnd == 150 * MILLION
    assert LedgerEntry.objects.get().amount_vnd == 150 * MILLION
    assert approver_client.get(DISBURSEMENTS, {"status": "requested"}).data["results"] == []
    second = approver_client.post(f"{DISBURSEMENTS}{created.data['id']}/approve/")
    assert second.status_code == 409
    assert second.data == {"detail": "This disbursement is already approved."}
    assert LedgerEntry.objects.count() == 1


def test_the_requester_cannot_decide_their_own_request(client_for, officer, award):
    both = UserFactory(role=Role.FUND_OFFICER)
    both.groups.add(*both.groups.model.objects.filter(name=Role.FINANCE_APPROVER))
    client = client_for(both)
    tranche = met(officer, award)
    created = client.post(DISBURSEMENTS, request_body(award, tranche)).data

    approved = client.post(f"{DISBURSEMENTS}{created['id']}/approve/")
    rejected = client.post(f"{DISBURSEMENTS}{created['id']}/reject/", {"note": "Tự từ chối"})

    message = {"detail": "Someone other than the requester must decide this request."}
    assert (approved.status_code, approved.data) == (403, message)
    assert (rejected.status_code, rejected.data) == (403, message)
    assert Disbursement.objects.get().status == DisbursementStatus.REQUESTED
    assert not LedgerEntry.objects.exists()


def test_rejection_says_why(approver_client, officer, award):
    met(officer, award)
    disbursement = requested(officer, award)

    missing = approver_client.post(disbursement_url(disbursement, "reject/"), {})
    response = approver_client.post(
        disbursement_url(disbursement, "reject/"), {"note": "Sai số tài khoản"}
    )

    assert (missing.status_code, set(missing.data)) == (400, {"note"})
    assert response.status_code == 200
    assert (response.data["status"], response.data["note"]) == ("rejected", "Sai số tài khoản")
    assert approver_client.post(disbursement_url(disbursement, "approve/")).status_code == 409


@pytest.mark.parametrize(
    ("amount", "reference"),
    [(100_000_000.0, "UNC-1"), ("100000000", "UNC-1"), (0, "UNC-1"), (None, "UNC-1")],
)
def test_an_invalid_request_is_a_400_writing_nothing(
    officer_client, officer, award, amount, reference
):
    tranche = met(officer, award)

    response = officer_client.post(DISBURSEMENTS, request_body(award, tranche, amount, reference))

    assert response.status_code == 400
    assert set(response.data) == {"amount_vnd"}
    assert not Disbursement.objects.exists()


def test_a_request_for_a_tranche_of_another_award_or_unknown_ids_is_a_400(
    officer_client, officer, award
):
    other = someone_elses_award(officer)
    foreign = met(officer, other)

    mixed = officer_client.post(DISBURSEMENTS, request_body(award, foreign))
    unknown = officer_client.post(
        DISBURSEMENTS, {**request_body(award, foreign), "award": 987654, "tranche": 987655}
    )

    assert (mixed.status_code, set(mixed.data)) == (400, {"tranche"})
    assert (unknown.status_code, set(unknown.data)) == (400, {"award", "tranche"})
    assert not Disbursement.objects.exists()


def test_requests_the_state_forbids_are_409(officer_client, officer, award):
    unmet = award.tranches.get(number=2)
    tranche = met(officer, award)

    early = officer_client.post(DISBURSEMENTS, request_body(award, unmet))
    too_much = officer_client.post(DISBURSEMENTS, request_body(award, tranche, 601 * MILLION))
    first = officer_client.post(DISBURSEMENTS, request_body(award, tranche, reference="UNC-9"))
    twice = officer_client.post(DISBURSEMENTS, request_body(award, tranche, reference="UNC-9"))

    assert early.status_code == 409
    assert too_much.status_code == 409
    assert too_much.data["detail"].startswith("Only ")
    assert first.status_code == 201
    assert twice.status_code == 409
    assert Disbursement.objects.count() == 1


@pytest.mark.parametrize("who", ["member_client", "approver_client", "auditor_client"])
def test_only_officers_request_disbursements(request, who, officer, award):
    tranche = met(officer, award)

    response = request.getfixturevalue(who).post(DISBURSEMENTS, request_body(award, tranche))

    assert response.status_code == 403
    assert not Disbursement.objects.exists()


@pytest.mark.parametrize("who", ["member_client", "officer_client", "auditor_client"])
def test_only_approvers_decide_disbursements(request, who, officer, award):
    met(officer, award)
    disbursement = requested(officer, award)
    client = request.getfixturevalue(who)

    assert client.post(disbursement_url(disbursement, "approve/")).status_code == 403
    assert client.post(disbursement_url(disbursement, "reject/"), {"note": "x"}).status_code == 403
    assert Disbursement.objects.get().status == DisbursementStatus.REQUESTED


def test_disbursements_are_fund_staffs_business(
    member_client, anon_client, approver_client, officer, award
):
    met(officer, award)
    disbursement = requested(officer, award)

    assert member_client.get(DISBURSEMENTS).status_code == 403
    assert member_client.get(disbursement_url(disbursement)).status_code == 403
    assert anon_client.get(DISBURSEMENTS).status_code == 401
    assert approver_client.get(disbursement_url(disbursement)).status_code == 200
    assert approver_client.get(f"{DISBURSEMENTS}987654/").status_code == 404
    assert approver_client.post(f"{DISBURSEMENTS}987654/approve/").status_code == 404


def test_disbursement_list_runs_a_constant_number_of_queries(
    approver_client, officer, application_in
):
    def add(n):
        for _ in range(n):
            application = application_in("committee", requested_vnd=100 * MILLION)
            award = approve(officer, application, 100 * MILLION)
            met(officer, award)
            requested(officer, award, 40 * MILLION)

    def fetch():
        response = approver_client.get(DISBURSEMENTS, {"status": "requested", "page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=10)

    assert len(response.data["results"]) == 10
    assert {row["tranche_number"] for row in response.data["results"]} == {1}
    # The token and its user, knox's purge, the caller's groups, the rows with their
    # tranche: no count, which over a long history cost more than the page.
    assert queries == 4


def test_disbursements_page_newest_first_by_cursor_without_a_count(approver_client, officer, award):
    met(officer, award)
    made = [requested(officer, award, MILLION).pk for _ in range(7)]

    seen, url, pages = [], DISBURSEMENTS + "?page_size=3", 0
    while url:
        response = approver_client.get(url)
        assert response.status_code == 200
        assert "count" not in response.data
        seen += [row["id"] for row in response.data["results"]]
        url, pages = response.data["next"], pages + 1

    assert seen == made[::-1]  # each once, the newest first
    assert pages == 3
    assert approver_client.get(DISBURSEMENTS, {"cursor": "nonsense"}).status_code == 404


# The ledger


def test_an_approver_reverses_a_payment(approver_client, officer, approver, award):
    met(officer, award)
    payment = paid(officer, approver, award, 200 * MILLION).ledger.get()

    missing = approver_client.post(reverse_url(payment), {})
    response = approver_client.post(reverse_url(payment), {"note": "Chuyển nhầm tài khoản"})
    again = approver_client.post(reverse_url(payment), {"note": "Lần hai"})

    assert (missing.status_code, set(missing.data)) == (400, {"note"})
    assert response.status_code == 201, response.data
    assert (response.data["amount_vnd"], response.data["reverses"]) == (-200 * MILLION, payment.pk)
    assert again.status_code == 409
    assert again.data == {"detail": "This payment is already reversed."}
    assert Award.objects.get().paid_vnd == 0
    assert Tranche.objects.get(award=award, number=1).paid_vnd == 0


@pytest.mark.parametrize("who", ["member_client", "officer_client", "auditor_client"])
def test_only_approvers_reverse_payments(request, who, officer, approver, award):
    met(officer, award)
    payment = paid(officer, approver, award).ledger.get()

    response = request.getfixturevalue(who).post(reverse_url(payment), {"note": "x"})

    assert response.status_code == 403
    assert LedgerEntry.objects.count() == 1


def test_reversing_an_unknown_entry_is_404(approver_client):
    assert (
        approver_client.post("/api/v1/fund/ledger/987654/reverse/", {"note": "x"}).status_code
        == 404
    )
