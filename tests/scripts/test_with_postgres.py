"""The throwaway-database runner that `make test` uses for the PostgreSQL run."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "with_postgres.py"
NOWHERE = "postgres://postgres@127.0.0.1:9/postgres"  # the discard port: nothing listens
LOCAL = "postgres://postgres@127.0.0.1:5432/postgres"


def _run(*command, options=(), **env):
    return subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(SCRIPT), *options, "--", *command],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_server_the_run_is_skipped():
    result = _run(sys.executable, "-c", "raise SystemExit(3)", TEST_POSTGRES_URL=NOWHERE, CI="")

    assert result.returncode == 0
    assert "Skipping the PostgreSQL run" in result.stdout


def test_without_a_server_ci_fails():
    result = _run(sys.executable, "-c", "pass", TEST_POSTGRES_URL=NOWHERE, CI="true")

    assert result.returncode == 1
    assert "PostgreSQL is required under CI" in result.stderr


def test_without_a_server_a_required_run_fails_outside_ci_too():
    result = _run(
        sys.executable, "-c", "pass", options=["--required"], TEST_POSTGRES_URL=NOWHERE, CI=""
    )

    assert result.returncode == 1
    assert "PostgreSQL is required for this command" in result.stderr


def test_an_unknown_option_is_refused_before_anything_runs():
    result = _run(sys.executable, "-c", "raise SystemExit(7)", options=["--keep"])

    assert result.returncode == 2
    assert "usage" in result.stderr.lower() or "with_postgres.py" in result.stderr


def test_the_command_gets_a_fresh_database_that_is_dropped_afterwards():
    try:
        psycopg.connect(LOCAL, connect_timeout=3).close()
    except psycopg.OperationalError:
        pytest.skip("no local PostgreSQL server")
    probe = "import os; print(os.environ['DATABASE_URL']); raise SystemExit(7)"

    result = _run(sys.executable, "-c", probe, TEST_POSTGRES_URL=LOCAL)

    assert result.returncode == 7  # the command's own exit status
    url = result.stdout.strip().splitlines()[-1]
    name = url.rsplit("/", 1)[1]
    assert name.startswith("portal_ci_")
    with psycopg.connect(LOCAL) as connection:
        left = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        assert left.fetchone() is None
