"""An award's ledger through the API: the detail carries its size and newest entries
only, the whole of it is read page by page by fund staff."""

from datetime import timedelta

import pytest

from fund import services
from fund.models import LedgerEntry
from tests.fund.api.conftest import award_url
from tests.fund.api.test_money import met, paid
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

MILLION = 1_000_000


def ledger_url(award):
    return f"{award_url(award)}ledger/"


def write_ledger(award, count: int) -> list[int]:
    """`count` payments on the award's first tranche, as a ledger that grew over time
    holds them, with many written at the same instant and ids that do not follow the
    time; returns every id of the award's ledger, newest first (ties by id)."""
    tranche = award.tranches.get(number=1)
    start = award.decided_at
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            award=award,
            tranche=tranche,
            amount_vnd=1_000 + i,
            note=f"#{i}",
            # Eleven instants, shuffled: ties everywhere, ids out of time order.
            created_at=start + timedelta(minutes=(i * 7) % 11),
            created_by=award.decided_by,
        )
        for i in range(count)
    )
    rows = LedgerEntry.objects.filter(award=award).values_list("created_at", "pk")
    return [pk for _at, pk in sorted(rows, reverse=True)]


def ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


# The award's detail


def test_the_detail_carries_the_ledgers_size_and_its_newest_entries(officer_client, award):
    newest_first = write_ledger(award, 45)

    response = officer_client.get(award_url(award))

    assert response.status_code == 200
    assert response.data["ledger_count"] == 45
    assert [row["id"] for row in response.data["ledger_latest"]] == newest_first[:20]
    assert response.data["ledger_url"] == f"http://testserver{ledger_url(award)}"
    assert "ledger" not in response.data
    # The detail's newest entries are the first page of the ledger.
    assert ids(officer_client.get(response.data["ledger_url"])) == newest_first[:20]


def test_the_awardees_members_get_no_ledger_in_the_detail(member_client, officer, approver, award):
    met(officer, award)
    paid(officer, approver, award, 10 * MILLION)

    data = member_client.get(award_url(award)).data

    assert (data["ledger_count"], data["ledger_latest"], data["ledger_url"]) == (None, None, None)
    assert data["paid_vnd"] == 10 * MILLION


@pytest.mark.parametrize("client_name", ["officer_client", "member_client"])
def test_the_detail_runs_the_same_queries_whatever_the_size_of_the_ledger(
    request, client_name, award
):
    client = request.getfixturevalue(client_name)

    def fetch():
        response = client.get(award_url(award))
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(
        fetch, lambda n: write_ledger(award, n), few=1, many=60
    )

    if client_name == "officer_client":
        assert (response.data["ledger_count"], len(response.data["ledger_latest"])) == (60, 20)
        # The token and its user, knox's purge, the caller's groups, the award with its
        # application, organisation and the ledger's count, its tranches, its newest
        # entries with their reversals.
        assert queries == 6
    else:
        # The same without the ledger's newest entries.
        assert queries == 5


# The ledger, page by page


@pytest.mark.parametrize("staff", ["officer_client", "approver_client", "auditor_client"])
def test_fund_staff_read_the_ledger_newest_first(request, staff, award):
    newest_first = write_ledger(award, 30)

    response = request.getfixturevalue(staff).get(ledger_url(award))

    assert response.status_code == 200
    assert response.data["count"] == 30
    assert ids(response) == newest_first[:20]
    assert response.data["previous"] is None
    first = response.data["results"][0]
    assert set(first) == {
        "id",
        "award",
        "tranche",
        "disbursement",
        "amount_vnd",
        "reverses",
        "reversed_by",
        "note",
        "created_at",
        "created_by",
    }
    assert first["created_at"].endswith("+07:00")


def test_the_awardees_members_see_the_award_but_are_refused_its_ledger(
    member_client, outsider_client, anon_client, officer_client, award
):
    write_ledger(award, 3)

    refused = member_client.get(ledger_url(award))

    assert member_client.get(award_url(award)).status_code == 200
    # Refused by role, as the disbursements are: the award itself is theirs to read.
    assert refused.status_code == 403
    assert refused.data == {
        "detail": "Only the fund's officers, approvers and auditors may see this."
    }
    # Anyone else who is not fund staff is refused alike, whether the award exists or not.
    assert outsider_client.get(ledger_url(award)).status_code == 403
    assert outsider_client.get("/api/v1/fund/awards/987654/ledger/").status_code == 403
    assert anon_client.get(ledger_url(award)).status_code == 401
    assert officer_client.get("/api/v1/fund/awards/987654/ledger/").status_code == 404


