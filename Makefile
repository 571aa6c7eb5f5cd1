# The two commands a new user needs: `make run` and `make test`.
# Both set everything up from a fresh clone on a machine with Python 3.11.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test bench install browser wrk lint check-migrations check-deploy test-sqlite test-postgres messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changes.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

run: install messages
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Debian's chromium for the browser tests; Playwright never downloads a browser here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's wrk, the load generator of the benchmark's HTTP pass.
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing Debian's wrk for the benchmark"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

check-migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# The production profile must pass Django's deployment checklist with no warnings.
check-deploy: install
	DJANGO_ENV=production ALLOWED_HOSTS=portal.example DJANGO_ENV_FILE= \
	DATABASE_URL=postgres://portal@db.invalid:5432/portal EMAIL_URL=smtp+tls://mail.invalid:587 \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Compiled translations are built, not committed (Babel: no system gettext needed): the
# project's catalogue and portal's own one (Vietnamese for django-allauth's messages).
messages: install
	$(BIN)/pybabel compile --statistics -D django -d locale
	$(BIN)/pybabel compile --statistics -D django -d vendor_locale

# Tests read no .env file: a developer's settings must not change what is tested.
test-sqlite: install browser wrk messages
	env -u DATABASE_URL -u REDIS_URL DJANGO_ENV_FILE= $(BIN)/python -m pytest $(PYTEST_ARGS)

# A throwaway PostgreSQL database for this run; skipped when none is reachable,
# except under CI=true where a missing PostgreSQL fails the run.
test-postgres: install browser wrk messages
	env -u REDIS_URL DJANGO_ENV_FILE= $(BIN)/python scripts/with_postgres.py -- \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# The two passes run side by side (their databases, media and servers are their own);
# each one's output is printed whole when it ends.
test: lint check-migrations check-deploy
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Every page and endpoint at scale on the production profile, in a throwaway PostgreSQL
# database (README, "Benchmarks"). BENCH_SCALE=10 make bench for ten times the data.
bench: install wrk messages
	env -u REDIS_URL DJANGO_ENV_FILE= $(BIN)/python scripts/with_postgres.py --required -- \
		$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache media/ staticfiles/ db.sqlite3
