from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site content")

    def ready(self):
        # The anonymous page cache is dropped when what the pages show changes.
        from cms import search_index, signals  # noqa: F401 (search_index: its receivers)

        signals.connect()
