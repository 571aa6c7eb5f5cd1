"""The one permission class of the organisations API: each action of the view maps to
a rule of `startups.rules`, checked on the organisation the view fetched.

Rows outside the caller's organisations never reach this check: the view's queryset
does not hold them, so they are a 404. A member whose role may not act gets a 403.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

# Actions that need no organisation: the list is scoped by its queryset, anyone signed
# in may create an organisation (and becomes its owner), OPTIONS describes the endpoint.
COLLECTION_ACTIONS = {"list", "create", "metadata"}

ACTION_PERMISSIONS = {
    "retrieve": "startups.view_org",
    "partial_update": "startups.edit_org",
    "logo": "startups.edit_org",
    "remove_logo": "startups.edit_org",
    "pitch_deck": "startups.view_pitch_deck",
    "upload_pitch_deck": "startups.edit_org",
    "invitations": "startups.invite_to_org",
    "invite": "startups.invite_to_org",
    "revoke_invitation": "startups.invite_to_org",
    "members": "startups.view_org",
    "change_member": "startups.manage_members",
    "remove_member": "startups.manage_members",
}


class OrganizationPermission(permissions.BasePermission):
    message = _("Your role in this organisation does not allow this.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action is None:
            return True  # no handler for this method: DRF answers 405
        # Deny by default: an action nobody mapped is refused.
        return view.action in COLLECTION_ACTIONS or view.action in ACTION_PERMISSIONS

    def has_object_permission(self, request, view, obj):
        return request.user.has_perm(self.permission_for(request, view), obj)

    @staticmethod
    def permission_for(request, view) -> str:
        if view.action == "remove_member" and view.kwargs.get("user_id") == str(request.user.pk):
            # Leaving: every member may remove themselves (the service keeps an owner).
            return "startups.view_org"
        return ACTION_PERMISSIONS[view.action]
