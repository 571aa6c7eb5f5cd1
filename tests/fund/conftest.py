"""Fixtures of the fund's tests: an applicant's organisation, applications in a given
state, and awards made through the services."""

import pytest
from allauth.account.models import EmailAddress
from django.utils import translation

from fund import services
from fund.enums import ApplicationStatus
from portal.roles import Role
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.fund import FundApplicationFactory, tranche_plan


@pytest.fixture(autouse=True)
def _english():
    """The services' messages are checked in English; the Vietnamese catalogue would
    answer otherwise (the default language)."""
    with translation.override("en"):
        yield


def verified(user):
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )
    user.__dict__.pop("_email_verified", None)
    return user


@pytest.fixture
def member(db):
    return verified(UserFactory(email="thanh.vien@example.test"))


@pytest.fixture
def organization(member):
    return OrganizationFactory(owner=member, verified=True)


@pytest.fixture
def second_approver(db):
    return UserFactory(email="approver2@example.test", role=Role.FINANCE_APPROVER)


@pytest.fixture
def application_in(organization, member):
    """`application_in(status, **fields)`: the organisation's application in that state."""

    def make(status=ApplicationStatus.DRAFT, **fields):
        fields.setdefault("organization", organization)
        fields.setdefault("created_by", member)
        return FundApplicationFactory(status=status, **fields)

    return make


def approve(officer, application, *amounts, note="Hội đồng thông qua"):
    """Approve an application in committee with tranches of these amounts."""
    return services.application_decide(
        application,
        actor=officer,
        decision="approve",
        approved_vnd=sum(amounts),
        tranches=tranche_plan(*amounts),
        conditions="Báo cáo tiến độ hằng quý.",
        note=note,
    )


@pytest.fixture
def award(officer, application_in):
    """1,000,000,000 VND approved in two tranches (600 and 400 million), milestones not met."""
    application = application_in(ApplicationStatus.COMMITTEE, requested_vnd=1_500_000_000)
    return approve(officer, application, 600_000_000, 400_000_000)
