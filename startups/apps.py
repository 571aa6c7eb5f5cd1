from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StartupsConfig(AppConfig):
    name = "startups"
    verbose_name = _("Organisations and startups")
