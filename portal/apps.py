from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from portal.roles import grant_role_permissions

        # Permissions exist only after every app has migrated, so roles get theirs here.
        post_migrate.connect(grant_role_permissions, dispatch_uid="portal.grant_role_permissions")
