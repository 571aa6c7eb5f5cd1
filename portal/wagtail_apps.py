"""Wagtail's user admin with our user model's forms (see portal/wagtail_users.py).

Its own module: apps.py may define only the portal's own AppConfig."""

from wagtail.users.apps import WagtailUsersAppConfig


class PortalUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "portal.wagtail_users.UserViewSet"
