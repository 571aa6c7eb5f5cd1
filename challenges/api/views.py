from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response

from challenges import services
from challenges.api.filters import ChallengeFilter, ProposalFilter
from challenges.api.permissions import ProposalPermission
from challenges.api.serializers import (
    AttachmentInputSerializer,
    AttachmentSerializer,
    ChallengeDetailSerializer,
    ChallengeSerializer,
    ProposalCreateSerializer,
    ProposalInputSerializer,
    ProposalListSerializer,
    ProposalReceiptSerializer,
    ProposalSerializer,
    StaffProposalSerializer,
    WithdrawSerializer,
)
from challenges.models import Attachment, Challenge, Proposal
from challenges.selectors import (
    PROPOSAL_LONG_TEXTS,
    challenges_public,
    proposals_for_user,
    proposals_sent,
)
from portal.api.pagination import LateRowPageNumberPagination
from portal.api.schema import error_responses
from portal.storage import private_file_response


@extend_schema_view(
    list=extend_schema(summary="Published challenges", tags=["challenges"]),
    retrieve=extend_schema(
        summary="One challenge",
        tags=["challenges"],
        responses={200: ChallengeDetailSerializer, **error_responses(404)},
    ),
)
class ChallengeViewSet(viewsets.ReadOnlyModelViewSet):
    """The six major problems and the contests, in the request's language
    (`Accept-Language: vi` or `en`)."""

    permission_classes = [AllowAny]
    filterset_class = ChallengeFilter
    ordering_fields = ["closes_at"]
    ordering = ["closes_at", "code"]
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation (also run by `check --deploy`) must not need a database.
            return Challenge.objects.none()
        if self.action == "retrieve":
            return challenges_public().prefetch_related("tracks")
        return challenges_public()

    def _with_pages(self, challenges):
        # The API layer joins the domain to its pages; `challenges` never imports `cms`.
        from cms.selectors import attach_challenge_pages

        return attach_challenge_pages(challenges, request=self.request)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else self._with_pages(page)

    def get_object(self):
        # Codes are stored in capitals; page slugs show them in lower case.
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return self._with_pages([super().get_object()])[0]

    def get_serializer_class(self):
        return ChallengeDetailSerializer if self.action == "retrieve" else ChallengeSerializer


TAGS = ["proposals"]
ATTACHMENT_ID = OpenApiParameter(
    "attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The attachment's id."
)


