from django.urls import path

from challenges.api.views import ChallengeViewSet
from portal.api.auth import MeView, TokenLoginView, TokenLogoutView
from portal.api.routers import router

router.register("challenges", ChallengeViewSet, basename="challenge")

urlpatterns = [
    path("auth/token/", TokenLoginView.as_view(), name="auth-token"),
    path("auth/logout/", TokenLogoutView.as_view(), name="auth-logout"),
    path("auth/me/", MeView.as_view(), name="auth-me"),
    *router.urls,
]
