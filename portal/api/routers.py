from rest_framework import routers
from rest_framework.permissions import AllowAny


class APIRootView(routers.APIRootView):
    """Open Innovation Portal API, version 1. Documentation: /api/docs/."""

    # A list of links is public; each endpoint applies its own permissions.
    permission_classes = [AllowAny]


class Router(routers.DefaultRouter):
    APIRootView = APIRootView


# The one router of /api/v1/; each app registers its viewsets in portal/api/urls.py.
router = Router()
