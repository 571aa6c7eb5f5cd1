"""The one permission class of the fund's API: each view maps its actions to the role
that may try them (deny by default).

Which rows a caller reaches is the querysets' business (`fund.selectors`): another
organisation's application or award is a 404, never a 403. The services check the rest
(membership of the organisation, the state, the clock, four eyes) and say why.
"""

from dataclasses import dataclass
from typing import Any

import rules
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from fund.rules import is_auditor, is_finance_approver, is_fund_officer, reads_all_of_fund


@dataclass(frozen=True)
class Who:
    predicate: Any
    message: Any = None


SIGNED_IN = Who(rules.is_authenticated)
# Applicants' writes; members of the organisation is the service's check (403).
NOT_AUDITORS = Who(~is_auditor)
FUND_STAFF = Who(
    reads_all_of_fund, _("Only the fund's officers, approvers and auditors may see this.")
)
OFFICERS = Who(is_fund_officer, _("Only fund officers may do this."))
APPROVERS = Who(is_finance_approver, _("Only finance approvers may do this."))

AUDITORS_CHANGE_NOTHING = _("Auditors read the fund's records; they change nothing.")


class FundPermission(permissions.BasePermission):
    """`view.action_roles` maps each action to a `Who`; an action not listed is refused.
    Anonymous callers get 401 (the view's authenticators say how to sign in)."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action is None:
            return True  # no handler for this method: DRF answers 405
        who = view.action_roles.get(view.action)
        if who is None:
            return False
        if who.predicate(user):
            return True
        # Auditors hold no write role: say so rather than name the role they lack.
        self.message = AUDITORS_CHANGE_NOTHING if is_auditor(user) else who.message
        return False