def test_every_page_by_its_number_holds_its_share_of_the_ledger(auditor_client, award):
    newest_first = write_ledger(award, 45)
    size = 4  # 12 pages, the last one with a single entry

    pages = [
        auditor_client.get(ledger_url(award), {"page": n, "page_size": size}) for n in range(1, 13)
    ]
    last = auditor_client.get(ledger_url(award), {"page": "last", "page_size": size})

    for n, page in enumerate(pages, start=1):
        assert page.status_code == 200
        assert (page.data["count"], ids(page)) == (45, newest_first[(n - 1) * size : n * size])
    assert ids(last) == newest_first[44:] and last.data["next"] is None
    beyond = auditor_client.get(ledger_url(award), {"page": 13, "page_size": size})
    assert (beyond.status_code, beyond.data) == (404, {"detail": "Invalid page."})


def test_following_next_then_previous_walks_the_whole_ledger_once(auditor_client, award):
    newest_first = write_ledger(award, 45)

    walked, url = [], f"{ledger_url(award)}?page_size=4"
    while url:
        response = auditor_client.get(url)
        assert response.status_code == 200
        walked.append(ids(response))
        url = response.data["next"]
    back, url = [], response.data["previous"]
    while url:
        response = auditor_client.get(url)
        back.append(ids(response))
        url = response.data["previous"]

    assert [pk for page in walked for pk in page] == newest_first
    assert [len(page) for page in walked] == [4] * 11 + [1]
    assert back == walked[-2::-1]


def test_next_continues_after_the_last_row_seen_even_when_the_ledger_grows(
    officer_client, officer, approver, award
):
    met(officer, award)
    for _ in range(5):
        paid(officer, approver, award, 10 * MILLION)
    first = officer_client.get(ledger_url(award), {"page_size": 2})

    paid(officer, approver, award, 10 * MILLION)  # a newer entry shifts every position
    second = officer_client.get(first.data["next"])

    seen = ids(first)
    rest = list(
        LedgerEntry.objects.filter(award=award)
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    assert second.data["count"] == 6
    assert ids(second) == rest[rest.index(seen[-1]) + 1 :][:2]


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense",
        "YWZ0ZXJ8eHx5",  # after|x|y
        "YWZ0ZXJ8MjAyNi0wMS0wMXwx",  # after|2026-01-01|1: no time zone
        # after|2026-01-01T00:00:00+07:00|99999999999999999999: beyond any id
        "YWZ0ZXJ8MjAyNi0wMS0wMVQwMDowMDowMCswNzowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OQ",
    ],
)
def test_a_made_up_cursor_is_404(officer_client, award, cursor):
    write_ledger(award, 3)

    response = officer_client.get(ledger_url(award), {"cursor": cursor})

    assert (response.status_code, response.data) == (404, {"detail": "Invalid page."})


def test_a_reversed_payment_links_to_its_reversal(
    approver_client, officer, approver, second_approver, award
):
    met(officer, award)
    payment = paid(officer, approver, award, 200 * MILLION).ledger.get()
    reversal = services.ledger_reverse(payment, actor=second_approver, note="Sai tài khoản")
    kept = paid(officer, approver, award, 100 * MILLION).ledger.get()

    rows = {row["id"]: row for row in approver_client.get(ledger_url(award)).data["results"]}

    assert (rows[payment.pk]["reversed_by"], rows[payment.pk]["reverses"]) == (reversal.pk, None)
    assert (rows[reversal.pk]["reversed_by"], rows[reversal.pk]["reverses"]) == (None, payment.pk)
    assert rows[reversal.pk]["amount_vnd"] == -200 * MILLION
    assert rows[kept.pk]["reversed_by"] is None


@pytest.mark.parametrize(
    "query",
    [{"page_size": 100}, {"page": 2, "page_size": 10}, {"page": "last", "page_size": 10}],
    ids=["first", "second", "last"],
)
def test_a_page_runs_the_same_queries_whatever_the_size_of_the_ledger(officer_client, award, query):
    def fetch():
        response = officer_client.get(ledger_url(award), query)
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(
        fetch, lambda n: write_ledger(award, n), few=11, many=120
    )

    assert response.data["count"] == 120
    # The token and its user, knox's purge, the caller's groups, the award with the
    # ledger's count, the page's entries with their reversals.
    assert queries == 5


def test_a_page_reached_by_its_cursor_runs_the_same_queries(
    officer_client, award, django_assert_num_queries
):
    write_ledger(award, 120)
    deep = officer_client.get(ledger_url(award), {"page": 6, "page_size": 10})

    with django_assert_num_queries(5):
        response = officer_client.get(deep.data["next"])

    assert response.data["count"] == 120
    assert len(ids(response)) == 10
