from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from portal.models import AuditEvent


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Nobody, superusers included, adds, edits or deletes audit events in the admin:
    events are written only by portal.audit.audit_record."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(set(actions) - {"add", "change", "delete"})


class AuditEventIndexView(IndexView):
    def get_base_queryset(self):
        # The actor column, without a query per row.
        return super().get_base_queryset().select_related("actor")


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    icon = "history"
    menu_label = _("Audit trail")
    menu_order = 900
    add_to_admin_menu = True
    list_display = ["sequence", "occurred_at", "actor", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    list_per_page = 50
    inspect_view_enabled = True
    inspect_view_fields = [
        "sequence",
        "occurred_at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "data",
        "previous_hash",
        "hash",
    ]
    search_backend_name = None  # plain database lookups
    search_fields = ["action", "object_id"]
    copy_view_enabled = False
    form_fields = []  # required by ModelViewSet; no form is ever shown (read-only policy)
    index_view_class = AuditEventIndexView


register_permission_policy(AuditEvent, ReadOnlyPermissionPolicy(AuditEvent))


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEventViewSet("audit_events")
