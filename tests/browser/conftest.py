"""Playwright driving Debian's chromium against pytest-django's live server.

Never downloads a browser: the Makefile installs Debian's `chromium` package.
"""

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{CHROMIUM} is missing; `make test` installs Debian's chromium.")
        pytest.skip(f"{CHROMIUM} is missing; run `make test` to install it.")
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API is running it keeps an event loop in this thread, and
    # Django then refuses every synchronous ORM call of the tests (and their database
    # teardown). The flag lives exactly as long as the browser.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    # Django keeps the database contents that `serialized_rollback` restores on the
    # connection object, and connections are context-local: once Playwright runs, the
    # tests see new connection objects without them, and every transactional test after
    # the first would start from an empty database. Hand the contents over.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    try:
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
