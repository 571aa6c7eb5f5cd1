"""The organisations API: thin views over `startups.services` (writes) and
`startups.selectors` (reads scoped to the caller: another organisation is a 404)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.schema import error_responses
from portal.roles import Role
from portal.rules import is_email_verified
from startups import services
from startups.api.filters import OrganizationFilter
from startups.api.permissions import OrganizationPermission
from startups.api.serializers import (
    FileUploadSerializer,
    InvitationAcceptSerializer,
    InvitationInputSerializer,
    InvitationSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    MembershipSerializer,
    MeSerializer,
    OrganizationInputSerializer,
    OrganizationSerializer,
)
from startups.models import Invitation, Organization
from startups.rules import is_reviewing_staff
from startups.selectors import (
    organization_invitations,
    organization_memberships,
    organizations_for_user,
)
from startups.services import STARTUP_PROFILE_FIELDS

TAGS = ["organizations"]
MULTIPART_FILE = {"multipart/form-data": FileUploadSerializer}
INVITATION_ID = OpenApiParameter(
    "invitation_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The invitation's id."
)
USER_ID = OpenApiParameter(
    "user_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The member's user id."
)


class OrganizationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's organisations, their members, invitations, logo and pitch deck."""

    permission_classes = [OrganizationPermission]
    # JSON in; multipart only for the uploads (their actions say so).
    parser_classes = [JSONParser]
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    ordering_fields = ["legal_name", "created_at"]
    ordering = ["legal_name", "id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation (also run by `check --deploy`) must not need a database.
            return Organization.objects.none()
        user = self.request.user
        if self.action == "pitch_deck" and is_reviewing_staff(user):
            # Staff who check eligibility or run due diligence read any organisation's
            # pitch deck ("startups.view_pitch_deck"); everything else stays members-only.
            return Organization.objects.select_related("startup_profile")
        return organizations_for_user(user=user)

    def _organization_data(self, pk) -> dict:
        """The organisation as the caller now sees it (fresh role, logo and profile)."""
        organization = organizations_for_user(user=self.request.user).get(pk=pk)
        return OrganizationSerializer(organization, context=self.get_serializer_context()).data

    @extend_schema(
        summary="My organisations",
        tags=TAGS,
        responses={200: OrganizationSerializer, **error_responses(400, 401, 404)},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One of my organisations",
        tags=TAGS,
        responses={200: OrganizationSerializer, **error_responses(401, 404)},
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Create an organisation (I become its owner)",
        tags=TAGS,
        request=OrganizationInputSerializer,
        responses={201: OrganizationSerializer, **error_responses(400, 401)},
    )
    def create(self, request):
        data, profile = self._input(request, partial=False)
        with transaction.atomic():
            organization = services.organization_create(actor=request.user, data=data)
            if profile is not None:
                _profile_update(request.user, organization, profile)
        return Response(self._organization_data(organization.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an organisation (owners and admins)",
        tags=TAGS,
        request=OrganizationInputSerializer,
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404)},
    )
    def partial_update(self, request, pk=None):
        organization = self.get_object()
        data, profile = self._input(request, partial=True)
        with transaction.atomic():
            organization = services.organization_update(
                actor=request.user, organization=organization, data=data
            )
            if profile is not None:
                _profile_update(request.user, organization, profile)
        return Response(self._organization_data(organization.pk))

    @staticmethod
    def _input(request, *, partial):
        serializer = OrganizationInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        return data, data.pop("startup_profile", None)

    # Logo

    @extend_schema(
        summary="Upload the logo (owners and admins)",
        description=(
            "A PNG, JPEG or WebP image of at most 2 MB, re-encoded as WebP (512 px at most, "
            "metadata dropped) with a 128 px thumbnail. A refused file stores nothing."
        ),
        tags=TAGS,
        request=MULTIPART_FILE,
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def logo(self, request, pk=None):
        organization = self.get_object()
        services.organization_set_logo(
            actor=request.user, organization=organization, upload=_uploaded_file(request)
        )
        return Response(self._organization_data(organization.pk))

    @extend_schema(
        summary="Remove the logo (owners and admins)",
        tags=TAGS,
        request=None,
        responses={200: OrganizationSerializer, **error_responses(401, 403, 404)},
    )
    @logo.mapping.delete
    def remove_logo(self, request, pk=None):
        organization = self.get_object()
        services.organization_remove_logo(actor=request.user, organization=organization)
        return Response(self._organization_data(organization.pk))

    # Pitch deck

    @extend_schema(
        summary="Download the pitch deck (members and reviewing staff)",
        tags=TAGS,
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF, as an attachment."
            ),
            **error_responses(401, 404),
        },
    )
    @action(detail=True, methods=["get"], url_path="pitch-deck", parser_classes=[MultiPartParser])
    def pitch_deck(self, request, pk=None):
        organization = self.get_object()
        profile = getattr(organization, "startup_profile", None)
        if profile is None or not profile.pitch_deck:
            raise exceptions.NotFound()
        try:
            handle = profile.pitch_deck.open("rb")
        except FileNotFoundError:
            raise exceptions.NotFound() from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"pitch-deck-{organization.pk}.pdf",
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(
        summary="Upload the pitch deck (owners and admins of a startup)",
        description="A PDF of at most 20 MB (checked from its content), kept private.",
        tags=TAGS,
        request=MULTIPART_FILE,
        responses={200: OrganizationSerializer, **error_responses(400, 401, 403, 404)},
    )
    @pitch_deck.mapping.post
    def upload_pitch_deck(self, request, pk=None):
        organization = self.get_object()
        services.startup_pitch_deck_set(
            actor=request.user, organization=organization, upload=_uploaded_file(request)
        )
        return Response(self._organization_data(organization.pk))

    # Invitations

    @extend_schema(
        summary="Invitations sent (owners and admins)",
        tags=TAGS,
        responses={200: InvitationSerializer(many=True), **error_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def invitations(self, request, pk=None):
        organization = self.get_object()
        page = self.paginate_queryset(organization_invitations(organization=organization))
        context = {**self.get_serializer_context(), "now": timezone.now()}
        return self.get_paginated_response(
            InvitationSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        summary="Invite someone by e-mail (owners and admins)",
        description=(
            "The e-mail goes out in the invitee's language: their account's if they have "
            "one, else `language`, else the request's."
        ),
        tags=TAGS,
        request=InvitationInputSerializer,
        responses={201: InvitationSerializer, **error_responses(400, 401, 403, 404)},
    )
    @invitations.mapping.post
    def invite(self, request, pk=None):
        organization = self.get_object()
        serializer = InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation, _token = services.invitation_create(
            actor=request.user, organization=organization, **serializer.validated_data
        )
        return Response(
            InvitationSerializer(invitation, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Revoke an invitation (owners and admins)",
        tags=TAGS,
        parameters=[INVITATION_ID],
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["delete"], url_path=r"invitations/(?P<invitation_id>[0-9]+)")
    def revoke_invitation(self, request, pk=None, invitation_id=None):
        organization = self.get_object()
        invitation = get_object_or_404(
            organization_invitations(organization=organization), pk=invitation_id
        )
        services.invitation_revoke(actor=request.user, invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Members

    @extend_schema(
        summary="Members",
        tags=TAGS,
        responses={200: MemberSerializer(many=True), **error_responses(401, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def members(self, request, pk=None):
        organization = self.get_object()
        page = self.paginate_queryset(organization_memberships(organization=organization))
        return self.get_paginated_response(MemberSerializer(page, many=True).data)

    @extend_schema(
        summary="Change a member's role (owners and admins)",
        description=(
            "Owners change anyone's role; admins move people between member and admin. "
            "The last owner cannot be demoted (409)."
        ),
        tags=TAGS,
        parameters=[USER_ID],
        request=MemberRoleSerializer,
        responses={200: MemberSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["patch"], url_path=r"members/(?P<user_id>[0-9]+)")
    def change_member(self, request, pk=None, user_id=None):
        membership = self._membership(user_id)
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_change_role(
            actor=request.user, membership=membership, role=serializer.validated_data["role"]
        )
        return Response(MemberSerializer(membership).data)

    @extend_schema(
        summary="Remove a member, or leave",
        description=(
            "Owners and admins remove others (only owners remove owners); any member may "
            "remove themselves. The last owner can neither leave nor be removed (409)."
        ),
        tags=TAGS,
        parameters=[USER_ID],
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    @change_member.mapping.delete
    def remove_member(self, request, pk=None, user_id=None):
        services.membership_remove(actor=request.user, membership=self._membership(user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _membership(self, user_id):
        organization = self.get_object()
        membership = get_object_or_404(
            organization_memberships(organization=organization), user_id=user_id
        )
        membership.organization = organization
        return membership


def _uploaded_file(request):
    serializer = FileUploadSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["file"]


def _profile_update(actor, organization, data):
    """Create or change the startup profile; its errors are reported under
    `startup_profile`, as DRF reports a nested serializer's."""
    try:
        services.startup_profile_update(actor=actor, organization=organization, data=data)
    except DjangoValidationError as error:
        messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        nested = {name: msgs for name, msgs in messages.items() if name in STARTUP_PROFILE_FIELDS}
        others = [m for name, msgs in messages.items() if name not in nested for m in msgs]
        if others:
            nested["non_field_errors"] = others
        raise exceptions.ValidationError({"startup_profile": nested}) from None


class InvitationViewSet(viewsets.GenericViewSet):
    """Invitations addressed to the caller."""

    serializer_class = InvitationAcceptSerializer
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Accept an invitation",
        description=(
            "The token comes from the invitation e-mail; it works once, before it expires, "
            "for the address it was sent to."
        ),
        tags=TAGS,
        request=InvitationAcceptSerializer,
        responses={200: MembershipSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=False, methods=["post"])
    def accept(self, request):
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            membership = services.invitation_accept(
                user=request.user, token=serializer.validated_data["token"]
            )
        except Invitation.DoesNotExist:
            raise exceptions.NotFound(_("This invitation link is not valid.")) from None
        return Response(MembershipSerializer(membership).data)


class MeView(APIView):
    """Who the credentials belong to: the account, its memberships and its roles."""

    @extend_schema(
        responses={200: MeSerializer, **error_responses(401)},
        tags=["auth"],
        summary="The signed-in user",
    )
    def get(self, request):
        user = request.user
        # Plain rows, not serializer fields: a user of many organisations (a consultant,
        # an incubator) must not make this call slow.
        rows = organizations_for_user(user=user).values(
            "id", "legal_name", "short_name", "kind", "verified", "my_role"
        )
        labels = dict(Role.choices)
        groups = sorted(user.groups.values_list("name", flat=True))
        data = {
            "id": user.pk,
            "email": user.email,
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "email_verified": is_email_verified(user),
            "memberships": [
                {
                    "organization": {
                        "id": row["id"],
                        "name": row["short_name"] or row["legal_name"],  # display_name
                        "kind": row["kind"],
                        "verified": row["verified"],
                    },
                    "role": row["my_role"],
                }
                for row in rows
            ],
            "roles": [{"id": name, "name": str(labels[name])} for name in groups if name in labels],
        }
        return Response(data)
