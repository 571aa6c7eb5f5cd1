"""The one permission class of the proposals API.

Every action is for members of the proposal's organisation, and rows outside the
caller's organisations never reach a check: the view's queryset does not hold them, so
they are a 404. The services check the rest (the state, the clock, a verified e-mail).
"""

from rest_framework import permissions

from startups.rules import is_member

PROPOSAL_ACTIONS = {
    "list",
    "create",
    "metadata",
    "retrieve",
    "partial_update",
    "destroy",
    "add_attachment",
    "delete_attachment",
    "attachment_file",
    "submit",
    "withdraw",
}


class ProposalPermission(permissions.BasePermission):
    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action is None:
            return True  # no handler for this method: DRF answers 405
        # Deny by default: an action nobody listed is refused.
        return view.action in PROPOSAL_ACTIONS

    def has_object_permission(self, request, view, obj):
        return is_member(request.user, obj.organization)
