"""The benchmark's fund: its data step (`bench.data.make_fund`), at a tiny scale, and the
HTTP pass's disbursement rush (`bench.fund_rush`)."""

import random
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum

from bench import report
from bench.data import BenchData, make_fund
from bench.fund_rush import (
    AMOUNT_VND,
    APPROVALS,
    REQUESTABLE,
    REQUESTS,
    approval_targets,
    evaluate,
    prepare,
)
from fund import services
from fund.enums import ApplicationStatus, DisbursementStatus
from fund.models import (
    Award,
    Disbursement,
    Fund,
    FundApplication,
    FundingCall,
    LedgerEntry,
    Tranche,
)
from portal.demo import seed_users
from portal.errors import Conflict
from portal.models import User
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
# 10 awards, a ledger of 10,000 rows (1,000 of them the largest award's), 10 other
# applications.
SCALE = 0.01


def _fund_data(seed=1) -> tuple[BenchData, dict]:
    """What the earlier steps leave for make_fund (the demo users, organisations and
    their owners, applicant@'s organisations), then make_fund's own counts."""
    users = seed_users()
    organizations, owners = [], {}
    for n in range(30):
        owner = UserFactory()
        organization = OrganizationFactory(owner=owner, legal_name=f"Công ty {n:02d}")
        organizations.append(organization)
        owners[organization.pk] = owner
    applicant = users["applicant@demo.example"]
    mine = organizations[:3]
    for organization in mine:
        organization.memberships.create(user=applicant, role="member")
    data = BenchData(rng=random.Random(seed), scale=SCALE, now=NOW)  # noqa: S311
    data.made.update(
        users=users, organizations=organizations, owners=owners, applicant_organizations=mine
    )
    return data, make_fund(data)


def test_the_fund_step_makes_awards_and_a_ledger_that_reconcile():
    data, counts = _fund_data()

    assert counts["awards"] == Award.objects.count() == 10
    assert counts["ledger entries"] == LedgerEntry.objects.count() == 10_000
    assert counts["fund applications"] == FundApplication.objects.count() == 20
    assert counts["tranches"] == Tranche.objects.count() >= 20
    assert counts["reversals"] == LedgerEntry.objects.filter(reverses__isnull=False).count() > 0
    big = Award.objects.get(pk=data.made["fund_big_award"])
    assert big.ledger.count() == 1_000
    assert big.approved_vnd == Award.objects.order_by("-approved_vnd").first().approved_vnd
    # Every stored running total is what the ledger and the awards add up to.
    out = StringIO()
    call_command("reconcile_fund", stdout=out)
    assert out.getvalue().startswith("All 10 awards, 2 funds reconcile")
    for fund in Fund.objects.all():
        assert 0 < fund.committed_vnd <= fund.capital_vnd
    for call in FundingCall.objects.all():
        assert call.committed_vnd <= call.budget_vnd


def test_its_money_moved_with_four_eyes_and_in_order():
    _fund_data()

    approved = Disbursement.objects.filter(status=DisbursementStatus.APPROVED)
    users = set(approved.values_list("requested_by__email", "decided_by__email").distinct())
    assert users == {("officer@demo.example", "approver@demo.example")}
    # One payment per approved disbursement; nothing else in the ledger but reversals.
    assert approved.count() == LedgerEntry.objects.filter(reverses__isnull=True).count()
    assert not approved.annotate(n=Count("ledger")).filter(n=0).exists()
    statuses = set(Disbursement.objects.values_list("status", flat=True))
    assert statuses == set(DisbursementStatus.values)
    # Paid tranches have their milestone met before their first payment.
    for tranche in Tranche.objects.filter(paid_vnd__gt=0):
        first = tranche.ledger.order_by("created_at").first()
        assert tranche.milestone_met_at < first.created_at
        assert tranche.award.decided_at < first.created_at <= NOW
    reversal = LedgerEntry.objects.filter(reverses__isnull=False).select_related("reverses").first()
    assert reversal.amount_vnd == -reversal.reverses.amount_vnd
    assert reversal.created_at > reversal.reverses.created_at
    # The other applications wait in every state but approved.
    statuses = set(FundApplication.objects.values_list("status", flat=True))
    assert statuses - {ApplicationStatus.APPROVED} <= set(ApplicationStatus.values)
    # applicant@'s organisations have awards to list.
    assert Award.objects.filter(
        application__organization__memberships__user__email="applicant@demo.example"
    ).exists()


