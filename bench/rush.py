"""The deadline rush, over HTTP: a hundred organisations submit to one call around its
deadline.

Run by `python -m bench` while gunicorn serves the bench database (see `bench.http`),
in a child process on the same profile, since it makes its rows through the ORM:

    python -m bench.rush --base http://127.0.0.1:PORT --out rush.json

It makes a call whose deadline is a few seconds away and 100 organisations, each with
one member (e-mail verified, an API token) and one complete draft. Half of them submit
at once, well before the deadline; once it has passed, the other half do. Every on-time
submission must be answered 200 with its reference and every late one 409, none 5xx,
and the database must then hold exactly as many submitted proposals as were on time,
each with its own reference, and the late ones still drafts.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from bench.inprocess import percentile

ON_TIME = 50
LATE = 50
# From the moment the deadline is set to the deadline itself: the on-time wave is sent
# at once and must be answered well within it, even on a slow machine.
DEADLINE_IN_S = 5.0
# The late wave goes this long after the deadline.
LATE_BY_S = 1.0
# A serial range of tax codes (`bench.data.bench_tax_codes`) the data set never reaches.
TAX_CODE_SERIALS = 1_900_000
HEADERS = {"X-Forwarded-Proto": "https", "Host": "127.0.0.1", "Accept": "application/json"}


def prepare(count: int):
    """The call (its deadline an hour away until `set_deadline`) and `count` complete
    drafts, each of its own organisation; returns the challenge and [(proposal id, API
    token)]."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.utils import timezone
    from knox.models import AuthToken

    from bench.data import bench_tax_codes
    from challenges.enums import ChallengeKind, Sector
    from challenges.models import Challenge, Proposal, Track
    from portal.models import User
    from startups.enums import MembershipRole, OrganizationKind
    from startups.enums import Sector as OrgSector
    from startups.models import Membership, Organization

    now = timezone.now()
    run = secrets.token_hex(3).upper()  # the database is shared: one code per run
    challenge = Challenge.objects.create(
        code=f"RUSH-{run}",
        kind=ChallengeKind.STARTUP_CONTEST,
        sector=Sector.STARTUPS,
        title="Cuộc thi khởi nghiệp: hạn nộp sát giờ",
        summary="Một trăm doanh nghiệp nộp hồ sơ trong những giây cuối.",
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(hours=1),
        is_published=True,
        eligible_kinds=[OrganizationKind.STARTUP],
        budget_ceiling_vnd=2_000_000_000,
    )
    track = Track.objects.create(
        challenge=challenge, code="startup", name="Khởi nghiệp", name_en="Startups"
    )
    users = User.objects.bulk_create(
        User(
            email=f"rush-{run.lower()}-{n:03d}@bench.example",
            full_name=f"Người nộp {n:03d}",
            password=UNUSABLE_PASSWORD_PREFIX,
        )
        for n in range(count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    tax_codes = bench_tax_codes(start=TAX_CODE_SERIALS)
    organizations = Organization.objects.bulk_create(
        Organization(
            kind=OrganizationKind.STARTUP,
            legal_name=f"Công ty TNHH Khởi nghiệp Nước rút {run} {n:03d}",
            tax_code=next(tax_codes),
            sector=OrgSector.SOFTWARE,
        )
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(organization=organization, user=user, role=MembershipRole.OWNER)
        for organization, user in zip(organizations, users, strict=True)
    )
    drafts = Proposal.objects.bulk_create(
        Proposal(
            challenge=challenge,
            track=track,
            organization=organization,
            author=user,
            title=f"Nền tảng số cho làng nghề {n:03d}",
            summary="Kết nối làng nghề với thương mại điện tử.",
            description="## Giải pháp\n\nMột sàn giao dịch cho sản phẩm làng nghề.",
            budget_vnd=900_000_000,
            duration_months=12,
        )
        for n, (organization, user) in enumerate(zip(organizations, users, strict=True))
    )
    tokens = [AuthToken.objects.create(user=user)[1] for user in users]
    return challenge, [(draft.pk, token) for draft, token in zip(drafts, tokens, strict=True)]


def set_deadline(challenge, seconds: float):
    """Move the call's deadline to `seconds` from now; returns it as a Unix time."""
    from django.utils import timezone

    challenge.closes_at = timezone.now() + timedelta(seconds=seconds)
    challenge.save(update_fields=["closes_at"])
    return challenge.closes_at.timestamp()


def fire(base: str, jobs: list[tuple[int, str]]) -> list[dict]:
    """POST every draft's submit at once, one thread each, released together."""
    barrier = threading.Barrier(len(jobs))

    def submit(job):
        pk, token = job
        request = urllib.request.Request(  # noqa: S310 - our own server on loopback
            f"{base}/api/v1/proposals/{pk}/submit/",
            data=b"",
            method="POST",
            headers={**HEADERS, "Authorization": f"Token {token}"},
        )
        barrier.wait()
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except OSError as error:
            status, body = 0, str(error).encode()
        answered = time.time()
        try:
            reference = json.loads(body).get("reference")
        except (ValueError, AttributeError):
            reference = None
        return {
            "proposal": pk,
            "status": status,
            "reference": reference,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "answered_at": answered,
        }

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(submit, jobs))


def wave_figures(answers: list[dict]) -> dict:
    latencies = [answer["ms"] for answer in answers]
    statuses = {}
    for answer in answers:
        statuses[str(answer["status"])] = statuses.get(str(answer["status"]), 0) + 1
    return {
        "requests": len(answers),
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": percentile(latencies, 0.99),
    }


def evaluate(on_time: list[dict], late: list[dict], stored: dict[int, tuple]) -> list[str]:
    """Every way the rush went wrong, one sentence each. `stored` maps each proposal's
    id to its (status, reference) in the database after both waves."""
    failures = []
    errors = sum(1 for answer in on_time + late if answer["status"] >= 500 or not answer["status"])
    if errors:
        failures.append(f"rush: {errors} submissions failed with a server or network error")
    refused = [a for a in on_time if a["status"] != 200 or not a["reference"]]
    if refused:
        statuses = sorted({a["status"] for a in refused})
        failures.append(
            f"rush: {len(refused)} of {len(on_time)} on-time submissions were not answered"
            f" 200 with a reference (got {statuses})"
        )
    accepted = [a for a in late if a["status"] != 409]
    if accepted:
        statuses = sorted({a["status"] for a in accepted})
        failures.append(
            f"rush: {len(accepted)} of {len(late)} late submissions were not refused with 409"
            f" (got {statuses})"
        )
    submitted = {pk: ref for pk, (status, ref) in stored.items() if status == "submitted"}
    drafts = sum(1 for status, _ref in stored.values() if status == "draft")
    references = {ref for ref in submitted.values() if ref}
    if len(submitted) != len(on_time) or len(references) != len(on_time):
        failures.append(
            f"rush: the database holds {len(submitted)} submitted proposals with"
            f" {len(references)} distinct references, expected {len(on_time)}"
        )
    if drafts != len(late):
        failures.append(f"rush: {drafts} drafts left in the database, expected {len(late)}")
    told = {a["proposal"]: a["reference"] for a in on_time if a["reference"]}
    wrong = [pk for pk, ref in told.items() if submitted.get(pk) != ref]
    if wrong:
        failures.append(f"rush: {len(wrong)} answers gave a reference the database does not hold")
    return failures


def run(base: str) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from challenges.models import Proposal

    challenge, jobs = prepare(ON_TIME + LATE)
    deadline = set_deadline(challenge, DEADLINE_IN_S)
    started = time.time()
    on_time = fire(base, jobs[:ON_TIME])
    last_on_time = max(answer["answered_at"] for answer in on_time)
    time.sleep(max(0.0, deadline + LATE_BY_S - time.time()))
    late_started = time.time()
    late = fire(base, jobs[ON_TIME:])
    stored = {
        pk: (status, reference)
        for pk, status, reference in Proposal.objects.filter(challenge=challenge).values_list(
            "pk", "status", "reference"
        )
    }
    failures = evaluate(on_time, late, stored)
    margin = deadline - last_on_time
    if margin < 0:
        failures.append(
            f"rush: the on-time wave was answered {-margin:.1f} s after the deadline; this"
            f" machine needs more than DEADLINE_IN_S = {DEADLINE_IN_S:g} s for {ON_TIME}"
        )
    return {
        "challenge": challenge.code,
        "deadline_in_s": DEADLINE_IN_S,
        # How long before the deadline the last on-time answer came, and how long after
        # it the late wave was sent.
        "on_time_margin_s": round(margin, 2),
        "late_by_s": round(late_started - deadline, 2),
        "on_time_wall_s": round(last_on_time - started, 2),
        "on_time": wave_figures(on_time),
        "late": wave_figures(late),
        "submitted": sum(1 for status, _ref in stored.values() if status == "submitted"),
        "references": len({ref for status, ref in stored.values() if status == "submitted"}),
        "drafts": sum(1 for status, _ref in stored.values() if status == "draft"),
        "failures": failures,
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
