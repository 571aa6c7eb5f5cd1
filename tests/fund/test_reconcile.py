"""`manage.py reconcile_fund`: the stored running totals against the ledger and awards."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fund import services
from fund.enums import ApplicationStatus
from fund.models import Award, Disbursement, Fund, FundingCall, LedgerEntry, Tranche
from tests.fund.conftest import approve

pytestmark = pytest.mark.django_db

MILLION = 1_000_000


def reconcile():
    """(stdout, stderr, error message or None) of one run."""
    out, err = StringIO(), StringIO()
    try:
        call_command("reconcile_fund", stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), str(error)
    return out.getvalue(), err.getvalue(), None


def pay(officer, approver, award, amount, number=1, reference="UNC-001"):
    tranche = award.tranches.get(number=number)
    if not tranche.milestone_met:
        services.tranche_milestone_met(tranche, actor=officer, note="Đã nghiệm thu")
    disbursement = services.disbursement_request(award, tranche, amount, reference, actor=officer)
    return services.disbursement_approve(disbursement, actor=approver)


@pytest.fixture
def paid_award(officer, approver, award):
    """The conftest award (600 + 400 million) with 250 million paid on its first tranche."""
    pay(officer, approver, award, 250 * MILLION)
    return award


def test_a_fund_kept_by_the_services_reconciles(paid_award):
    out, err, error = reconcile()

    assert error is None and err == ""
    assert out.strip() == ("All 1 award, 1 fund reconcile (2 tranches, 1 call, 1 ledger entry).")


def test_an_empty_fund_reconciles():
    out, _err, error = reconcile()

    assert error is None
    assert out.strip() == "All 0 awards, 0 funds reconcile (0 tranches, 0 calls, 0 ledger entries)."


def test_a_reversal_reconciles(officer, approver, paid_award):
    payment = LedgerEntry.objects.get()
    services.ledger_reverse(payment, actor=approver, note="Sai số tài khoản")
    pay(officer, approver, paid_award, 100 * MILLION, reference="UNC-002")

    out, _err, error = reconcile()

    assert error is None
    assert "All 1 award, 1 fund reconcile (2 tranches, 1 call, 3 ledger entries)." in out
    assert Award.objects.get().paid_vnd == 100 * MILLION


def test_a_tampered_award_total_is_reported_and_fails(paid_award):
    Award.objects.filter(pk=paid_award.pk).update(paid_vnd=300 * MILLION)

    out, err, error = reconcile()

    assert error == "The fund does NOT reconcile: 1 difference."
    assert err.strip() == (
        f"award {paid_award.pk}: paid_vnd from the ledger: stored 300,000,000, "
        "recomputed 250,000,000 (difference +50,000,000)"
    )
    assert "reconcile (" not in out
    # It reports; it does not repair.
    assert Award.objects.get().paid_vnd == 300 * MILLION


def test_a_tampered_tranche_total_is_reported(paid_award):
    second = paid_award.tranches.get(number=2)
    Tranche.objects.filter(pk=second.pk).update(paid_vnd=1)

    _out, err, error = reconcile()

    assert error == "The fund does NOT reconcile: 1 difference."
    assert err.strip() == (
        f"tranche {second.pk} (award {paid_award.pk}, #2): paid_vnd from the ledger: "
        "stored 1, recomputed 0 (difference +1)"
    )


def test_tampered_fund_and_call_totals_are_each_reported(paid_award):
    fund, call = paid_award.fund, paid_award.call
    Fund.objects.filter(pk=fund.pk).update(committed_vnd=0)
    FundingCall.objects.filter(pk=call.pk).update(committed_vnd=1_200 * MILLION)

    _out, err, error = reconcile()

    assert error == "The fund does NOT reconcile: 2 differences."
    assert err.splitlines() == [
        f"fund {fund.pk} ({fund.name}): committed_vnd from its awards: stored 0, "
        "recomputed 1,000,000,000 (difference -1,000,000,000)",
        f"call {call.pk} ({call.title}): committed_vnd from its awards: "
        "stored 1,200,000,000, recomputed 1,000,000,000 (difference +200,000,000)",
    ]


def test_tranches_that_no_longer_add_up_to_the_award_are_reported(paid_award):
    Tranche.objects.filter(award=paid_award, number=2).update(amount_vnd=500 * MILLION)

    _out, err, error = reconcile()

    assert error is not None
    assert err.strip() == (
        f"award {paid_award.pk}: approved_vnd from its tranches: stored 1,000,000,000, "
        "recomputed 1,100,000,000 (difference -100,000,000)"
    )


def test_a_payment_without_an_approved_disbursement_is_reported(approver, paid_award):
    # Money entered in the ledger (and in the totals) with nobody's approval.
    tranche = paid_award.tranches.get(number=1)
    entry = LedgerEntry.objects.create(
        award=paid_award,
        tranche=tranche,
        amount_vnd=5 * MILLION,
        created_at=paid_award.decided_at,
        created_by=approver,
    )
    Tranche.objects.filter(pk=tranche.pk).update(paid_vnd=255 * MILLION)
    Award.objects.filter(pk=paid_award.pk).update(paid_vnd=255 * MILLION)

    _out, err, error = reconcile()

    assert error == "The fund does NOT reconcile: 1 difference."
    assert err.strip() == (
        f"ledger entry {entry.pk} (award {paid_award.pk}): payment against its approved "
        "disbursement: stored 5,000,000, recomputed 0 (difference +5,000,000)"
    )


def test_an_approved_amount_changed_after_payment_is_reported(paid_award):
    disbursement = Disbursement.objects.get()
    Disbursement.objects.filter(pk=disbursement.pk).update(amount_vnd=200 * MILLION)

    _out, err, error = reconcile()

    assert error == "The fund does NOT reconcile: 1 difference."
    payment = LedgerEntry.objects.get()
    assert err.strip() == (
        f"ledger entry {payment.pk} (award {paid_award.pk}): payment against its approved "
        "disbursement: stored 250,000,000, recomputed 200,000,000 (difference +50,000,000)"
    )


def test_its_queries_do_not_grow_with_the_rows(
    officer, approver, paid_award, application_in, django_assert_num_queries
):
    # Seven checks (one GROUP BY or join each) and five counts for the summary.
    with django_assert_num_queries(12):
        reconcile()
    for n in range(3):
        application = application_in(ApplicationStatus.COMMITTEE, requested_vnd=900 * MILLION)
        award = approve(officer, application, 300 * MILLION, 300 * MILLION)
        pay(officer, approver, award, 100 * MILLION, reference=f"UNC-1{n}")
        pay(officer, approver, award, 50 * MILLION, reference=f"UNC-2{n}")

    with django_assert_num_queries(12):
        out, _err, error = reconcile()

    assert error is None
    assert "All 4 awards, 4 funds reconcile (8 tranches, 4 calls, 7 ledger entries)." in out
