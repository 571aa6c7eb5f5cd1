"""The deadline rush of the benchmark's HTTP pass: its drafts, its requests and its
verdict."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied

from bench.rush import evaluate, fire, prepare, set_deadline, wave_figures
from challenges import services
from challenges.enums import ProposalStatus
from challenges.models import Proposal
from portal.errors import Conflict


def _answer(pk, status, reference=None, ms=10.0):
    return {"proposal": pk, "status": status, "reference": reference, "ms": ms}


def _rush(on_time=3, late=2):
    """Answers and database rows of a rush that went as it should."""
    answers = [_answer(pk, 200, f"R-{pk:04d}") for pk in range(1, on_time + 1)]
    refused = [_answer(pk, 409) for pk in range(on_time + 1, on_time + late + 1)]
    stored = {a["proposal"]: ("submitted", a["reference"]) for a in answers}
    stored |= {a["proposal"]: ("draft", None) for a in refused}
    return answers, refused, stored


def test_a_rush_that_went_as_it_should_has_no_failures():
    assert evaluate(*_rush()) == []


def test_an_on_time_submission_refused_fails():
    on_time, late, stored = _rush()
    on_time[0] = _answer(1, 409)
    stored[1] = ("draft", None)

    failures = evaluate(on_time, late, stored)

    assert (
        "rush: 1 of 3 on-time submissions were not answered 200 with a reference (got [409])"
        in (failures)
    )
    assert (
        "rush: the database holds 2 submitted proposals with 2 distinct references, expected 3"
        in (failures)
    )
    assert "rush: 3 drafts left in the database, expected 2" in failures


def test_a_late_submission_accepted_fails():
    on_time, late, stored = _rush()
    late[0] = _answer(4, 200, "R-0004")
    stored[4] = ("submitted", "R-0004")

    failures = evaluate(on_time, late, stored)

    assert failures[0] == "rush: 1 of 2 late submissions were not refused with 409 (got [200])"
    assert len(failures) == 3  # and the database holds one submission too many, one draft short


def test_server_errors_and_dropped_connections_fail():
    on_time, late, stored = _rush()
    late[1] = _answer(5, 502)
    on_time[2] = _answer(3, 0)

    failures = evaluate(on_time, late, stored)

    assert failures[0] == "rush: 2 submissions failed with a server or network error"


def test_duplicate_references_and_answers_the_database_contradicts_fail():
    on_time, late, stored = _rush()
    stored[2] = ("submitted", "R-0001")

    failures = evaluate(on_time, late, stored)

    assert failures == [
        "rush: the database holds 3 submitted proposals with 2 distinct references, expected 3",
        "rush: 1 answers gave a reference the database does not hold",
    ]


def test_wave_figures_count_answers_per_status_with_nearest_rank_latencies():
    answers = [_answer(n, 200, ms=float(n)) for n in range(1, 100)] + [_answer(100, 409, ms=500.0)]

    figures = wave_figures(answers)

    assert figures == {
        "requests": 100,
        "statuses": {"200": 99, "409": 1},
        "p50_ms": 50.5,
        "p99_ms": 99.0,
    }


@pytest.mark.django_db
def test_its_drafts_are_complete_until_the_deadline_passes():
    challenge, jobs = prepare(3)
    drafts = {
        p.pk: p for p in Proposal.objects.select_related("author").filter(challenge=challenge)
    }
    assert sorted(drafts) == sorted(pk for pk, _token in jobs)
    assert len({token for _pk, token in jobs}) == 3

    # The services' own checks: eligible, e-mail verified, complete, one per organisation.
    first = drafts[jobs[0][0]]
    sent = services.proposal_submit(actor=first.author, proposal=first)
    assert sent.status == ProposalStatus.SUBMITTED and sent.reference.startswith("RUSH-")
    second = drafts[jobs[1][0]]
    with pytest.raises(PermissionDenied):
        services.proposal_submit(actor=first.author, proposal=second)

    set_deadline(challenge, -1)
    with pytest.raises(Conflict):
        services.proposal_submit(actor=second.author, proposal=second)
    assert Proposal.objects.filter(challenge=challenge, status=ProposalStatus.DRAFT).count() == 2


class _Submit(BaseHTTPRequestHandler):
    """Answers a submit as the API does: 200 with a reference for even ids, 409 for odd,
    after a pause, counting how many requests it holds at once."""

    lock = threading.Lock()
    in_flight = 0
    most = 0

    def do_POST(self):  # noqa: N802 - the name http.server calls
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        time.sleep(0.5)
        pk = int(self.path.split("/")[-3])
        ok = pk % 2 == 0 and self.headers["Authorization"] == f"Token t{pk}"
        body = json.dumps({"reference": f"R-{pk}"} if ok else {"detail": "late"}).encode()
        with cls.lock:
            cls.in_flight -= 1
        self.send_response(200 if ok else 409)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # the default of 5 would make the later clients wait


def test_fire_sends_every_submission_at_once_and_reads_each_answer():
    _Submit.most = 0
    server = _Server(("127.0.0.1", 0), _Submit)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        answers = fire(base, [(pk, f"t{pk}") for pk in range(1, 11)])
    finally:
        server.shutdown()
        server.server_close()

    assert [(a["proposal"], a["status"], a["reference"]) for a in answers] == [
        (pk, 200, f"R-{pk}") if pk % 2 == 0 else (pk, 409, None) for pk in range(1, 11)
    ]
    # Released together by the barrier (one at a time, the server would hold one).
    assert _Submit.most >= 5
    assert all(a["ms"] >= 500 for a in answers)