def test_the_services_carry_on_after_it(officer, approver):
    """The ids the step gave are known to the database's sequences: a request and its
    approval through the services are written after its rows and reconcile with them."""
    data, _counts = _fund_data()
    # The largest award's third tranche: 60% paid, half of the rest requested.
    award = Award.objects.get(pk=data.made["fund_big_award"])
    tranche = award.tranches.get(number=3)
    pending = tranche.disbursements.filter(status=DisbursementStatus.REQUESTED).get()
    left = tranche.amount_vnd - tranche.paid_vnd - pending.amount_vnd
    assert left > 0

    disbursement = services.disbursement_request(award, tranche, left, "UNC-TEST", actor=officer)
    services.disbursement_approve(disbursement, actor=approver)

    assert disbursement.pk > Disbursement.objects.exclude(pk=disbursement.pk).latest("pk").pk
    call_command("reconcile_fund", stdout=StringIO())


def test_same_seed_same_fund():
    def snapshot():
        return (
            list(
                Award.objects.order_by("decided_at", "approved_vnd").values_list(
                    "application__organization__legal_name",
                    "approved_vnd",
                    "paid_vnd",
                    "decided_at",
                )
            ),
            list(
                LedgerEntry.objects.order_by("created_at", "amount_vnd").values_list(
                    "created_at", "amount_vnd"
                )[:200]
            ),
            LedgerEntry.objects.aggregate(total=Sum("amount_vnd"), n=Count("pk")),
        )

    with transaction.atomic():
        _fund_data(seed=5)
        first = snapshot()
        transaction.set_rollback(True)
    assert not Award.objects.exists()

    _fund_data(seed=5)

    assert first[2]["n"] == 10_000
    assert snapshot() == first


# The disbursement rush of the HTTP pass (bench.fund_rush)


def _answers(accepted=REQUESTABLE, refused=REQUESTS - REQUESTABLE, twice=APPROVALS - REQUESTABLE):
    """The answers and database figures of a rush that went as it should."""
    url = "http://server/api/v1/fund/disbursements/"
    requests = [{"url": url, "status": 201, "id": pk, "ms": 5.0} for pk in range(accepted)]
    requests += [{"url": url, "status": 409, "id": None, "ms": 5.0} for _ in range(refused)]
    approvals = [
        {"url": f"{url}{pk}/approve/", "status": 200, "id": pk, "ms": 5.0} for pk in range(accepted)
    ]
    approvals += [
        {"url": f"{url}{pk}/approve/", "status": 409, "id": None, "ms": 5.0} for pk in range(twice)
    ]
    paid = accepted * AMOUNT_VND
    stored = {
        "approved": [AMOUNT_VND] * accepted,
        "payments": [AMOUNT_VND] * accepted,
        "ledger_total": paid,
        "award_paid": paid,
        "award_approved": paid + 400_000_000,
        "tranche_paid": paid,
        "tranche_amount": REQUESTABLE * AMOUNT_VND,
    }
    return requests, approvals, stored


def test_a_disbursement_rush_that_went_as_it_should_has_no_failures():
    assert evaluate(*_answers()) == []


def test_a_rush_that_pays_twice_or_beyond_the_tranche_fails():
    requests, approvals, stored = _answers()
    approvals[-1] = {**approvals[-1], "status": 200}  # the first request approved twice
    stored["approved"].append(AMOUNT_VND)
    stored["payments"].append(AMOUNT_VND)
    for key in ("ledger_total", "award_paid", "tranche_paid"):
        stored[key] += AMOUNT_VND

    failures = evaluate(requests, approvals, stored)

    assert failures == [
        "fund rush: 1 disbursements were approved twice",
        "fund rush: 620,000,000 VND paid beyond what was approved (600,000,000 on the tranche)",
    ]


