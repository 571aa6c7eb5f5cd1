from django.urls import path

from challenges.api.views import ChallengeProposalsView, ChallengeViewSet, ProposalViewSet
from challenges.judging.api import AssignmentViewSet, ChallengeRankingView
from fund.api.views import (
    AwardViewSet,
    DisbursementViewSet,
    FundApplicationViewSet,
    FundingCallViewSet,
    FundPositionView,
    LedgerEntryViewSet,
    TrancheViewSet,
)
from portal.api.auth import TokenLoginView, TokenLogoutView
from portal.api.routers import router
from startups.api.views import InvitationViewSet, MeView, OrganizationViewSet

router.register("challenges", ChallengeViewSet, basename="challenge")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("proposals", ProposalViewSet, basename="proposal")
router.register("reviews/assignments", AssignmentViewSet, basename="review-assignment")
router.register("fund/calls", FundingCallViewSet, basename="fund-call")
router.register("fund/applications", FundApplicationViewSet, basename="fund-application")
router.register("fund/tranches", TrancheViewSet, basename="fund-tranche")
router.register("fund/awards", AwardViewSet, basename="fund-award")
router.register("fund/disbursements", DisbursementViewSet, basename="fund-disbursement")
router.register("fund/ledger", LedgerEntryViewSet, basename="fund-ledger")

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
    path("fund/position/", FundPositionView.as_view(), name="fund-position"),
    *router.urls,
]
