"""The fund's API: calls, applications and their documents, review and decisions,
milestones, awards and their ledger (page by page: an award may hold a hundred thousand
entries), four-eyes disbursements, ledger reversals and the public position.

Views stay thin: each write is one service call (`fund.services`), whose errors the API's
exception handler maps (field errors 400, a role or a member that may not act 403, the
state or the clock 409). Every queryset starts from a selector scoped to the caller.
"""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from datetime import datetime

from django.core.paginator import InvalidPage, Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
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
    LEDGER_LATEST,
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
from portal.api.pagination import NewestFirstCursorPagination, PageNumberPagination
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
        award = _with_latest_ledger(request.user, _award_details(request.user).get(pk=award.pk))
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

NEWEST_FIRST = ("-created_at", "-id")
OLDEST_FIRST = ("created_at", "id")


def _awards_with_tranches(user):
    """The caller's awards with their tranches."""
    return awards_for(user).prefetch_related(
        Prefetch("tranches", queryset=Tranche.objects.order_by("number"))
    )


def _ledger_count():
    """The number of the award's ledger entries, counted by the database in the award's
    own query."""
    entries = (
        LedgerEntry.objects.filter(award=OuterRef("pk"))
        .order_by()
        .values("award")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(entries), 0, output_field=IntegerField())


def _award_details(user):
    """Awards as their detail shows them: with their tranches, and for fund staff the
    size of their ledger (`ledger_count`)."""
    awards = _awards_with_tranches(user)
    if reads_all_of_fund(user):
        awards = awards.annotate(ledger_count=_ledger_count())
    return awards


def _with_latest_ledger(user, award: Award) -> Award:
    """For fund staff, the award's newest ledger entries (`ledger_latest`), in one
    query: the detail stays small whatever the size of the ledger."""
    if hasattr(award, "ledger_count"):
        award.ledger_latest = list(
            ledger_for(user)
            .filter(award=award)
            .select_related("reversed_by")
            .order_by(*NEWEST_FIRST)[:LEDGER_LATEST]
        )
    return award


class _CountedPaginator(Paginator):
    """Django's paginator for a number of rows already counted (with the award)."""

    def __init__(self, count: int, per_page: int):
        super().__init__((), per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


LEDGER_AFTER, LEDGER_BEFORE = "after", "before"


def ledger_cursor(direction: str, entry: LedgerEntry) -> str:
    """An opaque key for the `next` (entries older than `entry`) or `previous` (newer)
    page. It only selects among the award's own entries, which the caller may read."""
    raw = f"{direction}|{entry.created_at.isoformat()}|{entry.pk}"
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _read_ledger_cursor(token: str) -> tuple[str, datetime, int]:
    try:
        raw = urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        direction, at, pk = raw.split("|")
        created_at, pk = datetime.fromisoformat(at), int(pk)
    except ValueError:  # bad base64, bad text, bad date or number
        raise NotFound(LedgerPagination.invalid_page_message) from None
    valid = direction in (LEDGER_AFTER, LEDGER_BEFORE) and 0 < pk < 2**63
    if not valid or created_at.tzinfo is None:
        raise NotFound(LedgerPagination.invalid_page_message)
    return direction, created_at, pk


class LedgerPagination(PageNumberPagination):
    """One award's ledger, newest first (ties by id): `?page=` and `?page_size=` as
    every list, the count read with the award.

    A page reached by its number is read from the nearer end of the ledger (the last
    page costs what the first does); the `next` and `previous` links also carry a
    `cursor`, the key of the row they continue from, so that walking the whole ledger
    page by page costs the same at any depth (keyset reads on the (award, created_at)
    index, whatever the offset)."""

    cursor_query_param = "cursor"
    # The browsable API's numbered links would carry the cursor along to other pages.
    template = None

    def paginate_ledger(self, entries, *, count: int, request) -> list[LedgerEntry]:
        """The page's entries, reversals joined; `entries` are the award's, scoped."""
        self.request = request
        size = self.get_page_size(request)
        paginator = _CountedPaginator(count, size)
        try:
            number = paginator.validate_number(self.get_page_number(request, paginator))
        except InvalidPage:
            raise NotFound(self.invalid_page_message) from None
        token = request.query_params.get(self.cursor_query_param)
        if token:
            page_rows = self._by_key(entries, token, size)
        else:
            page_rows = self._by_position(entries, count, (number - 1) * size, size)
        # The page's ids alone are sorted and sliced; only its rows are joined.
        rows = list(
            LedgerEntry.objects.filter(pk__in=page_rows.values("pk"))
            .select_related("reversed_by")
            .order_by(*NEWEST_FIRST)
        )
        self.page = Page(rows, number, paginator)
        return rows

    @staticmethod
    def _by_key(entries, token: str, size: int):
        direction, created_at, pk = _read_ledger_cursor(token)
        # `created_at <= key` bounds the index scan; the id breaks ties within it.
        if direction == LEDGER_AFTER:
            return entries.filter(
                Q(created_at__lte=created_at), Q(created_at__lt=created_at) | Q(pk__lt=pk)
            ).order_by(*NEWEST_FIRST)[:size]
        return entries.filter(
            Q(created_at__gte=created_at), Q(created_at__gt=created_at) | Q(pk__gt=pk)
        ).order_by(*OLDEST_FIRST)[:size]

    @staticmethod
    def _by_position(entries, count: int, offset: int, size: int):
        on_page = max(0, min(size, count - offset))
        from_oldest = count - offset - on_page
        if from_oldest < offset:
            return entries.order_by(*OLDEST_FIRST)[from_oldest : from_oldest + on_page]
        return entries.order_by(*NEWEST_FIRST)[offset : offset + size]

    def get_next_link(self):
        if not self.page.has_next():
            return None
        url = replace_query_param(
            self.request.build_absolute_uri(), self.page_query_param, self.page.next_page_number()
        )
        if not self.page.object_list:
            return remove_query_param(url, self.cursor_query_param)
        last = ledger_cursor(LEDGER_AFTER, self.page.object_list[-1])
        return replace_query_param(url, self.cursor_query_param, last)

    def get_previous_link(self):
        if not self.page.has_previous():
            return None
        url = self.request.build_absolute_uri()
        number = self.page.previous_page_number()
        if number == 1 or not self.page.object_list:
            url = remove_query_param(url, self.cursor_query_param)
            if number == 1:
                return remove_query_param(url, self.page_query_param)
            return replace_query_param(url, self.page_query_param, number)
        url = replace_query_param(url, self.page_query_param, number)
        first = ledger_cursor(LEDGER_BEFORE, self.page.object_list[0])
        return replace_query_param(url, self.cursor_query_param, first)

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "Set by the `next` and `previous` links, which read the page from "
                    "the key of the row they continue from (as fast at any depth). Leave "
                    "it out to go to a page by its number."
                ),
                "schema": {"type": "string"},
            },
        ]


