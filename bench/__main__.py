"""Run the whole benchmark against the PostgreSQL database named by DATABASE_URL.

    python scripts/with_postgres.py --required -- python -m bench [--scale N]

(`make bench` does exactly that, on a throwaway database.) Steps: migrate and fill the
database (`manage.py bench_data`, on the development profile, which allows it), collect
static files, time every scenario in process on the production profile (page cache off:
renders are measured), load-test the key paths through gunicorn (page cache on, as
deployed), submit to a call around its deadline there (`bench.rush`) and request and
approve disbursements against one award all at once (`bench.fund_rush`),
print the table, write it as JSON under bench/results/, and exit non-zero when a budget
is broken.
"""

import argparse
import json
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import http, report
from bench.inprocess import MIN_REQUESTS

PROJECT = Path(__file__).resolve().parent.parent
RESULTS = PROJECT / "bench" / "results"
# The scale the time budgets in bench/scenarios.py are set for.
BUDGET_SCALE = 1
# Settings of the developer's shell that must not leak into either profile.
OWN_SETTINGS = {
    "DJANGO_ENV",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "STATIC_ROOT",
    "MEDIA_ROOT",
    "EMAIL_URL",
    "SECURE_SSL_REDIRECT",
    "BEHIND_TLS_PROXY",
    "THROTTLE_ANON",
    "THROTTLE_USER",
    "LOG_LEVEL",
    "TASKS_BACKEND",
    "PAGE_CACHE_ENABLED",
    "PAGE_CACHE_SECONDS",
}


def _environments(*, database_url: str, redis_url: str, workdir: Path, prefix: str):
    base = {key: value for key, value in os.environ.items() if key not in OWN_SETTINGS}
    base.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_ENV_FILE="",
        DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    development = {**base, "DJANGO_ENV": "development"}
    production = {
        **base,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Kept in each process's memory: the rush's receipts go nowhere and print nothing.
        "EMAIL_URL": "memorymail://",
        "REDIS_URL": redis_url,
        "CACHE_KEY_PREFIX": prefix,
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        # As deployed: TLS ends at a proxy of ours that says so in X-Forwarded-Proto.
        "BEHIND_TLS_PROXY": "true",
        # The throttles still run (a cache round trip per request) but never refuse the
        # benchmark, which sends far more than a person would from one address.
        "THROTTLE_ANON": "100000000/min",
        "THROTTLE_USER": "100000000/min",
        "LOG_LEVEL": "ERROR",
        # Renders are what the scenarios measure; the cache's own pass comes later.
        "PAGE_CACHE_ENABLED": "false",
    }
    # The HTTP pass serves as deployed, anonymous pages from the whole-page cache.
    served = {**production, "PAGE_CACHE_ENABLED": "true"}
    return development, production, served


def _manage(*arguments: str, env: dict) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", *arguments], cwd=PROJECT, env=env, check=True
    )


