"""factory_boy factories shared by the whole suite."""

from tests.factories.challenges import ChallengeFactory, ChallengePageFactory
from tests.factories.portal import UserFactory
from tests.factories.startups import (
    MembershipFactory,
    OrganizationFactory,
    StartupFactory,
    StartupProfileFactory,
)

__all__ = [
    "ChallengeFactory",
    "ChallengePageFactory",
    "MembershipFactory",
    "OrganizationFactory",
    "StartupFactory",
    "StartupProfileFactory",
    "UserFactory",
]
