"""Reads of organisations, each scoped to its caller and a constant number of queries."""

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Lower

from portal.text import fold
from startups.enums import OrganizationKind
from startups.models import Invitation, Membership, Organization


def organizations_for_user(*, user) -> QuerySet[Organization]:
    """The organisations `user` belongs to, each annotated with `my_role` (read by the
    predicates of `startups.rules` without another query). Another organisation is simply
    not in it: views answer 404."""
    if not user.is_authenticated:
        return Organization.objects.none()
    role = Membership.objects.filter(organization=OuterRef("pk"), user=user).values("role")[:1]
    return (
        Organization.objects.filter(memberships__user=user)
        .annotate(my_role=Subquery(role), my_role_for=Value(user.pk))
        .select_related("startup_profile")
        # The folded search copy is the directory's; members' pages never show it.
        .defer("search_text")
        .order_by("legal_name", "id")
    )


def organization_memberships(*, organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("joined_at", "id")
    )


def organization_invitations(*, organization, open_only: bool = False) -> QuerySet[Invitation]:
    invitations = Invitation.objects.filter(organization=organization).select_related("invited_by")
    if open_only:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return invitations.order_by("-created_at", "-id")


def invitations_for_email(*, email: str) -> QuerySet[Invitation]:
    """Pending invitations addressed to `email`: the dashboard offers them to a user
    who signed up with that address."""
    return (
        Invitation.objects.pending()
        .filter(email__iexact=email)
        .select_related("organization", "invited_by")
        .order_by("-created_at")
    )


# What the public directory may show; nothing else is read from the database.
DIRECTORY_FIELDS = (
    "id",
    "kind",
    "legal_name",
    "short_name",
    "sector",
    "province",
    "founded_year",
    "description",
    "website",
    "logo_thumbnail",
    "verified",
    "startup_profile__stage",
)


def directory_organizations(
    *,
    search: str = "",
    sector: str = "",
    stage: str = "",
    kind: str = "",
) -> QuerySet[Organization]:
    """Organisations listed in the public directory (`is_public`), their public fields
    only, in name order. A stage narrows to startups."""
    organizations = (
        Organization.objects.filter(is_public=True)
        .select_related("startup_profile")
        .only(*DIRECTORY_FIELDS)
    )
    if kind:
        organizations = organizations.filter(kind=kind)
    if sector:
        organizations = organizations.filter(sector=sector)
    if stage:
        organizations = organizations.filter(
            kind=OrganizationKind.STARTUP, startup_profile__stage=stage
        )
    # Every word, diacritics ignored (`giam sat` finds `giám sát`, `d` finds `đ`), in
    # the names or description (`search_text`, folded the same way when saved).
    for word in fold(search).split()[:8]:
        organizations = organizations.filter(search_text__contains=word)
    return organizations.order_by(Lower("legal_name"), "id")
