"""The disbursement rush, over HTTP: fund officers and finance approvers all click at once
on one award.

Run by `python -m bench` while gunicorn serves the bench database (see `bench.http`),
after the deadline rush, in a child process on the same profile, since it makes its rows
through the ORM:

    python -m bench.fund_rush --base http://127.0.0.1:PORT --out fund_rush.json

It makes an award through the services (a fund, a call, an application decided in
committee) whose first tranche's milestone is met, with room for REQUESTABLE of the
REQUESTS requests. The fund officer then sends REQUESTS disbursement requests at once
(`POST /api/v1/fund/disbursements/`, token auth); all but REQUESTABLE must be refused
with 409 (nothing left to request). Then the finance approver sends APPROVALS approvals
at once (`POST /api/v1/fund/disbursements/{id}/approve/`): each accepted request once,
and some a second time in the same wave, which must be refused with 409. No answer may be
a 5xx, and the database must then hold exactly one ledger payment per approved request,
paid totals equal to the ledger's, and nothing paid beyond what was approved.
"""

import argparse
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from bench.rush import wave_figures

REQUESTS = 50
APPROVALS = 50
MILLION = 1_000_000
# Each request asks this much of a first tranche with room for REQUESTABLE of them.
AMOUNT_VND = 20 * MILLION
REQUESTABLE = 30
FIRST_TRANCHE_VND = REQUESTABLE * AMOUNT_VND
SECOND_TRANCHE_VND = 400 * MILLION
HEADERS = {
    "X-Forwarded-Proto": "https",
    "Host": "127.0.0.1",
    "Accept": "application/json",
    "Content-Type": "application/json",
}
OFFICER, APPROVER = "officer@demo.example", "approver@demo.example"


def prepare():
    """The award, with its first tranche's milestone met; returns (award, its first
    tranche, the officer's API token, the approver's API token)."""
    from django.utils import timezone
    from knox.models import AuthToken

    from fund import services
    from fund.enums import ApplicationStatus, Instrument
    from fund.models import Fund, FundApplication, FundingCall
    from portal.models import User
    from startups.enums import MembershipRole
    from startups.models import Membership

    officer, approver = User.objects.get(email=OFFICER), User.objects.get(email=APPROVER)
    run = secrets.token_hex(3).upper()  # the database is shared: one name per run
    now = timezone.now()
    fund = Fund.objects.create(
        name=f"Quỹ thử tải giải ngân {run}",
        managing_unit="Sở Khoa học và Công nghệ",
        capital_vnd=10_000 * MILLION,
    )
    call = FundingCall.objects.create(
        fund=fund,
        title=f"Đợt gọi vốn thử tải {run}",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30),
        budget_vnd=5_000 * MILLION,
        is_published=True,
    )
    # Any organisation of the data set, through its owner.
    membership = (
        Membership.objects.filter(role=MembershipRole.OWNER)
        .select_related("user", "organization")
        .order_by("pk")
        .first()
    )
    owner, organization = membership.user, membership.organization
    approved = FIRST_TRANCHE_VND + SECOND_TRANCHE_VND
    application = FundApplication.objects.create(
        call=call,
        organization=organization,
        created_by=owner,
        requested_vnd=approved,
        instrument=Instrument.GRANT,
        summary="Thử tải: nhiều cán bộ cùng giải ngân một khoản tài trợ.",
        plan="Giai đoạn 1; giai đoạn 2.",
        budget_breakdown="Thiết bị; nhân sự.",
        status=ApplicationStatus.COMMITTEE,
        submitted_at=now - timedelta(days=40),
    )
    award = services.application_decide(
        application,
        actor=officer,
        decision="approve",
        approved_vnd=approved,
        tranches=[
            {
                "amount_vnd": FIRST_TRANCHE_VND,
                "planned_date": date.today(),  # noqa: DTZ011 - a plan, any day will do
                "milestone": "Mẫu thử hoàn thành",
            },
            {
                "amount_vnd": SECOND_TRANCHE_VND,
                "planned_date": date.today() + timedelta(days=90),  # noqa: DTZ011
                "milestone": "Nghiệm thu",
            },
        ],
        note="Thử tải.",
    )
    tranche = services.tranche_milestone_met(
        award.tranches.get(number=1), actor=officer, note="Đã nghiệm thu."
    )
    officer_token = AuthToken.objects.create(user=officer)[1]
    approver_token = AuthToken.objects.create(user=approver)[1]
    return award, tranche, officer_token, approver_token


def fire(jobs: list[tuple[str, bytes, str]]) -> list[dict]:
    """POST every (url, JSON body, token) at once, one thread each, released together;
    each answer's status, its JSON's `id` and its time."""
    if not jobs:
        return []
    barrier = threading.Barrier(len(jobs))

    def post(job):
        url, body, token = job
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            url, data=body, method="POST", headers={**HEADERS, "Authorization": f"Token {token}"}
        )
        barrier.wait()
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, answer = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, answer = error.code, error.read()
        except OSError as error:
            status, answer = 0, str(error).encode()
        try:
            found = json.loads(answer).get("id")
        except (ValueError, AttributeError):
            found = None
        return {
            "url": url,
            "status": status,
            "id": found,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(post, jobs))


def approval_targets(accepted: list[int], count: int) -> list[int]:
    """`count` approvals: each accepted request once, then again from the first, so that
    some are approved twice in the same wave."""
    if not accepted:
        return []
    return [accepted[i % len(accepted)] for i in range(count)]


