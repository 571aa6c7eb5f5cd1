"""The CMS's snippets in the admin: menus, per language (bakerydemo keeps its
navigation and footer the same way)."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cms.models import Menu


class MenuViewSet(SnippetViewSet):
    model = Menu
    icon = "list-ul"
    menu_label = _("Menus")
    menu_order = 300
    add_to_settings_menu = True
    list_display = ["location", "locale"]
    list_filter = ["location", "locale"]


register_snippet(MenuViewSet)
