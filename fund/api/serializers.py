"""Shapes of the fund's API. Amounts are whole đồng in `*_vnd` integers; statuses are
lower-case English identifiers; datetimes ISO 8601 with their offset."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenges.models import Proposal
from challenges.selectors import proposals_for_user
from fund.enums import (
    OFFICER_TARGETS,
    ApplicationStatus,
    CallStatus,
    Decision,
    DisbursementStatus,
    DocumentKind,
    Instrument,
)
from fund.models import (
    MAX_VND,
    Award,
    Disbursement,
    FundApplication,
    FundDocument,
    FundingCall,
    LedgerEntry,
    Tranche,
)
from fund.selectors import calls_public
from portal.api.schema import enum_field
from startups.models import Organization
from startups.selectors import organizations_for_user

InstrumentField = enum_field("FundInstrument", Instrument.choices)
ApplicationStatusField = enum_field("FundApplicationStatus", ApplicationStatus.choices)
CallStatusField = enum_field("FundCallStatus", CallStatus.choices)
DecisionField = enum_field("FundDecision", Decision.choices)
DisbursementStatusField = enum_field("DisbursementStatus", DisbursementStatus.choices)
DocumentKindField = enum_field("FundDocumentKind", DocumentKind.choices)
ReviewTargetField = enum_field(
    "FundReviewTarget",
    [(value, label) for value, label in ApplicationStatus.choices if value in OFFICER_TARGETS],
)

# How many of an award's newest ledger entries its detail carries.
LEDGER_LATEST = 20

WHOLE_DONG = _("Enter a whole number of đồng, more than zero.")


class VndField(serializers.IntegerField):
    """Whole đồng as a JSON integer, more than zero. A float or a string is refused (400
    on the field), never rounded nor parsed: money is counted, not approximated."""

    default_error_messages = {"invalid": WHOLE_DONG, "min_value": WHOLE_DONG}

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_VND)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _pk_field(queryset, message, **kwargs) -> serializers.PrimaryKeyRelatedField:
    """An id among `queryset`; anything else is a 400 on the field with `message`."""
    return serializers.PrimaryKeyRelatedField(
        queryset=queryset,
        error_messages={"does_not_exist": message, "incorrect_type": message},
        **kwargs,
    )


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request else path


# Calls


class FundingCallSerializer(serializers.ModelSerializer):
    """A published call. Expects rows from `calls_public` (status annotated, fund and
    challenge joined)."""

    fund_name = serializers.CharField(source="fund.name", read_only=True)
    status = CallStatusField(source="current_status", read_only=True)
    instruments = serializers.ListField(child=InstrumentField(), read_only=True)
    remaining_vnd = serializers.SerializerMethodField(
        help_text="Budget not yet committed to awards."
    )
    challenge = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="The code of the challenge whose participants the call funds, if any.",
    )

    class Meta:
        model = FundingCall
        fields = [
            "id",
            "fund",
            "fund_name",
            "title",
            "description",
            "status",
            "instruments",
            "budget_vnd",
            "committed_vnd",
            "remaining_vnd",
            "opens_at",
            "closes_at",
            "challenge",
        ]
        read_only_fields = fields

    def get_remaining_vnd(self, call) -> int:
        return call.budget_vnd - call.committed_vnd


# Applications and their documents


class FundDocumentSerializer(serializers.ModelSerializer):
    kind = DocumentKindField(read_only=True)
    url = serializers.SerializerMethodField(help_text="Where the file is downloaded.")

    class Meta:
        model = FundDocument
        fields = [
            "id",
            "kind",
            "display_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, document) -> str:
        path = reverse(
            "fund-application-document-file",
            kwargs={"pk": document.application_id, "document_id": document.pk},
        )
        return _absolute(self.context.get("request"), path)


class FundDocumentInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "PDF, DOCX, XLSX, PPTX, PNG or JPEG, at most 20 MB, as multipart/form-data; "
            "the type is read from the content."
        )
    )
    kind = DocumentKindField()


class FundApplicationListSerializer(serializers.ModelSerializer):
    """A row of the list: the application without its long texts and files. Expects
    rows from `applications_for` with the award joined."""

    call_title = serializers.CharField(source="call.title", read_only=True)
    organization_name = serializers.CharField(source="organization.legal_name", read_only=True)
    instrument = InstrumentField(read_only=True)
    status = ApplicationStatusField(read_only=True)
    status_note = serializers.CharField(
        read_only=True, help_text="The reason given with the latest change of status."
    )
    award = serializers.SerializerMethodField(help_text="The award's id once approved.")

    class Meta:
        model = FundApplication
        fields = [
            "id",
            "call",
            "call_title",
            "organization",
            "organization_name",
            "proposal",
            "requested_vnd",
            "instrument",
            "summary",
            "status",
            "status_note",
            "submitted_at",
            "decided_at",
            "created_at",
            "updated_at",
            "award",
        ]
        read_only_fields = fields

    def get_award(self, application) -> int | None:
        # Joined by the view (select_related("award")): no query per row.
        try:
            return application.award.pk
        except Award.DoesNotExist:
            return None


class FundApplicationSerializer(FundApplicationListSerializer):
    """One application with its plan, budget breakdown and documents."""

    documents = FundDocumentSerializer(many=True, read_only=True)

    class Meta(FundApplicationListSerializer.Meta):
        fields = [
            *FundApplicationListSerializer.Meta.fields,
            "plan",
            "budget_breakdown",
            "documents",
        ]
        read_only_fields = fields


class FundApplicationInputSerializer(serializers.Serializer):
    """What a member writes in a draft; the service checks the rules (membership, the
    call's instruments, the proposal being the organisation's and sent)."""

    proposal = _pk_field(
        queryset=Proposal.objects.none(),
        message=_("Choose one of your organisation's sent proposals, or none."),
        required=False,
        allow_null=True,
        help_text="A proposal of the organisation backing the application (optional).",
    )
    requested_vnd = VndField()
    instrument = InstrumentField()
    summary = serializers.CharField(max_length=2000)
    plan = serializers.CharField(max_length=30_000, required=False, allow_blank=True)
    budget_breakdown = serializers.CharField(max_length=20_000, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["proposal"].queryset = proposals_for_user(
                user=request.user, with_attachments=False
            )


class FundApplicationCreateSerializer(FundApplicationInputSerializer):
    call = _pk_field(
        queryset=FundingCall.objects.none(),
        message=_("Choose a published call."),
        help_text="A published call's id.",
    )
    organization = _pk_field(
        queryset=Organization.objects.none(),
        message=_("Choose one of your organisations."),
        help_text="One of the caller's organisations (another is a 400 on this field).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["call"].queryset = calls_public()
            self.fields["organization"].queryset = organizations_for_user(user=request.user)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TransitionSerializer(NoteSerializer):
    to = ReviewTargetField(
        help_text=(
            "screening, due_diligence, committee; submitted to ask for more information, "
            "or rejected (both with a note for the applicant)."
        )
    )


class TrancheInputSerializer(serializers.Serializer):
    amount_vnd = VndField()
    planned_date = serializers.DateField()
    milestone = serializers.CharField(max_length=2000, help_text="What must be reached first.")


class DecisionSerializer(NoteSerializer):
    decision = DecisionField()
    approved_vnd = VndField(
        required=False,
        help_text="To approve: at most the amount requested and what the call and fund have left.",
    )
    tranches = TrancheInputSerializer(
        many=True, required=False, help_text="To approve: they add up to `approved_vnd`."
    )
    conditions = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


# Awards


class TrancheSerializer(serializers.ModelSerializer):
    met = serializers.BooleanField(
        source="milestone_met", read_only=True, help_text="The milestone is verified."
    )

    class Meta:
        model = Tranche
        fields = [
            "id",
            "number",
            "amount_vnd",
            "paid_vnd",
            "planned_date",
            "milestone",
            "met",
            "milestone_met_at",
        ]
        read_only_fields = fields


class LedgerEntrySerializer(serializers.ModelSerializer):
    """A payment (positive) or a reversal (negative) in an award's ledger."""

    # Lists join the reversal (`select_related("reversed_by")`): no query per row.
    reversed_by = serializers.SerializerMethodField(
        help_text="For a payment that was reversed: the reversal's id (null otherwise)."
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "award",
            "tranche",
            "disbursement",
            "amount_vnd",
            "reverses",
            "reversed_by",
            "note",
            "created_at",
            "created_by",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "amount_vnd": {"help_text": "Positive for a payment, negative for a reversal."},
            "reverses": {"help_text": "For a reversal: the payment it corrects."},
        }

    def get_reversed_by(self, entry) -> int | None:
        if entry.reverses_id is not None:
            return None  # a reversal is never reversed itself
        try:
            return entry.reversed_by.pk
        except LedgerEntry.reversed_by.RelatedObjectDoesNotExist:
            return None


