"""The public part of the fund's API: calls and the position."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fund import services
from tests.factories import ChallengeFactory
from tests.factories.fund import FundApplicationFactory, FundFactory, FundingCallFactory
from tests.fund.api.conftest import CALLS, POSITION
from tests.fund.conftest import approve
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

MILLION = 1_000_000


@pytest.fixture
def calls():
    now = timezone.now()
    fund = FundFactory(name="Quỹ A")
    return {
        "open": FundingCallFactory(
            fund=fund,
            title="Đang mở",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            challenge=ChallengeFactory(code="P1-2026"),
            offers_equity=True,
        ),
        "upcoming": FundingCallFactory(fund=fund, title="Sắp mở", opens_at=now + timedelta(days=3)),
        "closed": FundingCallFactory(
            fund=fund,
            title="Đã đóng",
            opens_at=now - timedelta(days=90),
            closes_at=now - timedelta(days=30),
        ),
        "hidden": FundingCallFactory(fund=fund, title="Chưa công bố", is_published=False),
    }


def test_anyone_lists_published_calls_with_their_status(anon_client, calls, officer):
    application = FundApplicationFactory(
        call=calls["open"], status="committee", requested_vnd=3_000 * MILLION
    )
    approve(officer, application, 2_000 * MILLION)

    response = anon_client.get(CALLS)

    assert response.status_code == 200
    rows = {row["title"]: row for row in response.data["results"]}
    assert set(rows) == {"Đang mở", "Sắp mở", "Đã đóng"}
    assert {title: row["status"] for title, row in rows.items()} == {
        "Đang mở": "open",
        "Sắp mở": "upcoming",
        "Đã đóng": "closed",
    }
    open_call = rows["Đang mở"]
    assert open_call["instruments"] == ["grant", "equity", "convertible_loan"]
    assert open_call["challenge"] == "P1-2026"
    assert rows["Sắp mở"]["challenge"] is None
    assert (open_call["budget_vnd"], open_call["committed_vnd"], open_call["remaining_vnd"]) == (
        20_000 * MILLION,
        2_000 * MILLION,
        18_000 * MILLION,
    )
    assert open_call["fund_name"] == "Quỹ A"
    assert open_call["opens_at"].endswith("+07:00")
    assert open_call["closes_at"].endswith("+07:00")


@pytest.mark.parametrize("status", ["open", "upcoming", "closed"])
def test_calls_filter_by_status(anon_client, calls, status):
    response = anon_client.get(CALLS, {"status": status})

    assert [row["id"] for row in response.data["results"]] == [calls[status].pk]


def test_calls_refuse_an_unknown_status_and_hide_unpublished_ones(anon_client, calls):
    assert anon_client.get(CALLS, {"status": "soon"}).status_code == 400
    assert anon_client.get(f"{CALLS}{calls['hidden'].pk}/").status_code == 404
    assert anon_client.get(f"{CALLS}{calls['open'].pk}/").data["status"] == "open"


def test_call_list_runs_a_constant_number_of_queries(anon_client, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            FundingCallFactory(challenge=ChallengeFactory())

    def fetch():
        response = anon_client.get(CALLS, {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=15)

    assert response.data["count"] == 15
    # The count, the calls with their fund and challenge.
    assert queries == 2


# The position


def test_position_per_fund_for_anyone(anon_client, officer, approver, second_approver):
    fund = FundFactory(name="A", capital_vnd=10_000 * MILLION)
    FundFactory(name="B", capital_vnd=2_000 * MILLION)
    application = FundApplicationFactory(
        call=FundingCallFactory(fund=fund), status="committee", requested_vnd=3_000 * MILLION
    )
    award = approve(officer, application, 1_000 * MILLION, 500 * MILLION)
    tranche = services.tranche_milestone_met(award.tranches.get(number=1), actor=officer)
    for reference, amount in (("UNC-1", 300 * MILLION), ("UNC-2", 200 * MILLION)):
        services.disbursement_approve(
            services.disbursement_request(award, tranche, amount, reference, actor=officer),
            actor=approver,
        )
    services.ledger_reverse(
        award.ledger.get(amount_vnd=200 * MILLION), actor=second_approver, note="Sai"
    )

    response = anon_client.get(POSITION)

    assert response.status_code == 200
    assert response.data == [
        {
            "fund": fund.pk,
            "name": "A",
            "managing_unit": "Sở Khoa học và Công nghệ",
            "capital_vnd": 10_000 * MILLION,
            "committed_vnd": 1_500 * MILLION,
            "disbursed_vnd": 300 * MILLION,
            "available_vnd": 8_500 * MILLION,
            "awards": 1,
        },
        {
            "fund": response.data[1]["fund"],
            "name": "B",
            "managing_unit": "Sở Khoa học và Công nghệ",
            "capital_vnd": 2_000 * MILLION,
            "committed_vnd": 0,
            "disbursed_vnd": 0,
            "available_vnd": 2_000 * MILLION,
            "awards": 0,
        },
    ]


@pytest.mark.parametrize("awards", [1, 6])
def test_position_is_one_query_however_many_awards_and_payments(
    anon_client, officer, approver, awards, django_assert_num_queries
):
    fund = FundFactory()
    for n in range(awards):
        application = FundApplicationFactory(
            call=FundingCallFactory(fund=fund), status="committee", requested_vnd=100 * MILLION
        )
        award = approve(officer, application, 100 * MILLION)
        tranche = services.tranche_milestone_met(award.tranches.get(), actor=officer)
        for part in range(3):
            services.disbursement_approve(
                services.disbursement_request(
                    award, tranche, 10 * MILLION, f"UNC-{n}-{part}", actor=officer
                ),
                actor=approver,
            )

    with django_assert_num_queries(1):
        response = anon_client.get(POSITION)

    assert response.data[0]["disbursed_vnd"] == awards * 30 * MILLION
