"""Wagtail's user and group admin with our user model's forms and role labels (see
portal/wagtail_users.py).

Its own module: apps.py may define only the portal's own AppConfig."""

from wagtail.users.apps import WagtailUsersAppConfig


class PortalUsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "portal.wagtail_users.UserViewSet"
    group_viewset = "portal.wagtail_users.GroupViewSet"

    def ready(self):
        super().ready()
        from wagtail.admin.views.account import NameEmailSettingsPanel

        from portal.wagtail_users import PortalNameEmailForm

        # Wagtail's panel asks for first and last names, which our user model does not
        # have; its required fields would block saving every account setting.
        NameEmailSettingsPanel.form_class = PortalNameEmailForm
