"""Fixtures of the fund API's tests: clients for a member and an outsider, and the
paths of the contract."""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import OrganizationFactory, UserFactory
from tests.fund.conftest import verified

API = "/api/v1/fund"
CALLS = f"{API}/calls/"
APPLICATIONS = f"{API}/applications/"
AWARDS = f"{API}/awards/"
DISBURSEMENTS = f"{API}/disbursements/"
POSITION = f"{API}/position/"


def application_url(application, suffix=""):
    return f"{APPLICATIONS}{application.pk}/{suffix}"


def award_url(award):
    return f"{AWARDS}{award.pk}/"


def disbursement_url(disbursement, suffix=""):
    return f"{DISBURSEMENTS}{disbursement.pk}/{suffix}"


def milestone_url(tranche):
    return f"{API}/tranches/{tranche.pk}/milestone-met/"


def reverse_url(entry):
    return f"{API}/ledger/{entry.pk}/reverse/"


@pytest.fixture
def client_for():
    """`client_for(user)`: an API client sending a real token of that user, asking for
    English (messages are compared in English; the default language is Vietnamese)."""

    def make(user):
        _, token = AuthToken.objects.create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE="en")
        client.user = user
        return client

    return make


@pytest.fixture
def anon_client():
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


@pytest.fixture
def member_client(client_for, member):
    return client_for(member)


@pytest.fixture
def outsider(db):
    """A verified member of another organisation."""
    user = verified(UserFactory(email="nguoi.ngoai@example.test"))
    OrganizationFactory(owner=user, verified=True)
    return user


@pytest.fixture
def outsider_client(client_for, outsider):
    return client_for(outsider)
