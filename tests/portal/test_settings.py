"""Each settings profile, loaded in a fresh interpreter as a server would load it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "-Zq8#vW2!pL5@xR9$mT3%nB7^cF1&hJ4*"
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "portal.example",
    "DATABASE_URL": "postgres://portal@db.internal:5432/portal",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.internal:587",
}

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "tasks": settings.TASKS["default"]["BACKEND"],
    "email": settings.EMAIL_BACKEND,
    "media_root": str(settings.MEDIA_ROOT),
    "language": settings.LANGUAGE_CODE,
    "time_zone": settings.TIME_ZONE,
    "use_tz": settings.USE_TZ,
    "hosts": settings.ALLOWED_HOSTS,
    "secure_cookies": settings.SESSION_COOKIE_SECURE,
}))
"""


def _clean_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_ENV",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "EMAIL_URL",
            "TASKS_BACKEND",
            "MEDIA_ROOT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    env["DJANGO_ENV_FILE"] = ""  # a developer's .env must not change the result
    env.update(overrides)
    return env


def _run(code, **env):
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(**env):
    result = _run(PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_defaults_need_nothing_set():
    loaded = _settings()

    assert loaded["debug"] is True
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["db_name"].endswith("db.sqlite3")
    assert loaded["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"
    assert loaded["email"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["media_root"].endswith("media")
    assert (loaded["language"], loaded["time_zone"], loaded["use_tz"]) == (
        "vi",
        "Asia/Ho_Chi_Minh",
        True,
    )


def test_database_url_switches_to_postgresql_and_redis_url_to_redis():
    loaded = _settings(
        DATABASE_URL="postgres://portal:secret@db.internal:5432/portal",
        REDIS_URL="redis://cache.internal:6379/1",
    )

    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["db_name"] == "portal"
    assert loaded["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert loaded["cache_location"] == "redis://cache.internal:6379/1"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "EMAIL_URL"])
def test_production_requires_its_settings(missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}

    result = _run(PROBE, **env)

    assert result.returncode != 0
    assert f"Set the {missing} environment variable." in result.stderr


def test_production_refuses_debug():
    result = _run(PROBE, **PRODUCTION, DEBUG="true")

    assert result.returncode != 0
    assert "DEBUG cannot be on when DJANGO_ENV=production." in result.stderr


def test_production_turns_debug_off_and_cookies_secure():
    loaded = _settings(**PRODUCTION)

    assert loaded["debug"] is False
    assert loaded["hosts"] == ["portal.example"]
    assert loaded["secure_cookies"] is True
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_env_example_copied_as_env_file_gives_the_defaults(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text((ROOT / ".env.example").read_text())

    assert _settings(DJANGO_ENV_FILE=str(env_file)) == _settings()


def test_env_file_values_apply_but_the_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("REDIS_URL=redis://from-file:6379/0\nDEBUG=false\n")

    loaded = _settings(DJANGO_ENV_FILE=str(env_file), DEBUG="true")

    assert loaded["cache_location"] == "redis://from-file:6379/0"
    assert loaded["debug"] is True


def test_unknown_environment_name_is_refused():
    result = _run(PROBE, DJANGO_ENV="prod")

    assert result.returncode != 0
    assert "DJANGO_ENV must be" in result.stderr


def test_every_variable_the_settings_read_is_documented():
    documented = (ROOT / ".env.example").read_text()
    settings_source = (ROOT / "portal" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', settings_source))

    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_ENV"} <= read
    assert {name for name in read if f"{name}=" not in documented} == set()


def test_check_deploy_reports_no_issues_in_production(tmp_path):
    # A database that does not exist yet, as on a fresh clone before `migrate`.
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_clean_env(**{**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}"}),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_healthz_is_503_when_the_database_is_down():
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz', HTTP_HOST='localhost'); "
        "print(r.status_code, r.content.decode())"
    )
    result = _run(code, DATABASE_URL="postgres://postgres@127.0.0.1:9/unreachable")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        '503 {"status": "error", "database": "unavailable"}'
    )


def test_redis_url_gives_a_working_shared_cache():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis server on 127.0.0.1:6379")
    code = (
        "import django; django.setup(); from django.core.cache import cache; "
        "cache.set('portal-settings-test', 'đồng', 30); print(cache.get('portal-settings-test'))"
        "; cache.delete('portal-settings-test')"
    )
    result = _run(code, REDIS_URL="redis://127.0.0.1:6379/15")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "đồng"


def test_healthz_answers_load_balancers_in_production():
    # Plain HTTP and a bare IP as Host: no redirect to HTTPS, no DisallowedHost.
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz', HTTP_HOST='10.0.0.5'); print(r.status_code)"
    )
    result = _run(code, **{**PRODUCTION, "DATABASE_URL": "sqlite:///:memory:"})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "200"