def _redis_check(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise SystemExit(f"The production profile needs Redis at {url}: {error}") from error


def _redis_forget(url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):
        client.delete(key)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("BENCH_SCALE") or 1),
        help="data set size; 1 (the default, or BENCH_SCALE) is what the budgets are for",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--requests", type=int, default=40, help="timed requests per scenario (30 or more)"
    )
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--http-seconds", type=int, default=5, help="load per HTTP path")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn pass")
    parser.add_argument(
        "--no-time-budgets",
        action="store_true",
        help="fail on query budgets and errors only (for the smoke test at a tiny scale)",
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    # Medians of fewer requests say little; the smoke test checks queries and errors only.
    least = 3 if args.no_time_budgets else MIN_REQUESTS
    if args.requests < least:
        parser.error(f"--requests must be at least {least}")
    if args.scale <= 0:
        parser.error("--scale must be greater than 0")
    if args.http_seconds < 1:
        parser.error("--http-seconds must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print(
            "The benchmark runs on PostgreSQL: use `make bench`, or set DATABASE_URL to an "
            "empty PostgreSQL database.",
            file=sys.stderr,
        )
        return 2
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    _redis_check(redis_url)
    prefix = f"bench-{secrets.token_hex(4)}"
    phases = {}
    started = time.perf_counter()

    def phase(name, func, *a, **kw):
        print(f"== {name}", flush=True)
        began = time.perf_counter()
        result = func(*a, **kw)
        phases[name] = time.perf_counter() - began
        return result

    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        workdir = Path(workdir)
        development, production, served = _environments(
            database_url=database_url, redis_url=redis_url, workdir=workdir, prefix=prefix
        )
        try:
            phase("migrate", _manage, "migrate", "--noinput", "-v0", env=development)
            phase(
                "data",
                _manage,
                "bench_data",
                f"--scale={args.scale:g}",
                f"--seed={args.seed}",
                env=development,
            )
            phase("collectstatic", _manage, "collectstatic", "--noinput", "-v0", env=production)
            out = workdir / "inprocess.json"
            phase(
                "in-process",
                subprocess.run,
                [
                    sys.executable,
                    "-m",
                    "bench.inprocess",
                    f"--out={out}",
                    f"--requests={args.requests}",
                    f"--warmup={args.warmup}",
                ],
                cwd=PROJECT,
                env=production,
                check=True,
            )
            measured = json.loads(out.read_text())
            http_result = None
            if not args.no_http:
                by_name = {result["name"]: result for result in measured["scenarios"]}
                targets = [
                    {
                        "name": "static",
                        "path": http.static_path(workdir / "static"),
                        "language": "vi",
                    }
                ]
                targets += [
                    {
                        "name": s.name,
                        "path": by_name[s.name]["path"],
                        "language": s.language,
                        "cached": s.cached,
                    }
                    for s in _http_scenarios()
                ]
                http_result = phase(
                    "http",
                    http.run,
                    targets=targets,
                    env=served,
                    seconds=args.http_seconds,
                    project=PROJECT,
                    rush=lambda base: _rush(base, env=production, out=workdir / "rush.json"),
                    fund_rush=lambda base: _rush(
                        base,
                        env=production,
                        out=workdir / "fund_rush.json",
                        module="bench.fund_rush",
                    ),
                )
        finally:
            _redis_forget(redis_url, prefix)

    phases["total"] = time.perf_counter() - started
    # Time budgets are set for the default scale; elsewhere medians over them are shown
    # as slow without failing the run. Query budgets hold at every scale.
    time_budgets = args.scale == BUDGET_SCALE and not args.no_time_budgets
    failures = report.check(measured["scenarios"], time_budgets=time_budgets)
    failures += report.check_http(http_result, time_budgets=time_budgets)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "seed": args.seed,
        "requests": args.requests,
        "floor": "healthz",
        "time_budgets": time_budgets,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "fixtures": measured["fixtures"],
        "scenarios": measured["scenarios"],
        "http": http_result,
        "phases": {name: round(seconds, 1) for name, seconds in phases.items()},
        "failures": failures,
    }
    print()
    print(report.render(result))
    args.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(result, ensure_ascii=False, indent=2)
    (args.results_dir / f"bench-{stamp}.json").write_text(text, encoding="utf-8")
    (args.results_dir / "latest.json").write_text(text, encoding="utf-8")
    saved = args.results_dir / "latest.json"
    print(f"\nFigures saved in {os.path.relpath(saved)}")
    return 1 if failures else 0


def _rush(base: str, *, env: dict, out: Path, module: str = "bench.rush") -> dict:
    """Run a rush module (`bench.rush`, `bench.fund_rush`) against the server at `base`."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module, f"--base={base}", f"--out={out}"],
        cwd=PROJECT,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        name = module.rsplit(".", 1)[-1].replace("_", " ")
        return {"failures": [f"{name}: {module} failed; see its output above"]}
    return json.loads(out.read_text())


def _http_scenarios():
    from bench.scenarios import SCENARIOS

    return [scenario for scenario in SCENARIOS if scenario.http]


if __name__ == "__main__":
    sys.exit(main())