def test_a_rush_with_server_errors_or_totals_that_disagree_fails():
    requests, approvals, stored = _answers()
    requests[-1] = {**requests[-1], "status": 500}
    stored["award_paid"] -= 1

    failures = evaluate(requests, approvals, stored)

    assert failures[0] == "fund rush: 1 requests failed with a server or network error"
    assert (
        "fund rush: 1 disbursement requests were answered neither 201 nor 409 (got [500])"
        in failures
    )
    assert failures[-1] == (
        "fund rush: paid totals disagree: tranche 600,000,000, award 599,999,999, ledger"
        " 600,000,000, approved 600,000,000"
    )


def test_too_many_requests_accepted_fails():
    requests, approvals, stored = _answers(accepted=REQUESTABLE + 1, refused=REQUESTS - 31)

    failures = evaluate(requests, approvals, stored)

    assert failures[0] == (
        "fund rush: 31 of 50 disbursement requests were accepted, expected 30 (the tranche's room)"
    )


def test_approvals_cover_every_accepted_request_then_some_twice():
    assert approval_targets([7, 8, 9], 5) == [7, 8, 9, 7, 8]
    assert approval_targets([], 50) == []


def test_its_award_has_room_for_exactly_the_requests_it_expects():
    seed_users()
    OrganizationFactory(owner=UserFactory())

    award, tranche, officer_token, approver_token = prepare()

    assert tranche.milestone_met and tranche.amount_vnd == REQUESTABLE * AMOUNT_VND
    assert award.paid_vnd == 0 and award.fund.committed_vnd == award.approved_vnd
    assert officer_token != approver_token
    # Through the services, the tranche takes exactly REQUESTABLE requests.
    demo_officer = User.objects.get(email="officer@demo.example")
    for n in range(REQUESTABLE):
        services.disbursement_request(award, tranche, AMOUNT_VND, f"R-{n}", actor=demo_officer)
    with pytest.raises(Conflict):
        services.disbursement_request(award, tranche, AMOUNT_VND, "R-extra", actor=demo_officer)


FUND_RUSH = {
    "award": 12,
    "room": 30,
    "amount_vnd": 20_000_000,
    "requests": {
        "requests": 50,
        "statuses": {"201": 30, "409": 20},
        "p50_ms": 810.0,
        "p99_ms": 1500.0,
    },
    "approvals": {
        "requests": 50,
        "statuses": {"200": 30, "409": 20},
        "p50_ms": 400.0,
        "p99_ms": 900.0,
    },
    "approved": 30,
    "paid_vnd": 600_000_000,
    "tranche_vnd": 600_000_000,
    "failures": [],
}


def test_the_disbursement_rush_is_reported_and_its_failures_fail_the_run():
    http = {
        "workers": 2,
        "seconds": 1,
        "targets": [
            {
                "name": "static",
                "path": "/s.css",
                "requests_per_s": 900.0,
                "p99_ms": 2.0,
                "requests": 900,
                "errors": 0,
            }
        ],
        "memory": [{"pid": 1, "peak_rss_mib": 80.0}],
        "rush": None,
        "fund_rush": FUND_RUSH,
    }
    healthz = {
        "name": "healthz",
        "who": "anonymous",
        "queries": 1,
        "queries_max": 1,
        "max_queries": 1,
        "median_ms": 0.5,
        "p95_ms": 0.6,
        "max_ms": 3,
        "bytes": 2,
        "unexpected_statuses": [],
    }
    text = report.render(
        {
            "scale": 1,
            "requests": 30,
            "floor": "healthz",
            "scenarios": [healthz],
            "http": http,
            "phases": {"total": 1.0},
            "failures": [],
        }
    )

    assert report.check_http(http) == []
    assert "30 x 201, 20 x 409" in text and "30 x 200, 20 x 409" in text
    assert (
        "In the database: 30 approved, 600,000,000 VND paid of the tranche's 600,000,000." in text
    )
    broken = {**FUND_RUSH, "failures": ["fund rush: 1 disbursements were approved twice"]}
    assert report.check_http({**http, "fund_rush": broken}) == broken["failures"]