@extend_schema_view(
    list=extend_schema(
        summary="Awards (the awardee's members; all for fund staff)",
        tags=TAGS,
        responses={200: AwardSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(
        summary="One award with its tranches (and the newest of its ledger for fund staff)",
        description=(
            "What was approved, paid and remains, with the tranches. For fund officers, "
            f"finance approvers and auditors also `ledger_count`, the newest {LEDGER_LATEST} "
            "ledger entries in `ledger_latest` (newest first) and `ledger_url`, where the "
            "whole ledger is read page by page (`GET /api/v1/fund/awards/{id}/ledger/`); "
            "for the awardee's members these are null."
        ),
        tags=TAGS,
        responses={200: AwardDetailSerializer, **error_responses(401, 404)},
    ),
)
class AwardViewSet(viewsets.ReadOnlyModelViewSet):
    """What the committee approved, its tranches, paid and remaining. Fund officers,
    finance approvers and auditors read every award and its ledger; an organisation's
    members read theirs, without the ledger; another organisation's award is a 404."""

    permission_classes = [FundPermission]
    action_roles = {
        "list": SIGNED_IN,
        "retrieve": SIGNED_IN,
        "metadata": SIGNED_IN,
        # The awardee's members see the award but not its ledger: refused by role (403,
        # as the disbursements are), before any award is looked up.
        "ledger_entries": FUND_STAFF,
    }
    filterset_class = AwardFilter
    ordering_fields = ["decided_at", "approved_vnd"]
    ordering = ["-decided_at", "-id"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if _fake(self):
            return Award.objects.none()
        user = self.request.user
        if self.action == "retrieve":
            return _award_details(user)
        if self.action == "ledger_entries":
            return awards_for(user).annotate(ledger_count=_ledger_count())
        return _awards_with_tranches(user)

    def get_serializer_class(self):
        return AwardDetailSerializer if self.action == "retrieve" else AwardSerializer

    def retrieve(self, request, *args, **kwargs):
        award = _with_latest_ledger(request.user, self.get_object())
        return Response(self.get_serializer(award).data)

    @extend_schema(
        summary="An award's ledger, newest first (fund staff)",
        description=(
            "Payments and reversals, newest first (ties by id), paginated. For fund "
            "officers, finance approvers and auditors (403 for anyone else, the awardee's "
            "members included: they read the award, not its ledger). Follow `next` to walk "
            "the whole ledger."
        ),
        tags=TAGS,
        responses={200: LedgerEntrySerializer(many=True), **error_responses(401, 403, 404)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="ledger",
        url_name="ledger",
        pagination_class=LedgerPagination,
        filter_backends=[],
    )
    def ledger_entries(self, request, pk=None):
        award = self.get_object()
        rows = self.paginator.paginate_ledger(
            ledger_for(request.user).filter(award=award), count=award.ledger_count, request=request
        )
        return self.get_paginated_response(LedgerEntrySerializer(rows, many=True).data)


# Disbursements


@extend_schema_view(
    list=extend_schema(
        summary="Disbursement requests (fund staff)",
        description=(
            "Newest first; `?status=requested` is the finance approvers' queue. Paged by "
            "cursor (follow `next`; an unknown cursor is a 404), without a count, so that "
            "any page costs what the first does however long the history grows."
        ),
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
    # About a million rows at the bench's scale: counting them took longer than the page.
    pagination_class = NewestFirstCursorPagination
    filter_backends = [DjangoFilterBackend]
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