def evaluate(requests: list[dict], approvals: list[dict], stored: dict) -> list[str]:
    """Every way the rush went wrong, one sentence each. `stored` holds what the
    database says after both waves: `approved` (amounts of approved disbursements),
    `payments` (amounts of the ledger's payments, reversals aside), `ledger_total`,
    `award_paid`, `award_approved`, `tranche_paid`, `tranche_amount`."""
    failures = []
    errors = sum(1 for answer in requests + approvals if answer["status"] >= 500)
    errors += sum(1 for answer in requests + approvals if not answer["status"])
    if errors:
        failures.append(f"fund rush: {errors} requests failed with a server or network error")
    created = [a for a in requests if a["status"] == 201]
    if len(created) != REQUESTABLE:
        failures.append(
            f"fund rush: {len(created)} of {len(requests)} disbursement requests were accepted,"
            f" expected {REQUESTABLE} (the tranche's room)"
        )
    refused = [a for a in requests if a["status"] not in (201, 409)]
    if refused:
        statuses = sorted({a["status"] for a in refused})
        failures.append(
            f"fund rush: {len(refused)} disbursement requests were answered neither 201"
            f" nor 409 (got {statuses})"
        )
    targets = {}
    for answer in approvals:
        targets.setdefault(answer["url"], []).append(answer["status"])
    twice = [url for url, statuses in targets.items() if statuses.count(200) > 1]
    if twice:
        failures.append(f"fund rush: {len(twice)} disbursements were approved twice")
    unanswered = [url for url, statuses in targets.items() if 200 not in statuses]
    if unanswered:
        failures.append(f"fund rush: {len(unanswered)} requests were never approved")
    odd = [a for a in approvals if a["status"] not in (200, 409)]
    if odd:
        statuses = sorted({a["status"] for a in odd})
        failures.append(
            f"fund rush: {len(odd)} approvals were answered neither 200 nor 409 (got {statuses})"
        )
    approved = stored["approved"]
    if len(approved) != sum(1 for a in approvals if a["status"] == 200):
        failures.append(
            f"fund rush: the database holds {len(approved)} approved disbursements, but"
            f" {sum(1 for a in approvals if a['status'] == 200)} approvals were answered 200"
        )
    if sorted(stored["payments"]) != sorted(approved):
        failures.append(
            f"fund rush: the ledger holds {len(stored['payments'])} payments for"
            f" {len(approved)} approved disbursements"
        )
    paid = sum(approved)
    if not stored["tranche_paid"] == stored["award_paid"] == stored["ledger_total"] == paid:
        failures.append(
            f"fund rush: paid totals disagree: tranche {stored['tranche_paid']:,}, award"
            f" {stored['award_paid']:,}, ledger {stored['ledger_total']:,}, approved {paid:,}"
        )
    if paid > stored["tranche_amount"] or stored["award_paid"] > stored["award_approved"]:
        failures.append(
            f"fund rush: {paid:,} VND paid beyond what was approved"
            f" ({stored['tranche_amount']:,} on the tranche)"
        )
    return failures


def stored_figures(award, tranche) -> dict:
    from django.db.models import Sum

    from fund.enums import DisbursementStatus
    from fund.models import Award, Disbursement, LedgerEntry, Tranche

    award = Award.objects.get(pk=award.pk)
    tranche = Tranche.objects.get(pk=tranche.pk)
    ledger = LedgerEntry.objects.filter(award=award)
    return {
        "approved": list(
            Disbursement.objects.filter(
                award=award, status=DisbursementStatus.APPROVED
            ).values_list("amount_vnd", flat=True)
        ),
        "payments": list(ledger.filter(reverses__isnull=True).values_list("amount_vnd", flat=True)),
        "ledger_total": ledger.aggregate(total=Sum("amount_vnd"))["total"] or 0,
        "award_paid": award.paid_vnd,
        "award_approved": award.approved_vnd,
        "tranche_paid": tranche.paid_vnd,
        "tranche_amount": tranche.amount_vnd,
    }


def run(base: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()

    award, tranche, officer_token, approver_token = prepare()
    url = f"{base}/api/v1/fund/disbursements/"
    requests = fire(
        [
            (
                url,
                json.dumps(
                    {
                        "award": award.pk,
                        "tranche": tranche.pk,
                        "amount_vnd": AMOUNT_VND,
                        "reference": f"UNC-RUSH-{n:03d}",
                    }
                ).encode(),
                officer_token,
            )
            for n in range(REQUESTS)
        ]
    )
    accepted = sorted(answer["id"] for answer in requests if answer["status"] == 201)
    approvals = fire(
        [
            (f"{url}{pk}/approve/", b"", approver_token)
            for pk in approval_targets(accepted, APPROVALS)
        ]
    )
    stored = stored_figures(award, tranche)
    return {
        "award": award.pk,
        "room": REQUESTABLE,
        "amount_vnd": AMOUNT_VND,
        "requests": wave_figures(requests),
        "approvals": wave_figures(approvals) if approvals else None,
        "approved": len(stored["approved"]),
        "paid_vnd": stored["award_paid"],
        "tranche_vnd": stored["tranche_amount"],
        "failures": evaluate(requests, approvals, stored),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the server's URL, without a path")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    result = run(args.base)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
