import pytest

from fund import services
from fund.enums import ApplicationStatus
from fund.selectors import fund_position
from tests.factories.fund import FundApplicationFactory, FundFactory, FundingCallFactory
from tests.fund.conftest import approve

pytestmark = pytest.mark.django_db

MILLION = 1_000_000


def award_in(officer, fund, *amounts):
    application = FundApplicationFactory(
        status=ApplicationStatus.COMMITTEE,
        call=FundingCallFactory(fund=fund, budget_vnd=5_000 * MILLION),
        requested_vnd=sum(amounts),
    )
    award = approve(officer, application, *amounts)
    for tranche in award.tranches.all():
        services.tranche_milestone_met(tranche, actor=officer)
    return award


def pay(officer, approver, award, amount, number=1):
    tranche = award.tranches.get(number=number)
    reference = f"UNC-{award.pk}-{award.disbursements.count() + 1}"
    disbursement = services.disbursement_request(award, tranche, amount, reference, actor=officer)
    return services.disbursement_approve(disbursement, actor=approver)


def test_fund_position_adds_up_commitments_payments_and_reversals(
    officer, approver, second_approver
):
    fund = FundFactory(name="A", capital_vnd=10_000 * MILLION)
    idle = FundFactory(name="B", capital_vnd=2_000 * MILLION)
    first = award_in(officer, fund, 600 * MILLION, 400 * MILLION)
    second = award_in(officer, fund, 1_500 * MILLION)
    pay(officer, approver, first, 600 * MILLION)
    pay(officer, approver, first, 100 * MILLION, number=2)
    wrong = pay(officer, approver, second, 500 * MILLION)
    services.ledger_reverse(wrong.ledger.get(), actor=second_approver, note="Sai tài khoản")
    # Requested but not approved: not paid.
    services.disbursement_request(
        second, second.tranches.get(), 200 * MILLION, "UNC-pending", actor=officer
    )

    positions = fund_position()

    assert [(p.name, p.capital_vnd, p.committed_vnd, p.paid_vnd, p.awards) for p in positions] == [
        ("A", 10_000 * MILLION, 2_500 * MILLION, 700 * MILLION, 2),
        ("B", 2_000 * MILLION, 0, 0, 0),
    ]
    one = fund_position(fund)
    assert (one.remaining_vnd, one.outstanding_vnd) == (7_500 * MILLION, 1_800 * MILLION)
    assert fund_position(idle).remaining_vnd == 2_000 * MILLION


def test_fund_position_is_one_query_however_many_awards_and_payments(
    officer, approver, django_assert_num_queries
):
    funds = [FundFactory(), FundFactory()]
    award_in(officer, funds[0], 100 * MILLION)

    with django_assert_num_queries(1):
        fund_position()

    for n in range(6):
        award = award_in(officer, funds[n % 2], 100 * MILLION, 100 * MILLION)
        for number in (1, 2):
            pay(officer, approver, award, 40 * MILLION, number)
            pay(officer, approver, award, 10 * MILLION, number)

    with django_assert_num_queries(1):
        positions = fund_position()
    with django_assert_num_queries(1):
        fund_position(funds[1])
    assert sum(p.paid_vnd for p in positions) == 6 * 100 * MILLION
