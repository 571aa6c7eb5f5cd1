"""factory_boy factories shared by the whole suite."""

from tests.factories.challenges import ChallengeFactory, ChallengePageFactory
from tests.factories.portal import UserFactory

__all__ = ["ChallengeFactory", "ChallengePageFactory", "UserFactory"]
