"""Funds and funding calls in the Wagtail admin: fund officers set them up; approvers and
auditors look; the capital and the budget never drop below what is committed, even when
a decision races the edit."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from fund.admin_forms import FundForm, FundingCallForm
from fund.enums import ApplicationStatus
from fund.models import Fund, FundingCall
from portal.roles import Role
from tests.factories import ChallengeFactory, UserFactory
from tests.factories.fund import FundApplicationFactory, FundFactory, FundingCallFactory
from tests.fund.conftest import approve
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

MILLION = 1_000_000
FUNDS = "wagtailsnippets_fund_fund"
CALLS = "wagtailsnippets_fund_fundingcall"


@pytest.fixture(autouse=True)
def english_admin(client, monkeypatch):
    """Wagtail's admin answers in English (as for a user whose admin language is English),
    so that the tests read the English messages whatever the catalogue holds."""
    from wagtail.admin import auth

    localized = auth.get_localized_response

    def in_english(view_func, request, *args, **kwargs):
        with translation.override("en"):
            response = localized(view_func, request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            return response

    monkeypatch.setattr(auth, "get_localized_response", in_english)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def url(viewset, name, *args):
    return reverse(f"{viewset}:{name}", args=args)


def html(response, status=200):
    assert response.status_code == status, (response.status_code, response.get("Location"))
    return response.content.decode()


def committed_award(officer, fund, call, amount):
    application = FundApplicationFactory(
        status=ApplicationStatus.COMMITTEE, call=call, requested_vnd=amount
    )
    return approve(officer, application, amount)


@pytest.fixture
def fund_with_awards(officer):
    """A fund of 10 billion with a call of 4 billion, 3 billion of it committed."""
    fund = FundFactory(name="Quỹ khởi nghiệp", capital_vnd=10_000 * MILLION)
    call = FundingCallFactory(fund=fund, title="Đợt 1", budget_vnd=4_000 * MILLION)
    committed_award(officer, fund, call, 3_000 * MILLION)
    fund.refresh_from_db()
    call.refresh_from_db()
    return fund, call


def fund_data(fund=None, **changes):
    data = {
        "name": fund.name if fund else "Quỹ đổi mới sáng tạo",
        "managing_unit": fund.managing_unit if fund else "Sở Khoa học và Công nghệ",
        "description": "",
        "capital_vnd": str(fund.capital_vnd) if fund else "50.000.000.000",
    }
    return {**data, **changes}


def call_data(call, **changes):
    local = timezone.localtime
    data = {
        "fund": str(call.fund_id),
        "title": call.title,
        "description": call.description,
        "challenge": str(call.challenge_id or ""),
        "opens_at": local(call.opens_at).strftime("%Y-%m-%d %H:%M"),
        "closes_at": local(call.closes_at).strftime("%Y-%m-%d %H:%M"),
        "budget_vnd": str(call.budget_vnd),
        "offers_grant": "on" if call.offers_grant else "",
        "offers_equity": "on" if call.offers_equity else "",
        "offers_convertible_loan": "on" if call.offers_convertible_loan else "",
        "is_published": "on" if call.is_published else "",
    }
    return {name: value for name, value in {**data, **changes}.items() if value != ""}


# Fund officers set funds and calls up


def test_an_officer_creates_a_fund_typing_the_capital_as_people_write_it(client, officer):
    client.force_login(officer)

    response = client.post(url(FUNDS, "add"), fund_data())

    assert response.status_code == 302, html(response)[:3000]
    fund = Fund.objects.get(name="Quỹ đổi mới sáng tạo")
    assert (fund.capital_vnd, fund.committed_vnd) == (50_000 * MILLION, 0)


def test_an_officer_opens_a_call_linked_to_a_challenge(client, officer):
    fund = FundFactory()
    challenge = ChallengeFactory(code="STARTUP-2026")
    client.force_login(officer)
    now = timezone.localtime()

    response = client.post(
        url(CALLS, "add"),
        {
            "fund": str(fund.pk),
            "title": "Đợt 2: ươm tạo",
            "challenge": str(challenge.pk),
            "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
            "closes_at": (now + timedelta(days=45)).strftime("%Y-%m-%d %H:%M"),
            "budget_vnd": "3.000.000.000",
            "offers_equity": "on",
            "is_published": "on",
        },
    )

    assert response.status_code == 302, html(response)[:3000]
    call = FundingCall.objects.get(title="Đợt 2: ươm tạo")
    assert (call.fund, call.challenge, call.budget_vnd) == (fund, challenge, 3_000 * MILLION)
    assert call.instruments == ["equity"]


def test_the_edit_forms_show_the_committed_totals_read_only(client, officer, fund_with_awards):
    fund, call = fund_with_awards
    client.force_login(officer)

    fund_form = html(client.get(url(FUNDS, "edit", fund.pk)))
    call_form = html(client.get(url(CALLS, "edit", call.pk)))

    for form in (fund_form, call_form):
        assert "3,000,000,000 VND" in form
        assert 'name="committed_vnd"' not in form
    assert 'name="capital_vnd"' in fund_form and 'name="budget_vnd"' in call_form


def test_a_posted_committed_total_is_ignored(client, officer, fund_with_awards):
    fund, _call = fund_with_awards
    client.force_login(officer)

    client.post(url(FUNDS, "edit", fund.pk), fund_data(fund, committed_vnd="0"))

    fund.refresh_from_db()
    assert fund.committed_vnd == 3_000 * MILLION


# Never below what is committed


def test_the_capital_cannot_drop_below_what_is_committed(client, officer, fund_with_awards):
    fund, _call = fund_with_awards
    client.force_login(officer)

    page = html(
        client.post(url(FUNDS, "edit", fund.pk), fund_data(fund, capital_vnd="2.999.999.999"))
    )
    client.post(url(FUNDS, "edit", fund.pk), fund_data(fund, capital_vnd="3.000.000.000"))

    assert (
        "The capital cannot be less than the 3,000,000,000 VND already committed to awards." in page
    )
    assert 'id="id_capital_vnd"' in page and "error-message" in page
    fund.refresh_from_db()
    assert fund.capital_vnd == 3_000 * MILLION  # exactly what is committed is allowed


def test_the_budget_cannot_drop_below_what_is_committed(client, officer, fund_with_awards):
    _fund, call = fund_with_awards
    client.force_login(officer)

    page = html(
        client.post(url(CALLS, "edit", call.pk), call_data(call, budget_vnd="2.000.000.000"))
    )

    assert (
        "The budget cannot be less than the 3,000,000,000 VND already committed to awards." in page
    )
    call.refresh_from_db()
    assert call.budget_vnd == 4_000 * MILLION


def test_a_call_with_awards_stays_in_its_fund(client, officer, fund_with_awards):
    _fund, call = fund_with_awards
    elsewhere = FundFactory()
    empty = FundingCallFactory(fund=call.fund)
    client.force_login(officer)

    page = html(client.post(url(CALLS, "edit", call.pk), call_data(call, fund=str(elsewhere.pk))))
    moved = client.post(url(CALLS, "edit", empty.pk), call_data(empty, fund=str(elsewhere.pk)))

    assert "A call with awards cannot move to another fund." in page
    assert moved.status_code == 302
    call.refresh_from_db()
    empty.refresh_from_db()
    assert (call.fund_id, empty.fund_id) == (_fund.pk, elsewhere.pk)


def test_a_call_must_close_after_it_opens(client, officer):
    call = FundingCallFactory()
    client.force_login(officer)
    opens = timezone.localtime(call.opens_at).strftime("%Y-%m-%d %H:%M")

    page = html(client.post(url(CALLS, "edit", call.pk), call_data(call, closes_at=opens)))

    assert "The call must close after it opens." in page


def test_a_decision_made_after_the_form_was_read_is_checked_again_on_save(
    officer, fund_with_awards
):
    fund, _call = fund_with_awards
    stale = Fund.objects.get(pk=fund.pk)  # what the edit form read: 3 billion committed
    form = FundForm(instance=stale, data=fund_data(fund, capital_vnd="4.000.000.000"))
    assert form.is_valid(), form.errors
    bigger = FundingCallFactory(fund=fund, budget_vnd=5_000 * MILLION)
    committed_award(officer, fund, bigger, 1_000 * MILLION + 1)  # 4 billion and 1 đồng now

    with pytest.raises(ValidationError) as refused, transaction.atomic():
        form.save()

    assert refused.value.message_dict == {
        "capital_vnd": [
            "The capital cannot be less than the 4,000,000,001 VND already committed to awards."
        ]
    }
    fund.refresh_from_db()
    assert (fund.capital_vnd, fund.committed_vnd) == (10_000 * MILLION, 4_000 * MILLION + 1)


def test_an_edit_never_writes_back_the_committed_total_it_read(officer, fund_with_awards):
    fund, call = fund_with_awards
    stale_fund = Fund.objects.get(pk=fund.pk)
    stale_call = FundingCall.objects.get(pk=call.pk)
    fund_form = FundForm(instance=stale_fund, data=fund_data(fund, name="Quỹ mới tên"))
    call_form = FundingCallForm(instance=stale_call, data=call_data(call, title="Đợt 1 (sửa)"))
    assert fund_form.is_valid() and call_form.is_valid(), (fund_form.errors, call_form.errors)
    committed_award(officer, fund, call, 500 * MILLION)

    with transaction.atomic():
        fund_form.save()
        call_form.save()

    fund.refresh_from_db()
    call.refresh_from_db()
    assert (fund.name, fund.committed_vnd) == ("Quỹ mới tên", 3_500 * MILLION)
    assert (call.title, call.committed_vnd) == ("Đợt 1 (sửa)", 3_500 * MILLION)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_racing_a_decision_waits_for_it_and_refuses():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL concern; SQLite serialises writes")
    officer = UserFactory(role=Role.FUND_OFFICER)
    fund = FundFactory(capital_vnd=10_000 * MILLION)
    call = FundingCallFactory(fund=fund, budget_vnd=10_000 * MILLION)
    application = FundApplicationFactory(
        status=ApplicationStatus.COMMITTEE, call=call, requested_vnd=6_000 * MILLION
    )
    locked, go, results = threading.Event(), threading.Event(), {}

    def decide():
        try:
            with transaction.atomic():
                approve(officer, application, 6_000 * MILLION)  # locks the fund's row
                locked.set()
                go.wait(10)
        finally:
            connections.close_all()

    def edit():
        try:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(officer)
            # Read while the decision is uncommitted (0 committed), saved once it is.
            results["response"] = client.post(
                url(FUNDS, "edit", fund.pk), fund_data(fund, capital_vnd="5.000.000.000")
            )
        finally:
            connections.close_all()

    decision = threading.Thread(target=decide)
    decision.start()
    assert locked.wait(10)
    editing = threading.Thread(target=edit)
    editing.start()
    time.sleep(1)  # the edit reads, validates, and waits for the lock
    go.set()
    decision.join()
    editing.join()

    assert results["response"].status_code == 200
    assert "already committed to awards" in results["response"].content.decode()
    fund.refresh_from_db()
    assert (fund.capital_vnd, fund.committed_vnd) == (10_000 * MILLION, 6_000 * MILLION)


# Who may do what


@pytest.mark.parametrize("role", ["approver", "auditor"])
def test_approvers_and_auditors_look_but_change_nothing(client, request, role, fund_with_awards):
    fund, call = fund_with_awards
    client.force_login(request.getfixturevalue(role))

    funds = html(client.get(url(FUNDS, "list")))
    calls = html(client.get(url(CALLS, "list")))
    inspect = html(client.get(url(FUNDS, "inspect", fund.pk)))
    refused = [
        client.get(url(FUNDS, "add")),
        client.post(url(FUNDS, "add"), fund_data()),
        client.get(url(FUNDS, "edit", fund.pk)),
        client.post(url(FUNDS, "edit", fund.pk), fund_data(fund, capital_vnd="99")),
        client.post(url(CALLS, "edit", call.pk), call_data(call, title="x")),
        client.post(url(FUNDS, "delete", fund.pk)),
    ]

    assert "Quỹ khởi nghiệp" in funds and "Đợt 1" in calls and "Quỹ khởi nghiệp" in inspect
    assert "10,000,000,000 VND" in funds
    assert [(r.status_code, r["Location"]) for r in refused] == [(302, "/admin/")] * 6
    fund.refresh_from_db()
    call.refresh_from_db()
    assert (fund.capital_vnd, call.title, Fund.objects.count()) == (10_000 * MILLION, "Đợt 1", 1)


def test_others_cannot_reach_the_fund_admin(client, manager, applicant):
    for user, landing in ((manager, "/admin/"), (applicant, "/admin/login/")):
        client.force_login(user)
        response = client.get(url(FUNDS, "list"))
        assert response.status_code == 302
        assert response["Location"].startswith(landing)


def test_the_call_list_runs_the_same_queries_however_many_calls(client, officer):
    client.force_login(officer)
    fund = FundFactory()

    def add(n):
        for _ in range(n):
            FundingCallFactory(fund=fund)

    _queries, response = assert_constant_queries(
        lambda: client.get(url(CALLS, "list")), add, few=1, many=20
    )
    assert len(set(re.findall(r"Đợt gọi vốn \d+", html(response)))) == 20
