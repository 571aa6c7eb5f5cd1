"""Shapes of organisations in and out of the API. Input serializers only check types
and choices; the services check the rules (tax codes, roles, the last owner)."""

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api.representation import iso_datetime
from portal.api.schema import enum_field
from portal.roles import Role
from startups.enums import InvitationStatus, MembershipRole, OrganizationKind, Sector
from startups.models import Invitation, Membership, Organization, StartupProfile
from startups.services import ORGANIZATION_FIELDS, STARTUP_PROFILE_FIELDS

# Choices that other apps' fields share a name with (`kind`, `sector`, `status`, ...).
OrganizationKindField = enum_field("OrganizationKind", OrganizationKind.choices)
OrganizationSectorField = enum_field("OrganizationSector", Sector.choices)
MembershipRoleField = enum_field("MembershipRole", MembershipRole.choices)
InvitationStatusField = enum_field("InvitationStatus", InvitationStatus.choices)
LanguageField = enum_field("Language", settings.LANGUAGES)


# Startup profiles


class StartupProfileSerializer(serializers.ModelSerializer):
    has_pitch_deck = serializers.SerializerMethodField()

    class Meta:
        model = StartupProfile
        fields = [*STARTUP_PROFILE_FIELDS, "has_pitch_deck", "pitch_deck_sha256"]
        read_only_fields = fields

    def get_has_pitch_deck(self, profile) -> bool:
        return bool(profile.pitch_deck)


class StartupProfileInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = StartupProfile
        fields = list(STARTUP_PROFILE_FIELDS)


# Organisations


class OrganizationSerializer(serializers.ModelSerializer):
    """An organisation as its members see it. Expects rows from
    `organizations_for_user` (annotated `my_role`, startup profile joined)."""

    kind = OrganizationKindField(read_only=True)
    sector = OrganizationSectorField(read_only=True)
    logo = serializers.ImageField(read_only=True, help_text="Absolute URL, or null.")
    logo_thumbnail = serializers.ImageField(read_only=True, help_text="Absolute URL, or null.")
    my_role = MembershipRoleField(
        read_only=True,
        allow_null=True,
        help_text="The caller's role in the organisation.",
    )
    startup_profile = StartupProfileSerializer(
        read_only=True, allow_null=True, help_text="Startups only; null otherwise."
    )

    class Meta:
        model = Organization
        fields = [
            "id",
            "kind",
            "legal_name",
            "short_name",
            "tax_code",
            "sector",
            "founded_year",
            "size_band",
            "website",
            "email",
            "phone",
            "address",
            "province",
            "description",
            "logo",
            "logo_thumbnail",
            "is_public",
            "verified",
            "my_role",
            "startup_profile",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    # Fields whose model value is already what the API sends; the others are built below.
    BUILT = frozenset({"logo", "logo_thumbnail", "created_at", "updated_at", "startup_profile"})
    PLAIN = tuple(sorted(set(Meta.fields) - BUILT, key=Meta.fields.index))

    def to_representation(self, organization):
        # Written out by hand: a page of 100 organisations would otherwise spend most of
        # its time building and walking DRF's fields. The declared fields above document
        # the same shape, and tests compare the two.
        data = {name: getattr(organization, name, None) for name in self.PLAIN}
        request = self.context.get("request")
        for name in ("logo", "logo_thumbnail"):
            image = getattr(organization, name)
            url = image.url if image else None
            data[name] = request.build_absolute_uri(url) if url and request else url
        zone = self.__dict__.get("_zone")
        if zone is None:  # once per list: the child serializer serves every row
            zone = self._zone = timezone.get_current_timezone()
        for name in ("created_at", "updated_at"):
            data[name] = iso_datetime(getattr(organization, name), zone)
        try:
            profile = organization.startup_profile
        except StartupProfile.DoesNotExist:
            profile = None
        data["startup_profile"] = None
        if profile is not None:
            data["startup_profile"] = {
                **{name: getattr(profile, name) for name in STARTUP_PROFILE_FIELDS},
                "has_pitch_deck": bool(profile.pitch_deck),
                "pitch_deck_sha256": profile.pitch_deck_sha256,
            }
        return {name: data[name] for name in self.Meta.fields}


class OrganizationInputSerializer(serializers.ModelSerializer):
    """What a member sends to create or change an organisation."""

    kind = OrganizationKindField()
    sector = OrganizationSectorField()
    # Normalised, checked and de-duplicated by the service (one error per field).
    tax_code = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=(
            "Mã số thuế: 10 digits, or 10 digits, a hyphen and 3 for a branch; required for "
            "enterprises and startups, stored as 0100233488 or 0100233488-001."
        ),
    )
    startup_profile = StartupProfileInputSerializer(
        required=False, help_text="Startups only: created on first use, then changed."
    )

    class Meta:
        model = Organization
        fields = [*ORGANIZATION_FIELDS, "startup_profile"]


# Uploads


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The file, as multipart/form-data.")


# Memberships


class OrganizationSummarySerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", help_text="Short name, else legal name.")
    kind = OrganizationKindField(read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "verified"]
        read_only_fields = fields


class MyMembershipSerializer(serializers.Serializer):
    """One of the caller's organisations and their role in it."""

    organization = OrganizationSummarySerializer()
    role = MembershipRoleField()


class MembershipSerializer(serializers.ModelSerializer):
    """A membership: the organisation, the role held in it, since when."""

    organization = OrganizationSummarySerializer(read_only=True)
    role = MembershipRoleField(read_only=True)

    class Meta:
        model = Membership
        fields = ["organization", "role", "joined_at"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    """A member of an organisation, as its members see them."""

    user_id = serializers.IntegerField(read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    role = MembershipRoleField(read_only=True)

    class Meta:
        model = Membership
        fields = ["user_id", "full_name", "email", "role", "joined_at"]
        read_only_fields = fields


class MemberRoleSerializer(serializers.Serializer):
    role = MembershipRoleField()


# Invitations


class InvitationSerializer(serializers.ModelSerializer):
    """An invitation without its token (which exists only in the e-mail)."""

    role = MembershipRoleField(read_only=True)
    language = LanguageField(read_only=True)
    status = serializers.SerializerMethodField()
    invited_by = serializers.SerializerMethodField(help_text="The inviter's name or e-mail.")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "language",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
        ]
        read_only_fields = fields

    @extend_schema_field(InvitationStatusField())
    def get_status(self, invitation) -> str:
        # One clock for the whole list.
        return invitation.status_at(self.context.get("now"))

    def get_invited_by(self, invitation) -> str:
        return invitation.invited_by.full_name or invitation.invited_by.email


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = MembershipRoleField(default=MembershipRole.MEMBER)
    language = LanguageField(
        required=False,
        help_text="The e-mail's language when the invitee has no account yet.",
    )


class InvitationAcceptSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The token from the e-mail's link.")


# The signed-in user


class RoleSerializer(serializers.Serializer):
    id = serializers.ChoiceField(choices=Role.choices, help_text="The group's identifier.")
    name = serializers.CharField(help_text="Its name in the request's language.")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    preferred_language = LanguageField()
    email_verified = serializers.BooleanField()
    memberships = MyMembershipSerializer(many=True)
    roles = RoleSerializer(many=True)
