"""The fund's API: calls, applications and their documents, review and decisions,
milestones, awards, four-eyes disbursements, ledger reversals and the public position.

Views stay thin: each write is one service call (`fund.services`), whose errors the API's
exception handler maps (field errors 400, a role or a member that may not act 403, the
state or the clock 409). Every queryset starts from a selector scoped to the caller.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from fund import services
from fund.api.filters import (
    AwardFilter,
    DisbursementFilter,
    FundApplicationFilter,
    FundingCallFilter,
)
from fund.api.permissions import (
    APPROVERS,
    FUND_STAFF,
    NOT_AUDITORS,
    OFFICERS,
    SIGNED_IN,
    FundPermission,
)
from fund.api.serializers import (
    AwardDetailSerializer,
    AwardSerializer,
    DecisionSerializer,
    DisbursementInputSerializer,
    DisbursementSerializer,
    FundApplicationCreateSerializer,
    FundApplicationInputSerializer,
    FundApplicationListSerializer,
    FundApplicationSerializer,
    FundDocumentInputSerializer,
    FundDocumentSerializer,
    FundingCallSerializer,
    FundPositionSerializer,
    LedgerEntrySerializer,
    NoteSerializer,
    TrancheSerializer,
    TransitionSerializer,
)
from fund.enums import Decision
from fund.models import (
    Award,
    Disbursement,
    FundApplication,
    FundDocument,
    FundingCall,
    LedgerEntry,
    Tranche,
)
from fund.rules import is_fund_officer, reads_all_of_fund
from fund.selectors import (
    applications_for,
    awards_for,
    calls_public,
    disbursements_for,
    fund_position,
    ledger_for,
)
from portal.api.schema import error_responses
from portal.storage import private_file_response

TAGS = ["fund"]


def _fake(view) -> bool:
    # Schema generation (also run by `check --deploy`) must not need a database.
    return getattr(view, "swagger_fake_view", False)


# Calls


@extend_schema_view(
    list=extend_schema(
        summary="Fund calls, upcoming, open and past",
        tags=TAGS,
        responses={200: FundingCallSerializer, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(
        summary="One fund call",
        tags=TAGS,
        responses={200: FundingCallSerializer, **error_responses(404)},
    ),
)
class FundingCallViewSet(viewsets.ReadOnlyModelViewSet):
    """Published calls of the fund, with their window, instruments and what is left of
    their budget. Public."""

    permission_classes = [AllowAny]
    serializer_class = FundingCallSerializer
    filterset_class = FundingCallFilter
    ordering_fields = ["opens_at", "closes_at"]
    ordering = ["-opens_at", "id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if _fake(self):
            return FundingCall.objects.none()
        return calls_public()


# Applications

DOCUMENT_ID = OpenApiParameter(
    "document_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The document's id."
)


@extend_schema_view(
    list=extend_schema(
        summary="Fund applications (my organisations'; all for fund staff)",
        description=(
            "Members see their organisations' applications; fund officers, finance "
            "approvers and auditors see all. Rows leave out the plan, the budget breakdown "
            "and the documents: read one application for them."
        ),
        tags=TAGS,
        responses={200: FundApplicationListSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="One fund application",
        description="With `status_note`, the reason given with its latest change of status.",
        tags=TAGS,
        responses={200: FundApplicationSerializer, **error_responses(401, 404)},
    ),
)
class FundApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Applications to the fund: drafts and their documents, submission and withdrawal
    by members; review and decisions by fund officers. Another organisation's application
    is a 404."""

    permission_classes = [FundPermission]
    action_roles = {
        "list": SIGNED_IN,
        "retrieve": SIGNED_IN,
        "metadata": SIGNED_IN,
        "document_file": SIGNED_IN,
        "create": NOT_AUDITORS,
        "partial_update": NOT_AUDITORS,
        "submit": NOT_AUDITORS,
        "withdraw": NOT_AUDITORS,
        "add_document": NOT_AUDITORS,
        "delete_document": NOT_AUDITORS,
        "transition": OFFICERS,
        "decision": OFFICERS,
    }
    # JSON in; multipart only for documents (their action says so).
    parser_classes = [JSONParser]
    serializer_class = FundApplicationSerializer
    filterset_class = FundApplicationFilter
    ordering_fields = ["created_at", "submitted_at", "requested_vnd"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if _fake(self):
            return FundApplication.objects.none()
        if self.action == "list":
            return (
                applications_for(self.request.user)
                .select_related("award")
                .defer("plan", "budget_breakdown")
            )
        if self.action == "retrieve":
            return self._detail_queryset()
        return applications_for(self.request.user)

    def get_serializer_class(self):
        return FundApplicationListSerializer if self.action == "list" else FundApplicationSerializer

    def _detail_queryset(self):
        documents = FundDocument.objects.order_by("uploaded_at", "id")
        return (
            applications_for(self.request.user)
            .select_related("award")
            .prefetch_related(Prefetch("documents", queryset=documents))
        )

    def _detail(self, pk, *, status_code=status.HTTP_200_OK) -> Response:
        """The application as the caller now sees it, documents included."""
        application = self._detail_queryset().get(pk=pk)
        data = FundApplicationSerializer(application, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(
        summary="Create a draft",
        description=(
            "`organization` must be one of the caller's organisations and `call` a "
            "published call (otherwise a 400 on that field); a call that has closed takes "
            "no drafts (409). Amounts are JSON integers of đồng."
        ),
        tags=TAGS,
        request=FundApplicationCreateSerializer,
        responses={201: FundApplicationSerializer, **error_responses(400, 401, 403, 409)},
    )
    def create(self, request):
        serializer = FundApplicationCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        application = services.application_create(
            actor=request.user,
            call=data.pop("call"),
            organization=data.pop("organization"),
            data=data,
        )
        return self._detail(application.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft",
        description="Members only (403), and only a draft (409).",
        tags=TAGS,
        request=FundApplicationInputSerializer,
        responses={200: FundApplicationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def partial_update(self, request, pk=None):
        application = self.get_object()
        serializer = FundApplicationInputSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        services.application_update(
            actor=request.user, application=application, data=dict(serializer.validated_data)
        )
        return self._detail(application.pk)

    # Documents

    @extend_schema(
        summary="Add a document to a draft",
        description=(
            "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG or JPEG, checked from "
            "the content (not the name), at most 20 MB; an application holds at most 20 "
            "files and 50 MB in all. A refused file stores nothing (400 on `file`); an "
            "application that is no longer a draft takes none (409)."
        ),
        tags=TAGS,
        request={"multipart/form-data": FundDocumentInputSerializer},
        responses={201: FundDocumentSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="documents",
        parser_classes=[MultiPartParser],
        filter_backends=[],
    )
    def add_document(self, request, pk=None):
        application = self.get_object()
        serializer = FundDocumentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_add(
            actor=request.user,
            application=application,
            upload=serializer.validated_data["file"],
            kind=serializer.validated_data["kind"],
        )
        return Response(
            FundDocumentSerializer(document, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Remove a document from a draft",
        tags=TAGS,
        parameters=[DOCUMENT_ID],
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"documents/(?P<document_id>[0-9]+)",
        filter_backends=[],
    )
    def delete_document(self, request, pk=None, document_id=None):
        services.document_delete(actor=request.user, document=self._document(document_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Download a document",
        description="For the organisation's members and fund staff (404 for anyone else).",
        tags=TAGS,
        parameters=[DOCUMENT_ID],
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
        url_path=r"documents/(?P<document_id>[0-9]+)/file",
        url_name="document-file",
        filter_backends=[],
    )
    def document_file(self, request, pk=None, document_id=None):
        document = self._document(document_id)
        return private_file_response(
            document.file, filename=document.display_name, content_type=document.content_type
        )

    def _document(self, document_id) -> FundDocument:
        application = self.get_object()
        document = get_object_or_404(
            FundDocument.objects.filter(application=application), pk=document_id
        )
        document.application = application
        return document

    # Transitions

    @extend_schema(
        summary="Submit a draft",
        description=(
            "Members, with a verified e-mail (403), while the call is open on the server "
            "clock (409), once summary, plan and budget breakdown are filled in (400). "
            "Submitting again returns the application unchanged."
        ),
        tags=TAGS,
        request=None,
        responses={200: FundApplicationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        application = services.application_submit(self.get_object(), actor=request.user)
        return self._detail(application.pk)

    @extend_schema(
        summary="Withdraw an application",
        description="Members, at any time before the decision (409 for a draft or a decided one).",
        tags=TAGS,
        request=NoteSerializer,
        responses={200: FundApplicationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.application_withdraw(
            application, actor=request.user, note=serializer.validated_data["note"]
        )
        return self._detail(application.pk)

    @extend_schema(
        summary="Move an application through review (fund officers)",
        description=(
            "To screening, due diligence or committee in turn; back to submitted to ask "
            "for more information, or rejected, both with a note the applicant reads (400 "
            "without). A move the state forbids is a 409."
        ),
        tags=TAGS,
        request=TransitionSerializer,
        responses={200: FundApplicationSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def transition(self, request, pk=None):
        application = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.application_transition(
            application, data["to"], actor=request.user, note=data["note"]
        )
        return self._detail(application.pk)

    @extend_schema(
        summary="Record the committee's decision (fund officers)",
        description=(
            "Only in committee (409 otherwise). To approve: `approved_vnd`, at most the "
            "amount requested (400) and what the call's budget and the fund's capital have "
            "left (409), and `tranches` adding up to it (400); returns the award (201). To "
            "reject: a `note` with the reason (400 without); returns the application (200)."
        ),
        tags=TAGS,
        request=DecisionSerializer,
        responses={
            201: AwardDetailSerializer,
            200: FundApplicationSerializer,
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def decision(self, request, pk=None):
        application = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        award = services.application_decide(
            application,
            actor=request.user,
            decision=data["decision"],
            approved_vnd=data.get("approved_vnd"),
            tranches=[dict(item) for item in data.get("tranches", [])],
            conditions=data.get("conditions", ""),
            note=data["note"],
        )
        if data["decision"] == Decision.REJECT:
            return self._detail(application.pk)
        award = _awards_with_tranches(request.user, ledger=True).get(pk=award.pk)
        return Response(
            AwardDetailSerializer(award, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


# Tranches


class TrancheViewSet(viewsets.GenericViewSet):
    """A tranche's milestone, verified by a fund officer (the tranches themselves are
    read with their award)."""

    permission_classes = [FundPermission]
    action_roles = {"milestone_met": OFFICERS}
    parser_classes = [JSONParser]
    serializer_class = TrancheSerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if _fake(self) or not is_fund_officer(self.request.user):
            return Tranche.objects.none()
        return Tranche.objects.all()

    @extend_schema(
        summary="Mark a tranche's milestone met (fund officers)",
        description="The tranche may then be paid. Once only (409 the second time).",
        tags=TAGS,
        request=NoteSerializer,
        responses={200: TrancheSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="milestone-met", filter_backends=[])
    def milestone_met(self, request, pk=None):
        tranche = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tranche = services.tranche_milestone_met(
            tranche, actor=request.user, note=serializer.validated_data["note"]
        )
        return Response(TrancheSerializer(tranche).data)


# Awards


def _awards_with_tranches(user, *, ledger: bool = False):
    """The caller's awards with their tranches; with `ledger`, fund staff also get each
    award's ledger entries (`ledger_entries`), in one more query."""
    awards = awards_for(user).prefetch_related(
        Prefetch("tranches", queryset=Tranche.objects.order_by("number"))
    )
    if ledger and reads_all_of_fund(user):
        awards = awards.prefetch_related(
            Prefetch(
                "ledger",
                queryset=LedgerEntry.objects.order_by("created_at", "id"),
                to_attr="ledger_entries",
            )
        )
    return awards


@extend_schema_view(
    list=extend_schema(
        summary="Awards (the awardee's members; all for fund staff)",
        tags=TAGS,
        responses={200: AwardSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="One award with its tranches (and its ledger for fund staff)",
        tags=TAGS,
        responses={200: AwardDetailSerializer, **error_responses(401, 404)},
    ),
)
class AwardViewSet(viewsets.ReadOnlyModelViewSet):
    """What the committee approved, its tranches, paid and remaining. Fund officers,
    finance approvers and auditors read every award; an organisation's members read
    theirs; another organisation's award is a 404."""

    permission_classes = [FundPermission]
    action_roles = {"list": SIGNED_IN, "retrieve": SIGNED_IN, "metadata": SIGNED_IN}
    filterset_class = AwardFilter
    ordering_fields = ["decided_at", "approved_vnd"]
    ordering = ["-decided_at", "-id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if _fake(self):
            return Award.objects.none()
        return _awards_with_tranches(self.request.user, ledger=self.action == "retrieve")

    def get_serializer_class(self):
        return AwardDetailSerializer if self.action == "retrieve" else AwardSerializer


# Disbursements


@extend_schema_view(
    list=extend_schema(
        summary="Disbursement requests (fund staff)",
        description="`?status=requested` is the finance approvers' queue.",
        tags=TAGS,
        responses={200: DisbursementSerializer, **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(
        summary="One disbursement request (fund staff)",
        tags=TAGS,
        responses={200: DisbursementSerializer, **error_responses(401, 403, 404)},
    ),
)
class DisbursementViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Payments against tranches: requested by a fund officer, approved or rejected by a
    finance approver who is not the requester (four eyes)."""

    permission_classes = [FundPermission]
    action_roles = {
        "list": FUND_STAFF,
        "retrieve": FUND_STAFF,
        "metadata": FUND_STAFF,
        "create": OFFICERS,
        "approve": APPROVERS,
        "reject": APPROVERS,
    }
    parser_classes = [JSONParser]
    serializer_class = DisbursementSerializer
    filterset_class = DisbursementFilter
    ordering_fields = ["requested_at", "amount_vnd"]
    ordering = ["-requested_at", "-id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if _fake(self):
            return Disbursement.objects.none()
        return disbursements_for(self.request.user)

    def _data(self, disbursement, *, status_code=status.HTTP_200_OK) -> Response:
        disbursement = disbursements_for(self.request.user).get(pk=disbursement.pk)
        return Response(DisbursementSerializer(disbursement).data, status=status_code)

    @extend_schema(
        summary="Request a disbursement (fund officers)",
        description=(
            "Against a tranche of the award whose milestone is met (409 otherwise), up to "
            "what is neither paid nor already requested on it (409), with a payment "
            "reference unique on the award (409)."
        ),
        tags=TAGS,
        request=DisbursementInputSerializer,
        responses={201: DisbursementSerializer, **error_responses(400, 401, 403, 409)},
    )
    def create(self, request):
        serializer = DisbursementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        disbursement = services.disbursement_request(
            data["award"],
            data["tranche"],
            data["amount_vnd"],
            data["reference"],
            actor=request.user,
        )
        return self._data(disbursement, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a disbursement (finance approvers, not the requester)",
        description=(
            "The payment enters the ledger and counts as paid. The requester may not "
            "approve their own request (403); a decided request cannot be decided again "
            "(409)."
        ),
        tags=TAGS,
        request=None,
        responses={200: DisbursementSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def approve(self, request, pk=None):
        disbursement = services.disbursement_approve(self.get_object(), actor=request.user)
        return self._data(disbursement)

    @extend_schema(
        summary="Reject a disbursement (finance approvers, not the requester)",
        description="With a note saying why (400 without); 403 and 409 as for approval.",
        tags=TAGS,
        request=NoteSerializer,
        responses={200: DisbursementSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request, pk=None):
        disbursement = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        disbursement = services.disbursement_reject(
            disbursement, actor=request.user, note=serializer.validated_data["note"]
        )
        return self._data(disbursement)


# The ledger


class LedgerEntryViewSet(viewsets.GenericViewSet):
    """Corrections to the ledger: a reversal entry, never an edit."""

    permission_classes = [FundPermission]
    action_roles = {"reverse_entry": APPROVERS}
    parser_classes = [JSONParser]
    serializer_class = LedgerEntrySerializer
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if _fake(self):
            return LedgerEntry.objects.none()
        return ledger_for(self.request.user)

    @extend_schema(
        summary="Reverse a payment (finance approvers)",
        description=(
            "Writes a negative entry pointing at the payment, with the reason (400 "
            "without); what it paid becomes payable again. A reversal, or a payment "
            "already reversed, cannot be reversed (409)."
        ),
        tags=TAGS,
        request=NoteSerializer,
        responses={201: LedgerEntrySerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="reverse", filter_backends=[])
    def reverse_entry(self, request, pk=None):
        entry = self.get_object()
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reversal = services.ledger_reverse(
            entry, actor=request.user, note=serializer.validated_data["note"]
        )
        return Response(LedgerEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


# The public position


class FundPositionView(APIView):
    """Per fund: capital, committed, disbursed and available, summed by the database in
    one query. Aggregates only: nothing about any one application."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="The fund's position",
        tags=TAGS,
        responses={200: FundPositionSerializer(many=True)},
    )
    def get(self, request):
        return Response(FundPositionSerializer(fund_position(), many=True).data)
