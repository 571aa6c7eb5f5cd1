"""The fund's figures (fund.reports) on an example worked out by hand: three awards in
two calls of one fund, an idle second fund, payments over three months, a reversal, and
a payment half an hour after midnight in Vietnam (still the previous month in UTC)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from challenges.enums import ProposalStatus
from fund import reports, services
from fund.enums import ApplicationStatus, Instrument
from fund.models import LedgerEntry
from fund.selectors import fund_position
from tests.factories import ChallengeFactory, OrganizationFactory
from tests.factories.challenges import ProposalFactory
from tests.factories.fund import (
    FundApplicationFactory,
    FundFactory,
    FundingCallFactory,
    tranche_plan,
)

pytestmark = pytest.mark.django_db

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
M = 1_000_000  # amounts below in millions of đồng


@pytest.fixture
def clock(monkeypatch):
    def set_to(*args):
        moment = datetime(*args, tzinfo=HANOI)
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return set_to


def decide(officer, call, organization, instrument, *amounts, proposal=None):
    application = FundApplicationFactory(
        status=ApplicationStatus.COMMITTEE,
        call=call,
        organization=organization,
        instrument=instrument,
        requested_vnd=sum(amounts),
        proposal=proposal,
    )
    award = services.application_decide(
        application,
        actor=officer,
        decision="approve",
        approved_vnd=sum(amounts),
        tranches=tranche_plan(*amounts),
    )
    for tranche in award.tranches.all():
        services.tranche_milestone_met(tranche, actor=officer)
    return award


def pay(officer, approver, award, amount, number=1):
    tranche = award.tranches.get(number=number)
    reference = f"UNC-{award.pk}-{award.disbursements.count() + 1}"
    disbursement = services.disbursement_request(award, tranche, amount, reference, actor=officer)
    return services.disbursement_approve(disbursement, actor=approver).ledger.get()


@pytest.fixture
def example(clock, officer, approver, second_approver):
    """Fund A (10,000 million) with calls A1 (5,000, for problem P1) and A2 (3,000); an
    idle fund B (2,000). Paid: January 600; February 500, reversed in March; March 700;
    April 200 (at 00:30 on 1 April in Vietnam)."""
    clock(2026, 1, 5, 9, 0)
    fund = FundFactory(name="A", capital_vnd=10_000 * M)
    idle = FundFactory(name="B", capital_vnd=2_000 * M)
    problem = ChallengeFactory(code="P1-2026", title="Giám sát môi trường")
    first_call = FundingCallFactory(
        fund=fund, title="A1", budget_vnd=5_000 * M, challenge=problem, offers_equity=True
    )
    second_call = FundingCallFactory(fund=fund, title="A2", budget_vnd=3_000 * M)
    x = OrganizationFactory(legal_name="X", sector="software")
    y = OrganizationFactory(legal_name="Y", sector="agriculture")
    z = OrganizationFactory(legal_name="Z", sector="software")

    clock(2026, 1, 10, 10, 0)
    one = decide(officer, first_call, x, Instrument.GRANT, 600 * M, 400 * M)
    clock(2026, 1, 20, 10, 0)
    pay(officer, approver, one, 600 * M)
    clock(2026, 2, 5, 10, 0)
    two = decide(officer, first_call, y, Instrument.EQUITY, 1_500 * M)
    clock(2026, 2, 15, 10, 0)
    wrong = pay(officer, approver, two, 500 * M)
    clock(2026, 2, 20, 10, 0)
    three = decide(officer, second_call, z, Instrument.CONVERTIBLE_LOAN, 500 * M)
    clock(2026, 3, 3, 10, 0)
    services.ledger_reverse(wrong, actor=second_approver, note="Sai số tài khoản")
    clock(2026, 3, 10, 10, 0)
    pay(officer, approver, two, 700 * M)
    clock(2026, 4, 1, 0, 30)
    pay(officer, approver, three, 200 * M)
    clock(2026, 4, 15, 12, 0)
    return {
        "fund": fund,
        "idle": idle,
        "calls": (first_call, second_call),
        "awards": (one, two, three),
        "problem": problem,
    }


def test_totals_match_the_position_of_the_services(example):
    fund = example["fund"]

    everything = reports.fund_totals()
    one = reports.fund_totals(fund)

    assert (everything.capital_vnd, everything.committed_vnd, everything.paid_vnd) == (
        12_000 * M,
        3_000 * M,
        1_500 * M,
    )
    assert (everything.remaining_vnd, everything.outstanding_vnd) == (9_000 * M, 1_500 * M)
    assert (everything.awards, everything.funds) == (3, 2)
    position = fund_position(fund)
    assert (
        (one.capital_vnd, one.committed_vnd, one.paid_vnd, one.awards)
        == (
            position.capital_vnd,
            position.committed_vnd,
            position.paid_vnd,
            3,
        )
        == (10_000 * M, 3_000 * M, 1_500 * M, 3)
    )
    assert reports.fund_totals(example["idle"]).remaining_vnd == 2_000 * M


def test_position_per_call_instrument_sector_and_organisation(example):
    first_call, second_call = example["calls"]

    calls = reports.position_by_call(example["fund"])
    instruments = reports.position_by_instrument()
    sectors = reports.position_by_sector()
    organizations = reports.position_by_organization(example["fund"])

    def rows(positions):
        return [
            (p.key, p.committed_vnd // M, p.paid_vnd // M, p.awards, p.remaining_vnd)
            for p in positions
        ]

    assert rows(calls) == [
        (first_call.pk, 2_500, 1_300, 2, 2_500 * M),
        (second_call.pk, 500, 200, 1, 2_500 * M),
    ]
    assert [p.outstanding_vnd // M for p in calls] == [1_200, 300]
    assert rows(instruments) == [
        ("grant", 1_000, 600, 1, None),
        ("equity", 1_500, 700, 1, None),
        ("convertible_loan", 500, 200, 1, None),
    ]
    assert [p.label for p in instruments] == ["Grant", "Equity investment", "Convertible loan"]
    # The organisations' sectors, most paid first.
    assert rows(sectors) == [
        ("software", 1_500, 800, 2, None),
        ("agriculture", 1_500, 700, 1, None),
    ]
    assert sectors[0].label == "Software and IT services"
    assert [(p.label, p.committed_vnd // M) for p in organizations] == [
        ("Y", 1_500),
        ("X", 1_000),
        ("Z", 500),
    ]
    assert [p.label for p in reports.position_by_organization(limit=2)] == ["Y", "X"]
    assert reports.position_by_call(example["idle"]) == []


def test_money_per_month_in_vietnam_time_net_of_reversals(example):
    months = reports.position_by_month(example["fund"])

    assert len(months) == 12
    assert (months[0].month, months[-1].month) == (
        date(2025, 5, 1),
        date(2026, 4, 1),
    )
    assert [(m.month.month, m.committed_vnd // M, m.paid_vnd // M) for m in months[-4:]] == [
        (1, 1_000, 600),
        (2, 2_000, 500),
        (3, 0, 200),  # 700 paid, 500 reversed
        (4, 0, 200),  # paid at 00:30 on 1 April in Vietnam: 31 March in UTC
    ]
    assert all(m.paid_vnd == m.committed_vnd == 0 for m in months[:-4])
    assert sum(m.paid_vnd for m in months) == reports.fund_totals().paid_vnd
    assert reports.paid_by_month(example["idle"], months=3) == [
        (date(2026, 2, 1), 0),
        (date(2026, 3, 1), 0),
        (date(2026, 4, 1), 0),
    ]


def test_past_months_are_kept_and_the_current_one_read_live(
    example, clock, officer, approver, django_assert_num_queries
):
    one, _two, _three = example["awards"]
    with django_assert_num_queries(1):
        first = reports.paid_by_month()
    pay(officer, approver, one, 100 * M, number=2)  # this month: read live

    with django_assert_num_queries(1):
        second = reports.paid_by_month()

    assert [amount // M for _month, amount in first[-4:]] == [600, 500, 200, 200]
    assert [amount // M for _month, amount in second[-4:]] == [600, 500, 200, 300]
    # Per fund too (the second read of each is the live one): the current month counts
    # that fund's payments alone.
    for fund, paid_this_month in ((example["fund"], 300 * M), (example["idle"], 0)):
        reports.paid_by_month(fund)
        assert reports.paid_by_month(fund)[-1] == (date(2026, 4, 1), paid_this_month)


def test_an_entry_written_with_a_past_date_drops_the_kept_months(example, clock):
    one, _two, _three = example["awards"]
    reports.paid_by_month()
    tranche = one.tranches.get(number=2)

    LedgerEntry.objects.create(  # an import, dated in February
        award=one,
        tranche=tranche,
        amount_vnd=50 * M,
        created_at=datetime(2026, 2, 27, 10, 0, tzinfo=HANOI),
        created_by=one.decided_by,
    )

    assert [amount // M for _month, amount in reports.paid_by_month()[-4:]] == [
        600,
        550,
        200,
        200,
    ]


def test_a_new_month_is_read_live_for_a_day_then_kept(example, clock, officer, approver):
    clock(2026, 5, 1, 0, 10)  # the first minutes of May: April may still be committing
    reports.paid_by_month()
    clock(2026, 4, 30, 23, 59)
    late = pay(officer, approver, example["awards"][0], 10 * M, number=2)
    clock(2026, 5, 1, 0, 20)

    months = reports.paid_by_month()

    assert late.created_at.month == 4
    assert [(m.month, amount // M) for m, amount in months[-2:]] == [(4, 210), (5, 0)]


def test_public_awards_carry_public_fields_only(example):
    one, two, three = example["awards"]
    problem = example["problem"]

    rows = list(reports.public_awards())

    assert [row["pk"] for row in rows] == [three.pk, two.pk, one.pk]  # newest decision first
    assert set(rows[0]) == set(reports.PUBLIC_AWARD_FIELDS)
    assert rows[2] == {
        "pk": one.pk,
        "organization_name": "X",
        "instrument": "grant",
        "approved_vnd": 1_000 * M,
        "paid_vnd": 600 * M,
        "decided_at": one.decided_at,
        "fund_id": example["fund"].pk,
        "call_title": "A1",
        "challenge_pk": problem.pk,
        "challenge_code": "P1-2026",
        "challenge_title": "Giám sát môi trường",
    }
    assert rows[0]["challenge_pk"] is None and rows[0]["call_title"] == "A2"
    assert list(reports.public_awards(example["idle"])) == []


def test_the_trail_names_the_challenge_of_the_backing_proposal(clock, officer, approver):
    clock(2026, 6, 1, 9, 0)
    contest = ChallengeFactory(code="STARTUP-2026", title="Khởi nghiệp sáng tạo")
    organization = OrganizationFactory(legal_name="Nông nghiệp số")
    proposal = ProposalFactory(
        challenge=contest,
        organization=organization,
        title="Truy xuất nguồn gốc",
        status=ProposalStatus.WINNER,
        reference="STARTUP-2026-0001",
        submitted_at=timezone.now(),
        content_sha256="0" * 64,
    )
    call = FundingCallFactory(title="Đợt mở")  # no challenge of its own
    award = decide(
        officer, call, organization, Instrument.GRANT, 300 * M, 200 * M, proposal=proposal
    )
    pay(officer, approver, award, 120 * M)

    found, tranches = reports.award_trail(award.pk)

    assert (found["challenge_code"], found["challenge_title"]) == (
        "STARTUP-2026",
        "Khởi nghiệp sáng tạo",
    )
    assert found["proposal_title"] == "Truy xuất nguồn gốc"
    assert found["fund_name"] == call.fund.name
    assert [
        (t.number, t.amount_vnd // M, t.paid_vnd // M, t.milestone_met, t.state) for t in tranches
    ] == [(1, 300, 120, True, "partly_paid"), (2, 200, 0, True, "unpaid")]
    assert tranches[0].milestone_met_on == date(2026, 6, 1)
    assert reports.award_trail(award.pk, FundFactory()) is None
    contest.is_published = False
    contest.save()
    hidden, _tranches = reports.award_trail(award.pk)
    assert (hidden["challenge_pk"], hidden["proposal_title"]) == (None, None)


@pytest.mark.parametrize(
    ("read", "queries"),
    [
        (lambda: reports.fund_totals(), 1),
        (lambda: reports.position_by_call(), 1),
        (lambda: reports.position_by_instrument(), 1),
        (lambda: reports.position_by_sector(), 1),
        (lambda: reports.position_by_organization(), 1),
        (lambda: reports.paid_by_month(months=24), 1),
        (lambda: reports.position_by_month(), 2),
        (lambda: list(reports.public_awards()[:25]), 1),
        (lambda: list(reports.open_calls()), 1),
    ],
)
def test_each_figure_costs_the_same_queries_however_many_rows(
    read, queries, officer, approver, django_assert_num_queries
):
    fund = FundFactory(capital_vnd=100_000 * M)
    call = FundingCallFactory(fund=fund, budget_vnd=50_000 * M)

    def grow(count):
        for n in range(count):
            organization = OrganizationFactory(sector=["software", "health", "tourism"][n % 3])
            award = decide(officer, call, organization, Instrument.GRANT, 100 * M, 100 * M)
            pay(officer, approver, award, 50 * M)
            pay(officer, approver, award, 30 * M, number=2)

    grow(1)
    with django_assert_num_queries(queries):
        read()
    grow(5)
    with django_assert_num_queries(queries):
        read()


def test_the_trail_costs_two_queries_however_many_tranches(
    officer, approver, django_assert_num_queries
):
    call = FundingCallFactory(budget_vnd=5_000 * M)
    small = decide(officer, call, OrganizationFactory(), Instrument.GRANT, 100 * M)
    large = decide(officer, call, OrganizationFactory(), Instrument.GRANT, *[10 * M] * 15)
    for number in range(1, 16):
        pay(officer, approver, large, 10 * M, number=number)

    with django_assert_num_queries(2):
        reports.award_trail(small.pk)
    with django_assert_num_queries(2):
        _award, tranches = reports.award_trail(large.pk)
    assert [t.state for t in tranches] == ["paid"] * 15
