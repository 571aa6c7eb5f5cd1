"""Decisions, milestones, disbursements and the ledger: every đồng adds up."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import Sum

from fund import services
from fund.enums import ApplicationStatus, DisbursementStatus
from fund.models import Award, Disbursement, Fund, FundingCall, LedgerEntry, Tranche
from portal.errors import Conflict
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory
from tests.factories.fund import (
    FundApplicationFactory,
    FundFactory,
    FundingCallFactory,
    tranche_plan,
)
from tests.fund.conftest import approve

pytestmark = pytest.mark.django_db

S = ApplicationStatus
MILLION = 1_000_000


def ledger_total(award):
    return LedgerEntry.objects.filter(award=award).aggregate(t=Sum("amount_vnd"))["t"] or 0


def met(officer, award, number=1):
    tranche = award.tranches.get(number=number)
    return services.tranche_milestone_met(tranche, actor=officer, note="Đã nghiệm thu")


def paid(officer, approver, award, amount, number=1, reference=None):
    """Request and approve a payment on a tranche whose milestone is met."""
    tranche = award.tranches.get(number=number)
    reference = reference or f"UNC-{Disbursement.objects.count() + 1}"
    disbursement = services.disbursement_request(award, tranche, amount, reference, actor=officer)
    return services.disbursement_approve(disbursement, actor=approver)


# Approval


def test_approval_creates_the_award_and_its_tranches_and_commits_the_money(officer, application_in):
    application = application_in(S.COMMITTEE, requested_vnd=1_500 * MILLION)

    award = approve(officer, application, 600 * MILLION, 400 * MILLION)

    application.refresh_from_db()
    assert application.status == S.APPROVED and application.decided_at is not None
    assert (award.approved_vnd, award.paid_vnd, award.decided_by) == (1_000 * MILLION, 0, officer)
    assert list(award.tranches.values_list("number", "amount_vnd", "milestone_met_at")) == [
        (1, 600 * MILLION, None),
        (2, 400 * MILLION, None),
    ]
    assert Fund.objects.get().committed_vnd == 1_000 * MILLION
    assert FundingCall.objects.get().committed_vnd == 1_000 * MILLION
    event = AuditEvent.objects.filter(action="fund_application.transition").get()
    assert event.data == {
        "from": "committee",
        "to": "approved",
        "note": "Hội đồng thông qua",
        "award": award.pk,
        "approved_vnd": 1_000 * MILLION,
        "tranches": [600 * MILLION, 400 * MILLION],
    }


def test_a_second_decision_is_a_conflict(officer, award):
    with pytest.raises(Conflict):
        approve(officer, award.application, 100 * MILLION)

    assert Award.objects.count() == 1


def test_approval_above_the_amount_requested_is_refused(officer, application_in):
    application = application_in(S.COMMITTEE, requested_vnd=500 * MILLION)

    with pytest.raises(ValidationError) as error:
        approve(officer, application, 300 * MILLION, 300 * MILLION)

    assert set(error.value.message_dict) == {"approved_vnd"}
    assert not Award.objects.exists()


@pytest.mark.parametrize(
    "tranches",
    [
        [],
        tranche_plan(300 * MILLION, 100 * MILLION),  # 400 of the 500 approved
        tranche_plan(600 * MILLION, -100 * MILLION),
        tranche_plan(500 * MILLION, 0),
        [{"amount_vnd": 500 * MILLION, "planned_date": "not a date", "milestone": "Mốc"}],
        [{"amount_vnd": 500 * MILLION, "planned_date": "2027-03-01", "milestone": " "}],
        [{"amount_vnd": 500.0 * MILLION, "planned_date": "2027-03-01", "milestone": "Mốc"}],
    ],
)
def test_tranches_must_be_positive_dated_and_add_up_to_the_amount_approved(
    officer, application_in, tranches
):
    application = application_in(S.COMMITTEE, requested_vnd=500 * MILLION)

    with pytest.raises(ValidationError) as error:
        services.application_decide(
            application,
            actor=officer,
            decision="approve",
            approved_vnd=500 * MILLION,
            tranches=tranches,
            note="",
        )

    assert set(error.value.message_dict) == {"tranches"}
    application.refresh_from_db()
    assert application.status == S.COMMITTEE and not Tranche.objects.exists()


def test_approval_beyond_what_the_call_has_left_is_a_conflict(officer, application_in):
    call = FundingCallFactory(budget_vnd=1_000 * MILLION)
    approve(officer, application_in(S.COMMITTEE, call=call), 700 * MILLION)
    application = application_in(S.COMMITTEE, call=call)

    with pytest.raises(Conflict, match="300.000.000"):
        approve(officer, application, 400 * MILLION)

    approve(officer, application, 300 * MILLION)  # exactly what is left
    assert FundingCall.objects.get().committed_vnd == 1_000 * MILLION


def test_approval_beyond_the_funds_capital_is_a_conflict(officer, application_in):
    fund = FundFactory(capital_vnd=1_000 * MILLION)
    first, second = (FundingCallFactory(fund=fund, budget_vnd=900 * MILLION) for _ in range(2))
    approve(officer, application_in(S.COMMITTEE, call=first), 800 * MILLION)

    with pytest.raises(Conflict):
        approve(officer, application_in(S.COMMITTEE, call=second), 300 * MILLION)

    fund.refresh_from_db()
    assert fund.committed_vnd == 800 * MILLION and Award.objects.count() == 1


# Milestones


def test_officer_marks_a_milestone_met_once(officer, award):
    tranche = met(officer, award)

    assert tranche.milestone_met and tranche.milestone_met_by == officer
    assert AuditEvent.objects.get(action="fund_tranche.milestone_met").data == {
        "award": award.pk,
        "number": 1,
        "note": "Đã nghiệm thu",
    }
    with pytest.raises(Conflict):
        met(officer, award)


# Disbursements


def test_paying_before_the_milestone_is_met_is_a_conflict(officer, award):
    tranche = award.tranches.get(number=1)

    with pytest.raises(Conflict, match="milestone"):
        services.disbursement_request(award, tranche, 100 * MILLION, "UNC-1", actor=officer)

    assert not Disbursement.objects.exists()


def test_paying_beyond_the_tranche_counting_pending_requests_is_a_conflict(
    officer, approver, award
):
    met(officer, award)
    tranche = award.tranches.get(number=1)
    paid(officer, approver, award, 400 * MILLION)
    services.disbursement_request(award, tranche, 150 * MILLION, "UNC-2", actor=officer)

    with pytest.raises(Conflict, match="50.000.000"):
        services.disbursement_request(award, tranche, 51 * MILLION, "UNC-3", actor=officer)

    services.disbursement_request(award, tranche, 50 * MILLION, "UNC-3", actor=officer)


def test_disbursement_checks_its_fields(officer, award, application_in):
    met(officer, award)
    tranche = award.tranches.get(number=1)
    other = approve(officer, application_in(S.COMMITTEE), 100 * MILLION)

    cases = [
        ((award, tranche, 0, "UNC-1"), "amount_vnd"),
        ((award, tranche, 10.5, "UNC-1"), "amount_vnd"),
        ((award, tranche, 10 * MILLION, "  "), "reference"),
        ((other, tranche, 10 * MILLION, "UNC-1"), "tranche"),
    ]
    for args, field in cases:
        with pytest.raises(ValidationError) as error:
            services.disbursement_request(*args, actor=officer)
        assert set(error.value.message_dict) == {field}


def test_the_same_payment_order_twice_is_a_conflict(officer, award):
    met(officer, award)
    tranche = award.tranches.get(number=1)
    services.disbursement_request(award, tranche, 10 * MILLION, "UNC-7", actor=officer)

    with pytest.raises(Conflict):
        services.disbursement_request(award, tranche, 10 * MILLION, "UNC-7", actor=officer)


def test_approval_by_another_person_pays_into_the_ledger(officer, approver, award):
    met(officer, award)
    tranche = award.tranches.get(number=1)
    disbursement = services.disbursement_request(
        award, tranche, 250 * MILLION, "UNC-1", actor=officer
    )

    services.disbursement_approve(disbursement, actor=approver)

    disbursement.refresh_from_db()
    award.refresh_from_db()
    tranche.refresh_from_db()
    assert (disbursement.status, disbursement.decided_by) == ("approved", approver)
    entry = LedgerEntry.objects.get()
    assert (entry.amount_vnd, entry.tranche, entry.disbursement, entry.created_by) == (
        250 * MILLION,
        tranche,
        disbursement,
        approver,
    )
    assert award.paid_vnd == tranche.paid_vnd == ledger_total(award) == 250 * MILLION
    events = AuditEvent.objects.filter(action="fund_disbursement.transition").order_by("sequence")
    assert [(e.data["from"], e.data["to"]) for e in events] == [
        (None, "requested"),
        ("requested", "approved"),
    ]
    assert events.last().data["ledger_entry"] == entry.pk


def test_the_requester_cannot_approve_nor_reject_their_own_request(officer, award):
    # Someone holding both roles is still only one pair of eyes.
    both = UserFactory(role=Role.FUND_OFFICER)
    both.groups.add(*approver_group())
    met(officer, award)
    disbursement = services.disbursement_request(
        award, award.tranches.get(number=1), 100 * MILLION, "UNC-1", actor=both
    )

    with pytest.raises(PermissionDenied):
        services.disbursement_approve(disbursement, actor=both)
    with pytest.raises(PermissionDenied):
        services.disbursement_reject(disbursement, actor=both, note="Không")

    disbursement.refresh_from_db()
    assert disbursement.status == "requested" and not LedgerEntry.objects.exists()


def approver_group():
    from django.contrib.auth.models import Group

    return Group.objects.filter(name=Role.FINANCE_APPROVER)


def test_the_database_refuses_a_decision_by_the_requester_too(officer, award):
    met(officer, award)
    disbursement = services.disbursement_request(
        award, award.tranches.get(number=1), 100 * MILLION, "UNC-1", actor=officer
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.filter(pk=disbursement.pk).update(
            status="approved", decided_by=officer, decided_at=disbursement.requested_at
        )


def test_a_second_approval_is_a_conflict(officer, approver, second_approver, award):
    met(officer, award)
    disbursement = paid(officer, approver, award, 100 * MILLION)

    with pytest.raises(Conflict):
        services.disbursement_approve(disbursement, actor=second_approver)

    assert LedgerEntry.objects.count() == 1


def test_rejection_says_why_and_frees_the_tranche(officer, approver, award):
    met(officer, award)
    tranche = award.tranches.get(number=1)
    disbursement = services.disbursement_request(
        award, tranche, 600 * MILLION, "UNC-1", actor=officer
    )

    with pytest.raises(ValidationError):
        services.disbursement_reject(disbursement, actor=approver, note="")
    services.disbursement_reject(disbursement, actor=approver, note="Sai số tài khoản")

    disbursement.refresh_from_db()
    assert (disbursement.status, disbursement.note) == ("rejected", "Sai số tài khoản")
    assert not LedgerEntry.objects.exists()
    with pytest.raises(Conflict):
        services.disbursement_approve(disbursement, actor=approver)
    services.disbursement_request(award, tranche, 600 * MILLION, "UNC-2", actor=officer)


def test_an_auditor_reads_but_cannot_write(auditor, officer, approver, award, application_in):
    met(officer, award)
    disbursement = services.disbursement_request(
        award, award.tranches.get(number=1), 100 * MILLION, "UNC-1", actor=officer
    )
    entry = paid(officer, approver, award, 100 * MILLION).ledger.get()
    application = application_in(S.COMMITTEE)
    before = AuditEvent.objects.count()

    writes = [
        lambda: services.application_transition(application, S.REJECTED, actor=auditor, note="x"),
        lambda: approve(auditor, application, 100 * MILLION),
        lambda: services.tranche_milestone_met(award.tranches.get(number=2), actor=auditor),
        lambda: services.disbursement_request(
            award, award.tranches.get(number=1), 1, "UNC-9", actor=auditor
        ),
        lambda: services.disbursement_approve(disbursement, actor=auditor),
        lambda: services.disbursement_reject(disbursement, actor=auditor, note="x"),
        lambda: services.ledger_reverse(entry, actor=auditor, note="x"),
        lambda: services.application_withdraw(application, actor=auditor),
    ]
    for write in writes:
        with pytest.raises(PermissionDenied):
            write()

    assert AuditEvent.objects.count() == before
    assert auditor.has_perm("fund.view_ledgerentry") and not auditor.has_perm("fund.add_award")


# Reversals and the ledger


def test_a_reversal_is_a_negative_entry_and_makes_the_money_payable_again(
    officer, approver, second_approver, award
):
    met(officer, award)
    entry = paid(officer, approver, award, 600 * MILLION).ledger.get()

    with pytest.raises(ValidationError):
        services.ledger_reverse(entry, actor=second_approver, note="")
    reversal = services.ledger_reverse(entry, actor=second_approver, note="Chuyển nhầm tài khoản")

    award.refresh_from_db()
    assert (reversal.amount_vnd, reversal.reverses, reversal.disbursement) == (
        -600 * MILLION,
        entry,
        entry.disbursement,
    )
    assert award.paid_vnd == ledger_total(award) == 0
    assert AuditEvent.objects.get(action="fund_ledger.reverse").data == {
        "reverses": entry.pk,
        "award": award.pk,
        "tranche": entry.tranche_id,
        "amount_vnd": -600 * MILLION,
        "note": "Chuyển nhầm tài khoản",
    }
    for target in (entry, reversal):
        with pytest.raises(Conflict):
            services.ledger_reverse(target, actor=second_approver, note="Lần nữa")
    paid(officer, approver, award, 600 * MILLION, reference="UNC-again")
    award.refresh_from_db()
    assert award.paid_vnd == ledger_total(award) == 600 * MILLION


def test_the_ledger_refuses_edits_and_deletes_through_the_orm(officer, approver, award):
    met(officer, award)
    entry = paid(officer, approver, award, 10 * MILLION).ledger.get()

    entry.amount_vnd = 1
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount_vnd=1)
    with pytest.raises(TypeError):
        LedgerEntry.objects.all().delete()


def test_postgresql_refuses_ledger_changes_below_the_orm(officer, approver, award):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    met(officer, award)
    entry = paid(officer, approver, award, 10 * MILLION).ledger.get()

    for statement in (
        "UPDATE fund_ledgerentry SET amount_vnd = 1 WHERE id = %s",
        "DELETE FROM fund_ledgerentry WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [entry.pk])

    assert LedgerEntry.objects.get(pk=entry.pk).amount_vnd == 10 * MILLION


def test_postgresql_refuses_to_empty_the_ledger(officer, approver, award):
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    met(officer, award)
    paid(officer, approver, award, 10 * MILLION)

    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        # The test database allows TRUNCATE (tests/conftest.py); a real one does not.
        # (The deferred foreign-key checks of the rows just written must run first.)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL portal.allow_truncate = off")
        cursor.execute(f"TRUNCATE {LedgerEntry._meta.db_table} CASCADE")

    assert LedgerEntry.objects.filter(award=award).count() == 1


def test_the_database_holds_paid_within_approved_and_committed_within_capital(award):
    tranche = award.tranches.get(number=1)
    updates = [
        lambda: Award.objects.filter(pk=award.pk).update(paid_vnd=award.approved_vnd + 1),
        lambda: Tranche.objects.filter(pk=tranche.pk).update(paid_vnd=tranche.amount_vnd + 1),
        lambda: Fund.objects.update(committed_vnd=award.fund.capital_vnd + 1),
        lambda: FundingCall.objects.update(committed_vnd=award.call.budget_vnd + 1),
    ]
    for update in updates:
        with pytest.raises(IntegrityError), transaction.atomic():
            update()


# Parallel writers (PostgreSQL)


def run_in_parallel(work, count):
    """Run `work(n)` in `count` threads released together; return what each raised."""
    barrier = threading.Barrier(count)
    errors = []

    def run(n):
        try:
            barrier.wait()
            work(n)
        except Exception as error:  # noqa: BLE001 - collected and asserted by the caller
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_parallel_requests_and_approvals_never_pay_more_than_approved():
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite serialises writes")
    officer = UserFactory(role=Role.FUND_OFFICER)
    approver = UserFactory(role=Role.FINANCE_APPROVER)
    application = FundApplicationFactory(status=S.COMMITTEE, requested_vnd=1_000 * MILLION)
    award = approve(officer, application, 600 * MILLION, 400 * MILLION)
    for number in (1, 2):
        met(officer, award, number)
    tranches = list(award.tranches.order_by("number"))

    def pay(n):
        tranche = tranches[n % 2]
        disbursement = services.disbursement_request(
            award, tranche, 30 * MILLION, f"UNC-{n}", actor=officer
        )
        services.disbursement_approve(disbursement, actor=approver)

    errors = run_in_parallel(pay, 50)

    # 20 payments fill the first tranche exactly; 13 fit in the second's 400 million.
    assert all(isinstance(error, Conflict) for error in errors), errors
    assert len(errors) == 50 - 33
    award.refresh_from_db()
    assert award.paid_vnd == ledger_total(award) == 990 * MILLION
    assert [t.paid_vnd for t in award.tranches.order_by("number")] == [600 * MILLION, 390 * MILLION]
    assert not Disbursement.objects.filter(status=DisbursementStatus.REQUESTED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_decisions_never_commit_more_than_the_capital():
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite serialises writes")
    officer = UserFactory(role=Role.FUND_OFFICER)
    fund = FundFactory(capital_vnd=10_000 * MILLION)
    calls = [FundingCallFactory(fund=fund, budget_vnd=10_000 * MILLION) for _ in range(2)]
    applications = [
        FundApplicationFactory(status=S.COMMITTEE, call=calls[n % 2], requested_vnd=3_000 * MILLION)
        for n in range(10)
    ]

    errors = run_in_parallel(
        lambda n: approve(officer, applications[n], 1_000 * MILLION, 2_000 * MILLION), 10
    )

    assert all(isinstance(error, Conflict) for error in errors), errors
    assert len(errors) == 7
    fund.refresh_from_db()
    committed = Award.objects.aggregate(t=Sum("approved_vnd"))["t"]
    assert fund.committed_vnd == committed == 9_000 * MILLION
    assert sum(FundingCall.objects.values_list("committed_vnd", flat=True)) == committed
