from django.urls import path

from challenges.api.views import ChallengeProposalsView, ChallengeViewSet, ProposalViewSet
from challenges.judging.api import AssignmentViewSet, ChallengeRankingView
from portal.api.auth import TokenLoginView, TokenLogoutView
from portal.api.routers import router
from startups.api.views import InvitationViewSet, MeView, OrganizationViewSet

router.register("challenges", ChallengeViewSet, basename="challenge")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("reviews/assignments", AssignmentViewSet, basename="review-assignment")

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="auth-logout"),
    path("me/", MeView.as_view(), name="me"),
    path(
        "challenges/<str:code>/proposals/",
        ChallengeProposalsView.as_view(),
        name="challenge-proposals",
    ),
    path(
        "challenges/<str:code>/ranking/",
        ChallengeRankingView.as_view(),
        name="challenge-ranking",
    ),
    *router.urls,
]
