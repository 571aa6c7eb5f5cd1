"""Run a command against a throwaway PostgreSQL database, then drop it.

    python scripts/with_postgres.py [--required] -- python -m pytest

The server is TEST_POSTGRES_URL (default: the local server, user postgres). The command
gets DATABASE_URL pointing at a new, uniquely named database; pytest-django creates its
own test_<name> databases beside it. Everything named after it is dropped at the end.
When no server answers, the run is skipped, except with CI=true or --required, where it
fails.
"""

import os
import secrets
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print(__doc__, file=sys.stderr)
        return 2
    options, command = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    if set(options) - {"--required"}:
        print(__doc__, file=sys.stderr)
        return 2
    server = os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER)
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    required = in_ci or "--required" in options

    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[0]
        if required:
            why = "under CI" if in_ci else "for this command"
            print(f"PostgreSQL is required {why} but unreachable: {reason}", file=sys.stderr)
            return 1
        print(f"Skipping the PostgreSQL run: no server at {server} ({reason}).")
        return 0

    name = f"portal_ci_{secrets.token_hex(4)}"
    parts = urlsplit(server)
    database_url = urlunsplit(parts._replace(path=f"/{name}"))
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            print(f"Running on PostgreSQL database {name}", flush=True)
            env = {**os.environ, "DATABASE_URL": database_url}
            return subprocess.run(command, env=env, check=False).returncode  # noqa: S603
        finally:
            leftovers = admin.execute(
                "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
                [name, f"test_{name}%"],
            ).fetchall()
            for (database,) in leftovers:
                admin.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database)
                    )
                )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