class AwardSerializer(serializers.ModelSerializer):
    """An award with its tranches. Expects rows from `awards_for` with the tranches
    prefetched."""

    organization = serializers.IntegerField(source="application.organization_id", read_only=True)
    organization_name = serializers.CharField(
        source="application.organization.legal_name", read_only=True
    )
    instrument = InstrumentField(source="application.instrument", read_only=True)
    remaining_vnd = serializers.SerializerMethodField(help_text="Approved but not yet paid.")
    tranches = TrancheSerializer(many=True, read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "application",
            "organization",
            "organization_name",
            "fund",
            "call",
            "instrument",
            "approved_vnd",
            "paid_vnd",
            "remaining_vnd",
            "conditions",
            "decided_at",
            "tranches",
        ]
        read_only_fields = fields

    def get_remaining_vnd(self, award) -> int:
        return award.approved_vnd - award.paid_vnd


class AwardDetailSerializer(AwardSerializer):
    """One award with its tranches. Fund staff also get the size of its ledger and its
    newest entries; the whole ledger, which may hold a hundred thousand entries, is read
    page by page at `ledger_url`. For the awardee's members the ledger fields are null."""

    # The view annotates `ledger_count` and sets `ledger_latest` for fund staff only.
    ledger_count = serializers.SerializerMethodField(
        help_text="How many entries the award's ledger holds (fund staff; null otherwise)."
    )
    ledger_latest = serializers.SerializerMethodField(
        help_text=(
            f"The newest {LEDGER_LATEST} ledger entries at most, newest first (fund staff; "
            "null otherwise). The rest are at `ledger_url`."
        )
    )
    ledger_url = serializers.SerializerMethodField(
        help_text="The whole ledger, newest first, paginated (fund staff; null otherwise)."
    )

    class Meta(AwardSerializer.Meta):
        fields = [*AwardSerializer.Meta.fields, "ledger_count", "ledger_latest", "ledger_url"]
        read_only_fields = fields

    def _staff_view(self, award) -> bool:
        return hasattr(award, "ledger_count") and hasattr(award, "ledger_latest")

    def get_ledger_count(self, award) -> int | None:
        return award.ledger_count if self._staff_view(award) else None

    @extend_schema_field(LedgerEntrySerializer(many=True, allow_null=True))
    def get_ledger_latest(self, award):
        if not self._staff_view(award):
            return None
        return LedgerEntrySerializer(award.ledger_latest, many=True, context=self.context).data

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_ledger_url(self, award) -> str | None:
        if not self._staff_view(award):
            return None
        path = reverse("fund-award-ledger", kwargs={"pk": award.pk})
        return _absolute(self.context.get("request"), path)


