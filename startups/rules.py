"""Who may do what with an organisation: the one place these rules live.

Predicates read the caller's role from `organization.my_role` when a selector has
annotated it (`organizations_for_user`), so lists check permissions without a query per
row; otherwise they ask the database once per (user, organisation) and remember it.
"""

import rules

from portal.roles import Role
from startups.enums import MembershipRole


def role_of(user, organization) -> str | None:
    """The user's role in the organisation, or None for a non-member."""
    if not user.is_authenticated or organization is None:
        return None
    if getattr(organization, "my_role_for", None) == user.pk:
        return organization.my_role
    cache = organization.__dict__.setdefault("_roles_by_user", {})
    if user.pk not in cache:
        cache[user.pk] = (
            organization.memberships.filter(user=user).values_list("role", flat=True).first()
        )
    return cache[user.pk]


@rules.predicate
def is_member(user, organization):
    return role_of(user, organization) is not None


@rules.predicate
def is_owner(user, organization):
    return role_of(user, organization) == MembershipRole.OWNER


@rules.predicate
def is_owner_or_admin(user, organization):
    return role_of(user, organization) in {MembershipRole.OWNER, MembershipRole.ADMIN}


# Staff who read organisations' private files in their work: programme managers check
# eligibility, fund officers run due diligence, auditors read everything.
is_reviewing_staff = (
    rules.is_group_member(Role.PROGRAMME_MANAGER)
    | rules.is_group_member(Role.FUND_OFFICER)
    | rules.is_group_member(Role.AUDITOR)
)

rules.add_perm("startups.view_org", is_member)
rules.add_perm("startups.edit_org", is_owner_or_admin)
rules.add_perm("startups.invite_to_org", is_owner_or_admin)
rules.add_perm("startups.manage_members", is_owner_or_admin)
rules.add_perm("startups.view_pitch_deck", is_member | is_reviewing_staff)
