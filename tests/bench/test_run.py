"""The whole benchmark, at its smallest scale, so that it cannot rot: the same run as
`make bench` (its own throwaway PostgreSQL database, Redis, gunicorn and wrk), with
time budgets off since this machine is busy running the suite."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from bench.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_the_whole_benchmark_runs_and_meets_its_query_budgets(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark runs on PostgreSQL; it runs in the PostgreSQL pass")
    _require_outside_ci("wrk", shutil.which("wrk") is not None)
    _require_outside_ci("Redis", _redis_answers())
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    command = [sys.executable, "-m", "bench", "--scale=0.05", "--requests=5", "--warmup=1"]
    command += ["--http-seconds=1", "--no-time-budgets", f"--results-dir={tmp_path}"]

    result = subprocess.run(  # noqa: S603 - our own interpreter and scripts
        [sys.executable, "scripts/with_postgres.py", "--required", "--", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Every query budget met" in result.stdout
    figures = json.loads((tmp_path / "latest.json").read_text())
    measured = {row["name"]: row for row in figures["scenarios"]}
    assert set(measured) == {scenario.name for scenario in SCENARIOS}
    for scenario in SCENARIOS:
        row = measured[scenario.name]
        assert row["requests"] == 5
        assert row["status"] == scenario.status and not row["unexpected_statuses"]
        assert 0 < row["queries"] <= scenario.max_queries
        assert row["median_ms"] > 0 and row["bytes"] > 0
    http = figures["http"]
    assert [target["name"] for target in http["targets"]][:2] == ["static", "healthz"]
    assert all(t["requests"] > 0 and t["errors"] == 0 for t in http["targets"])
    # The HTTP pass serves with the page cache on: every cached page was a hit.
    cached = {scenario.name for scenario in SCENARIOS if scenario.cached}
    assert cached and {t["name"] for t in http["targets"] if t["x_cache"] == "hit"} == cached
    assert len(http["memory"]) == 2 and all(w["peak_rss_mib"] > 0 for w in http["memory"])
    rush = http["rush"]
    assert rush["failures"] == []
    assert rush["on_time"]["statuses"] == {"200": 50} and rush["late"]["statuses"] == {"409": 50}
    assert (rush["submitted"], rush["references"], rush["drafts"]) == (50, 50, 50)
    # Fifty disbursement requests against room for thirty, then fifty approvals: nothing
    # paid beyond the tranche, no 5xx.
    fund_rush = http["fund_rush"]
    assert fund_rush["failures"] == []
    assert fund_rush["requests"]["statuses"] == {"201": 30, "409": 20}
    assert fund_rush["approvals"]["statuses"] == {"200": 30, "409": 20}
    assert fund_rush["paid_vnd"] <= fund_rush["tranche_vnd"]
    export = measured["admin.proposals.csv"]
    assert export["streaming"] and 0 < export["memory_peak_mb"] < 50


def _redis_answers() -> bool:
    import redis

    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=3).ping())
    except redis.RedisError:
        return False


def _require_outside_ci(what: str, present: bool) -> None:
    # `make test` provides both (wrk from Debian, Redis on the machine); under CI a missing
    # one is a failure, elsewhere a reason to skip.
    if present:
        return
    message = f"the benchmark needs {what}; `make test` installs wrk, the machine runs Redis"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)