# Disbursements


class DisbursementSerializer(serializers.ModelSerializer):
    status = DisbursementStatusField(read_only=True)
    tranche_number = serializers.IntegerField(source="tranche.number", read_only=True)

    class Meta:
        model = Disbursement
        fields = [
            "id",
            "award",
            "tranche",
            "tranche_number",
            "amount_vnd",
            "reference",
            "status",
            "note",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


class DisbursementInputSerializer(serializers.Serializer):
    award = _pk_field(queryset=Award.objects.all(), message=_("No award has this id."))
    tranche = _pk_field(
        queryset=Tranche.objects.all(),
        message=_("No tranche has this id."),
        help_text="A tranche of the award whose milestone is met.",
    )
    amount_vnd = VndField()
    reference = serializers.CharField(max_length=64, help_text="The payment order's number.")


# The public position


class FundPositionSerializer(serializers.Serializer):
    fund = serializers.IntegerField(source="fund_id")
    name = serializers.CharField()
    managing_unit = serializers.CharField()
    capital_vnd = serializers.IntegerField()
    committed_vnd = serializers.IntegerField(help_text="Approved by the committee.")
    disbursed_vnd = serializers.IntegerField(
        source="paid_vnd", help_text="Paid: approved disbursements less reversals."
    )
    available_vnd = serializers.IntegerField(
        source="remaining_vnd", help_text="Capital not yet committed."
    )
    awards = serializers.IntegerField(help_text="Number of awards.")
