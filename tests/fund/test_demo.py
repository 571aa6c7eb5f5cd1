"""seed_demo's fund: calls, applications in every state, awards, money in every state."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from challenges.enums import ChallengeStatus
from challenges.models import Challenge
from fund.enums import ApplicationStatus, DisbursementStatus
from fund.models import Award, Disbursement, Fund, FundApplication, FundingCall, LedgerEntry
from fund.selectors import fund_position
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

APPLICANT, OFFICER, APPROVER = (
    "applicant@demo.example",
    "officer@demo.example",
    "approver@demo.example",
)


def _snapshot():
    return {
        "funds": list(Fund.objects.values_list("name", "capital_vnd", "committed_vnd")),
        "calls": sorted(
            FundingCall.objects.values_list(
                "title", "opens_at", "closes_at", "budget_vnd", "committed_vnd", "challenge_id"
            )
        ),
        "applications": sorted(
            FundApplication.objects.values_list("organization_id", "summary", "status")
        ),
        "awards": sorted(Award.objects.values_list("application_id", "approved_vnd", "paid_vnd")),
        "disbursements": sorted(Disbursement.objects.values_list("reference", "status")),
        "ledger": LedgerEntry.objects.count(),
        "audit events": AuditEvent.objects.count(),
    }


def test_seed_demo_builds_a_fund_that_shows_every_state_and_reconciles(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=StringIO())

    # Its people have made-up addresses: the fund office's steps are mailed to nobody.
    # (Here the commit hooks run after seed_demo, past its mail settings, so the other
    # apps' receipts reach the test outbox; the fund picks its backend at the change.)
    assert [m.subject for m in mail.outbox if "/dashboard/fund/" in m.body] == []

    (fund,) = Fund.objects.all()
    now = timezone.now()
    calls = list(fund.calls.order_by("closes_at"))
    closed, open_ = calls
    assert open_.opens_at < now < open_.closes_at and closed.closes_at < now
    assert all(call.is_published for call in calls)
    # The closed call funds the contest whose results are out; its winner's award
    # traces back to the winning proposal.
    linked = Challenge.objects.with_status().get(pk=closed.challenge_id)
    assert linked.current_status == ChallengeStatus.RESULTS
    winner_award = Award.objects.get(call=closed)
    assert winner_award.application.proposal.challenge_id == linked.pk
    assert winner_award.application.proposal.status == "winner"

    statuses = set(FundApplication.objects.values_list("status", flat=True))
    assert statuses == set(ApplicationStatus.values)
    assert Award.objects.count() == 2
    assert all(award.tranches.count() >= 2 for award in Award.objects.all())

    # Money in every state: paid on approver@'s word after officer@'s request, waiting
    # for approver@, refused, and a payment reversed.
    by_status = {
        status: list(
            Disbursement.objects.filter(status=status).select_related("requested_by", "decided_by")
        )
        for status in DisbursementStatus.values
    }
    assert all(by_status.values())
    assert {d.requested_by.email for ds in by_status.values() for d in ds} == {OFFICER}
    decided = by_status["approved"] + by_status["rejected"]
    assert {d.decided_by.email for d in decided} == {APPROVER}
    assert all(d.decided_by is None for d in by_status["requested"])
    reversal = LedgerEntry.objects.get(reverses__isnull=False)
    assert reversal.amount_vnd == -reversal.reverses.amount_vnd
    assert reversal.created_by.email == APPROVER

    # applicant@'s organisation has applications and an award to follow.
    mine = FundApplication.objects.filter(organization__memberships__user__email=APPLICANT)
    assert {ApplicationStatus.DRAFT, ApplicationStatus.APPROVED} <= set(
        mine.values_list("status", flat=True)
    )
    award = Award.objects.get(application__in=mine)
    assert 0 < award.paid_vnd < award.approved_vnd

    # Made through the services: totals, ledger and audit trail agree.
    position = fund_position(fund)
    assert (position.committed_vnd, position.paid_vnd) == (3_500_000_000, 1_700_000_000)
    assert fund.committed_vnd == position.committed_vnd
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "fund_application.create",
        "fund_application.transition",
        "fund_tranche.milestone_met",
        "fund_disbursement.transition",
        "fund_ledger.reverse",
    } <= actions
    out = StringIO()
    call_command("reconcile_fund", stdout=out)
    assert out.getvalue().startswith("All 2 awards, 1 fund reconcile")


def test_seed_demo_leaves_the_fund_as_it_is_the_second_time():
    call_command("seed_demo", stdout=StringIO())
    first = _snapshot()

    call_command("seed_demo", stdout=StringIO())

    assert _snapshot() == first
    call_command("reconcile_fund", stdout=StringIO())
