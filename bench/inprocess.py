"""Time every scenario through Django's WSGI handler, in this process.

Run by `python -m bench` in a child process whose environment is the production profile
(DEBUG off, PostgreSQL, Redis cache), after the database was filled:

    python -m bench.inprocess --out results.json [--requests 30] [--warmup 5]

Each request is a WSGI call as gunicorn would make it, behind a TLS proxy; the timing
covers the handler and reading the whole body. Queries are counted with a database
execute wrapper, which costs nothing like DEBUG's query log. A scenario with a memory
budget is requested once more under tracemalloc, after the timed requests.
"""

import argparse
import gc
import io
import json
import math
import os
import statistics
import sys
import time
import tracemalloc
from urllib.parse import urlsplit

MIN_REQUESTS = 30


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with `fraction` of them at or below."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * fraction)) - 1]


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _credentials(scenario, users: dict) -> dict[str, str]:
    """The WSGI environ entries that make the request come from `scenario.who`."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from knox.models import AuthToken

    from bench.scenarios import ANONYMOUS

    if scenario.who == ANONYMOUS:
        return {}
    user = users[scenario.who]
    if scenario.auth == "token":
        _, token = AuthToken.objects.create(user=user)
        return {"HTTP_AUTHORIZATION": f"Token {token}"}
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}


def _environ(path: str, language: str, extra: dict) -> dict:
    parts = urlsplit(path)
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        # As the TLS proxy in front of gunicorn sends it (BEHIND_TLS_PROXY=true).
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ACCEPT_LANGUAGE": language,
        "HTTP_ACCEPT": "text/html,application/json;q=0.9,*/*;q=0.8",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **extra,
    }


def measure(handler, scenario, path: str, environ_extra: dict, *, requests: int, warmup: int):
    from django.db import connection

    statuses = []

    def start_response(status, headers, exc_info=None):
        statuses.append(int(status.split(" ", 1)[0]))

    streamed = []

    def call():
        environ = _environ(path, scenario.language, environ_extra)
        environ["wsgi.input"] = io.BytesIO(b"")
        started = time.perf_counter()
        response = handler(environ, start_response)
        streamed.append(getattr(response, "streaming", False))
        try:
            size = sum(len(chunk) for chunk in response)
        finally:
            if hasattr(response, "close"):
                response.close()
        return (time.perf_counter() - started) * 1000, size

    for _ in range(warmup):
        call()
    # What earlier scenarios left in memory (page objects, caches) must not slow this
    # one's garbage collections: the order of scenarios would change their times.
    gc.collect()
    gc.freeze()
    timings, queries, sizes = [], [], []
    for _ in range(requests):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            elapsed, size = call()
        timings.append(elapsed)
        queries.append(counter.count)
        sizes.append(size)
    memory = None
    if scenario.max_memory_mb is not None:
        # Once more, apart from the timed requests (tracing slows every allocation): the
        # peak growth of the Python heap while the response is produced and read.
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            call()
            memory = round((tracemalloc.get_traced_memory()[1] - baseline) / 2**20, 2)
        finally:
            tracemalloc.stop()
    bad = sorted({status for status in statuses if status != scenario.status})
    return {
        "name": scenario.name,
        "path": path,
        "who": scenario.who,
        "language": scenario.language,
        "requests": requests,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
        # The most frequent count: a one-off (a cache refill) must not hide the usual one.
        "queries": statistics.mode(queries),
        "queries_max": max(queries),
        "bytes": statistics.mode(sizes),
        "status": statuses[-1],
        "unexpected_statuses": bad,
        "max_queries": scenario.max_queries,
        "max_ms": scenario.max_ms,
        "same_queries_as": scenario.same_queries_as,
        "no_slower_than": list(scenario.no_slower_than) if scenario.no_slower_than else None,
        "max_memory_mb": scenario.max_memory_mb,
        "memory_peak_mb": memory,
        "streaming": all(streamed),
        "description": scenario.description,
    }


def run(*, requests: int, warmup: int) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    from bench.scenarios import ANONYMOUS, SCENARIOS, fixtures
    from portal.models import User

    assert not settings.DEBUG, "the bench measures the production profile"  # noqa: S101
    values = fixtures()
    emails = {scenario.who for scenario in SCENARIOS if scenario.who != ANONYMOUS}
    users = {user.email: user for user in User.objects.filter(email__in=emails)}
    missing = emails - users.keys()
    if missing:
        raise LookupError(f"Missing bench users: {', '.join(sorted(missing))}")
    handler = WSGIHandler()
    results = []
    for scenario in SCENARIOS:
        path = scenario.path.format(**values)
        extra = {
            **_credentials(scenario, users),
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in scenario.headers.items()},
        }
        results.append(measure(handler, scenario, path, extra, requests=requests, warmup=warmup))
    return {"fixtures": values, "scenarios": results}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--requests", type=int, default=MIN_REQUESTS)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args(argv)
    if args.requests < 3:  # `python -m bench` asks for MIN_REQUESTS when times count
        parser.error("--requests must be at least 3")
    result = run(requests=args.requests, warmup=args.warmup)
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
