"""Fixtures for the whole suite: users per role and API clients that log in as them."""

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from portal.roles import Role
from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Between transactional tests Django empties every table with TRUNCATE, which the
    audit trail and the ledger refuse on PostgreSQL unless the session allows it (portal
    migration 0005). Test databases allow it; a test of the refusal turns it off."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c portal.allow_truncate=on".strip()


@pytest.fixture(autouse=True)
def _isolated_cache():
    # Throttle counters and Wagtail's cached site paths must not leak between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    # Query-count tests measure a page's render, which a cache hit would skip;
    # tests/portal/test_page_cache.py turns the cache on (with it on, the rest of the
    # suite also passed: every content change it makes drops the cached pages).
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploads of one test never land in the project folder nor meet another test's.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client sending a real token of that user."""

    def make(user):
        _, token = AuthToken.objects.create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        client.user = user
        return client

    return make


@pytest.fixture
def applicant(db):
    return UserFactory(email="applicant@example.test")


@pytest.fixture
def juror(db):
    return UserFactory(email="juror@example.test", role=Role.JUROR)


@pytest.fixture
def manager(db):
    return UserFactory(email="manager@example.test", role=Role.PROGRAMME_MANAGER)


@pytest.fixture
def officer(db):
    return UserFactory(email="officer@example.test", role=Role.FUND_OFFICER)


@pytest.fixture
def approver(db):
    return UserFactory(email="approver@example.test", role=Role.FINANCE_APPROVER)


@pytest.fixture
def auditor(db):
    return UserFactory(email="auditor@example.test", role=Role.AUDITOR)


@pytest.fixture
def applicant_client(client_for, applicant):
    return client_for(applicant)


@pytest.fixture
def juror_client(client_for, juror):
    return client_for(juror)


@pytest.fixture
def manager_client(client_for, manager):
    return client_for(manager)


@pytest.fixture
def officer_client(client_for, officer):
    return client_for(officer)


@pytest.fixture
def approver_client(client_for, approver):
    return client_for(approver)


@pytest.fixture
def auditor_client(client_for, auditor):
    return client_for(auditor)