@extend_schema_view(
    list=extend_schema(
        summary="My organisations' proposals",
        description=(
            "Each row as in the detail, without `description_html`: rendering every "
            "row's Markdown would make the list slow; read one proposal for it."
        ),
        tags=TAGS,
        responses={200: ProposalListSerializer, **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="One proposal",
        tags=TAGS,
        responses={200: ProposalSerializer, **error_responses(401, 404)},
    ),
)
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Proposals of the caller's organisations: drafts, their files, submission and
    withdrawal. Another organisation's proposal is a 404."""

    permission_classes = [ProposalPermission]
    # JSON in; multipart only for attachments (their action says so).
    parser_classes = [JSONParser]
    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    ordering_fields = ["created_at", "submitted_at", "title"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation (also run by `check --deploy`) must not need a database.
            return Proposal.objects.none()
        return proposals_for_user(user=self.request.user)

    def get_serializer_class(self):
        return ProposalListSerializer if self.action == "list" else ProposalSerializer

    def _proposal_data(self, pk) -> dict:
        """The proposal as the caller now sees it, attachments included."""
        proposal = proposals_for_user(user=self.request.user).get(pk=pk)
        return ProposalSerializer(proposal, context=self.get_serializer_context()).data

    @extend_schema(
        summary="Create a draft",
        description=(
            "`organization` must be one of the caller's organisations and `challenge` a "
            "published challenge's code (otherwise a 400 on that field); a call whose "
            "deadline has passed takes no drafts (409)."
        ),
        tags=TAGS,
        request=ProposalCreateSerializer,
        responses={201: ProposalSerializer, **error_responses(400, 401, 403, 409)},
    )
    def create(self, request):
        serializer = ProposalCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        proposal = services.proposal_create(
            actor=request.user,
            organization=data.pop("organization"),
            challenge=data.pop("challenge"),
            data=data,
        )
        return Response(self._proposal_data(proposal.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft",
        description="Only a draft, before the deadline, can be changed (409 otherwise).",
        tags=TAGS,
        request=ProposalInputSerializer,
        responses={200: ProposalSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        proposal = self.get_object()
        serializer = ProposalInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.proposal_update(
            actor=request.user, proposal=proposal, data=dict(serializer.validated_data)
        )
        return Response(self._proposal_data(proposal.pk))

    @extend_schema(
        summary="Delete a draft",
        description="Only a draft can be deleted (409 otherwise); its files go with it.",
        tags=TAGS,
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    def destroy(self, request, pk=None):
        services.proposal_delete(actor=request.user, proposal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    # Attachments

    @extend_schema(
        summary="Attach a file to a draft",
        description=(
            "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG or JPEG, checked from "
            "the content (not the name), at most 20 MB; a proposal holds at most 20 files "
            "and 50 MB in all. A refused file stores nothing (400 on `file`); a proposal "
            "that is no longer a draft, or past the deadline, takes none (409)."
        ),
        tags=TAGS,
        request={"multipart/form-data": AttachmentInputSerializer},
        responses={201: AttachmentSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="attachments",
        parser_classes=[MultiPartParser],
        filter_backends=[],
    )
    def add_attachment(self, request, pk=None):
        proposal = self.get_object()
        serializer = AttachmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            actor=request.user,
            proposal=proposal,
            upload=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
        )
        return Response(
            AttachmentSerializer(attachment, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Remove a file from a draft",
        tags=TAGS,
        parameters=[ATTACHMENT_ID],
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        filter_backends=[],
    )
    def delete_attachment(self, request, pk=None, attachment_id=None):
        services.attachment_delete(actor=request.user, attachment=self._attachment(attachment_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download a file (members)",
        tags=TAGS,
        parameters=[ATTACHMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, as an attachment, with its checked content type.",
            ),
            **error_responses(401, 404),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)/file",
        url_name="attachment-file",
        filter_backends=[],
    )
    def attachment_file(self, request, pk=None, attachment_id=None):
        attachment = self._attachment(attachment_id)
        return private_file_response(
            attachment.file, filename=attachment.display_name, content_type=attachment.content_type
        )

    def _attachment(self, attachment_id) -> Attachment:
        proposal = self.get_object()
        attachment = get_object_or_404(
            Attachment.objects.filter(proposal=proposal), pk=attachment_id
        )
        attachment.proposal = proposal
        return attachment

    # Transitions

    @extend_schema(
        summary="Submit a draft",
        description=(
            "Checked on the server clock before the deadline (409 after it), with a "
            "verified e-mail (403), for an eligible organisation (409) and a complete "
            "proposal (400). Returns the receipt and e-mails it; submitting again returns "
            "the same receipt."
        ),
        tags=TAGS,
        request=None,
        responses={200: ProposalReceiptSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        proposal = services.proposal_submit(actor=request.user, proposal=self.get_object())
        return Response(ProposalReceiptSerializer(proposal).data)

    @extend_schema(
        summary="Withdraw a submitted proposal",
        description="Before the deadline only (409 after it, or for a draft).",
        tags=TAGS,
        request=WithdrawSerializer,
        responses={200: ProposalSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request, pk=None):
        proposal = self.get_object()
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.proposal_withdraw(
            actor=request.user, proposal=proposal, note=serializer.validated_data["note"]
        )
        return Response(self._proposal_data(proposal.pk))


class CanReadAllProposals(BasePermission):
    """Department staff who read every sent proposal (programme managers, auditors)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm("challenges.view_proposal"))


@extend_schema_view(
    get=extend_schema(
        summary="A challenge's sent proposals (department staff)",
        tags=["proposals"],
        responses={200: StaffProposalSerializer, **error_responses(400, 401, 403, 404)},
    )
)
class ChallengeProposalsView(generics.ListAPIView):
    """Every proposal sent to one challenge, for programme managers and auditors:
    drafts are the applicants' own business and never listed."""

    permission_classes = [IsAuthenticated, CanReadAllProposals]
    serializer_class = StaffProposalSerializer
    pagination_class = LateRowPageNumberPagination
    filterset_class = ProposalFilter
    ordering_fields = ["submitted_at", "reference", "budget_vnd"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Proposal.objects.none()
        challenge = get_object_or_404(Challenge, code=self.kwargs["code"].upper())
        return proposals_sent().filter(challenge=challenge).defer(*PROPOSAL_LONG_TEXTS)
