"""The reviews API for jurors and the ranking API for programme managers.

Jurors (`/api/v1/reviews/assignments/`, the jurors group only: 403 for anyone else) see
their own live assignments, read through `selectors.juror_assignments`: another juror's
sheet, a released one or an entry never given to them is a 404. They never read another
juror's scores. On a blind challenge nothing that names the entrant leaves this module:
no organisation, no members, no author, no team, and the files under neutral names,
served as copies without their document properties (`challenges.judging.blind`).
Writes go through the services: `sheet_save`, `sheet_submit`, `declare_conflict`.

Programme managers (and superusers) read a round's ranking at
`/api/v1/challenges/{code}/ranking/` (`ranking.round_ranking`, one query).
"""

from __future__ import annotations

import django_filters
import rules
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from challenges.api.serializers import AttachmentKindField, TrackSerializer
from challenges.judging.assignment import declare_conflict
from challenges.judging.blind import blind_file_response, neutral_names
from challenges.judging.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    RankingMethod,
    Round,
    RoundStatus,
    Score,
)
from challenges.judging.ranking import round_ranking
from challenges.judging.selectors import (
    JUROR_VISIBLE_STATUSES,
    juror_assignment_or_404,
    juror_assignments,
)
from challenges.judging.services import SheetError, sheet_save, sheet_submit
from challenges.models import Attachment
from portal.api.representation import iso_datetime
from portal.api.schema import enum_field, error_responses
from portal.markdown import render_markdown
from portal.roles import Role
from portal.storage import private_file_response

TAGS = ["reviews"]

# Permissions

is_juror = rules.is_group_member(Role.JUROR)
reads_rankings = rules.is_superuser | rules.is_group_member(Role.PROGRAMME_MANAGER)

REVIEW_ACTIONS = frozenset(
    {"list", "retrieve", "metadata", "scores", "submit", "conflict", "attachment_file"}
)


class ReviewPermission(permissions.BasePermission):
    """Jurors only; which assignments are theirs is the queryset's business (404)."""

    message = _("Only jurors have score sheets.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if view.action is None:
            return True  # no handler for this method: DRF answers 405
        # Deny by default: an action nobody listed is refused.
        return view.action in REVIEW_ACTIONS and is_juror(request.user)


class CanReadRankings(permissions.BasePermission):
    message = _("Only programme managers read rankings.")

    def has_permission(self, request, view):
        return bool(request.user and reads_rankings(request.user))


# Shapes

AssignmentStatusField = enum_field("AssignmentStatus", AssignmentStatus.choices)
RoundStatusField = enum_field("RoundStatus", RoundStatus.choices)
RankingMethodField = enum_field("RankingMethod", RankingMethod.choices)


def _english() -> bool:
    return translation.get_language() == "en"


def _label(obj, english: bool) -> str:
    return (obj.name_en if english else "") or obj.name


class ReviewRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language.")
    closes_at = serializers.DateTimeField(help_text="Scores are taken until then.")


def _round_data(round_, zone, english: bool) -> dict:
    return {
        "id": round_.pk,
        "number": round_.number,
        "name": _label(round_, english),
        "closes_at": iso_datetime(round_.closes_at, zone),
    }


ORGANIZATION_HELP = "The entrant's name; absent where the challenge's review is blind."


class ReviewEntryRowSerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    organization_name = serializers.CharField(required=False, help_text=ORGANIZATION_HELP)


class AssignmentRowSerializer(serializers.Serializer):
    """One of the juror's assignments in their list. Expects rows from
    `juror_assignments` annotated with `total` (the view does it)."""

    id = serializers.IntegerField()
    status = AssignmentStatusField()
    challenge = serializers.CharField(help_text="The challenge's code.")
    blind_review = serializers.BooleanField(
        help_text="Whether the entrant is hidden from jurors (no organisation, neutral files)."
    )
    round = ReviewRoundSerializer()
    entry = ReviewEntryRowSerializer()
    answered = serializers.IntegerField(help_text="Criteria scored or abstained on so far.")
    total = serializers.IntegerField(help_text="Criteria in the round's rubric.")

    def to_representation(self, assignment):
        # Written out by hand: the blind rule is plainer here than in field classes,
        # and a page of 100 rows costs far less. The declared fields document it.
        cache = self.__dict__.get("_per_list")
        if cache is None:  # once per list: the child serializer serves every row
            cache = self._per_list = (timezone.get_current_timezone(), _english())
        zone, english = cache
        return self._common(assignment, zone, english) | {
            "entry": _entry_row(assignment),
            "answered": assignment.answered,
            "total": assignment.total,
        }

    @staticmethod
    def _common(assignment, zone, english) -> dict:
        round_ = assignment.round
        return {
            "id": assignment.pk,
            "status": assignment.status,
            "challenge": round_.challenge.code,
            "blind_review": round_.challenge.blind_review,
            "round": _round_data(round_, zone, english),
        }


def _entry_row(assignment) -> dict:
    proposal = assignment.entry.proposal
    data = {"reference": proposal.reference, "title": proposal.title}
    if not assignment.round.challenge.blind_review:
        data["organization_name"] = proposal.organization.legal_name
    return data


class ReviewAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = AttachmentKindField()
    name = serializers.CharField(
        help_text=(
            "The file's name; on a blind challenge a neutral one (kind, number, "
            "extension: technical-1.pdf)."
        )
    )
    size = serializers.IntegerField(
        help_text=(
            "The stored file's size in bytes; on a blind challenge the copy served, "
            "without its document properties, may be slightly smaller."
        )
    )
    url = serializers.URLField(help_text="Where the juror downloads it.")


class ReviewEntrySerializer(serializers.Serializer):
    reference = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    description_html = serializers.CharField(
        help_text="The description's Markdown rendered as sanitised HTML."
    )
    budget_vnd = serializers.IntegerField(allow_null=True)
    duration_months = serializers.IntegerField(allow_null=True)
    track = TrackSerializer(allow_null=True)
    organization_name = serializers.CharField(required=False, help_text=ORGANIZATION_HELP)
    team = serializers.CharField(
        required=False, help_text="Who does the work; absent where the review is blind."
    )
    attachments = ReviewAttachmentSerializer(many=True)


class RubricCriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language.")
    weight = serializers.IntegerField(help_text="Percent; the rubric's weights add up to 100.")
    max_score = serializers.IntegerField(help_text="Scores run from 0 to this number.")
    description = serializers.CharField()
    guidance_low = serializers.CharField(help_text="What a low score (1) means.")
    guidance_mid = serializers.CharField(help_text="What a middle score means.")
    guidance_high = serializers.CharField(help_text="What the highest score means.")


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    value = serializers.IntegerField(allow_null=True, help_text="Null when abstaining.")
    abstain = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why the juror abstains; empty otherwise.")


def _scores(assignment) -> list[dict]:
    return [
        {
            "criterion": score.criterion_id,
            "value": score.value,
            "abstain": score.abstain,
            "reason": score.reason,
        }
        for score in assignment.scores.all()
    ]


class SheetSerializer(serializers.Serializer):
    """The juror's own score sheet: never another juror's."""

    id = serializers.IntegerField()
    status = AssignmentStatusField()
    scores = ScoreSerializer(many=True)
    comment = serializers.CharField()
    answered = serializers.IntegerField(help_text="Criteria scored or abstained on so far.")
    total = serializers.IntegerField(help_text="Criteria in the round's rubric.")
    submitted_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, assignment):
        return {
            "id": assignment.pk,
            "status": assignment.status,
            "scores": _scores(assignment),
            "comment": assignment.comment,
            "answered": assignment.answered,
            "total": assignment.total,
            "submitted_at": iso_datetime(assignment.submitted_at),
        }


class AssignmentDetailSerializer(serializers.Serializer):
    """One assignment: the entry as the juror may see it, the rubric beside it and the
    juror's own sheet."""

    id = serializers.IntegerField()
    status = AssignmentStatusField()
    challenge = serializers.CharField(help_text="The challenge's code.")
    blind_review = serializers.BooleanField()
    round = ReviewRoundSerializer()
    entry = ReviewEntrySerializer()
    criteria = RubricCriterionSerializer(many=True)
    scores = ScoreSerializer(many=True, help_text="The caller's scores, never another's.")
    comment = serializers.CharField()
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, assignment):
        zone, english = timezone.get_current_timezone(), _english()
        round_ = assignment.round
        blind = round_.challenge.blind_review
        proposal = assignment.entry.proposal
        track = proposal.track
        attachments = list(proposal.attachments.all())
        names = neutral_names(attachments) if blind else {}
        request = self.context.get("request")

        def file_url(attachment):
            path = reverse(
                "review-assignment-attachment-file",
                kwargs={"pk": assignment.pk, "attachment_id": attachment.pk},
            )
            return request.build_absolute_uri(path) if request else path

        entry = {
            "reference": proposal.reference,
            "title": proposal.title,
            "summary": proposal.summary,
            "description_html": render_markdown(proposal.description),
            "budget_vnd": proposal.budget_vnd,
            "duration_months": proposal.duration_months,
            "track": None
            if track is None
            else {"code": track.code, "name": _label(track, english)},
        }
        if not blind:
            entry["organization_name"] = proposal.organization.legal_name
            entry["team"] = proposal.team
        entry["attachments"] = [
            {
                "id": attachment.pk,
                "kind": attachment.kind,
                "name": names[attachment.pk] if blind else attachment.display_name,
                "size": attachment.size,
                "url": file_url(attachment),
            }
            for attachment in attachments
        ]
        return AssignmentRowSerializer._common(assignment, zone, english) | {
            "entry": entry,
            "criteria": [
                {
                    "id": criterion.pk,
                    "name": _label(criterion, english),
                    "weight": criterion.weight,
                    "max_score": criterion.max_score,
                    "description": criterion.description,
                    "guidance_low": criterion.guidance_low,
                    "guidance_mid": criterion.guidance_mid,
                    "guidance_high": criterion.guidance_high,
                }
                for criterion in round_.rubric.criteria.all()
            ],
            "scores": _scores(assignment),
            "comment": assignment.comment,
            "answered": assignment.answered,
            "total": assignment.total,
            "submitted_at": iso_datetime(assignment.submitted_at, zone),
        }


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(help_text="A criterion's id, from the rubric.")
    value = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="From 0 to the criterion's max_score; left out when abstaining.",
    )
    abstain = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="Why you abstain; required with abstain.",
    )


class SheetInputSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(
        many=True,
        max_length=200,
        help_text=(
            "Each a score or a reasoned abstention; they replace the criteria they name, "
            "the others stay as they were."
        ),
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        trim_whitespace=False,
        help_text="Replaces the comment; left out, the comment stays as it was.",
    )


class ConflictInputSerializer(serializers.Serializer):
    # The service says what is missing or too long, in the juror's language.
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why you have a conflict of interest with this entry (required).",
    )


class ConflictResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = AssignmentStatusField(help_text="`conflict`: the entry leaves your workspace.")


class AssignmentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=[(s.value, s.label) for s in JUROR_VISIBLE_STATUSES],
        help_text="Only assignments in these states (repeat the parameter for several).",
    )


# Jurors


def _with_total(assignments):
    """Annotate `total`: the criteria in each assignment's rubric (a subquery, so that
    the selector's count of answered criteria is not multiplied by a join)."""
    criteria = (
        Criterion.objects.filter(rubric=OuterRef("round__rubric"))
        .order_by()
        .values("rubric")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return assignments.annotate(total=Coalesce(Subquery(criteria), 0))


# What a list row shows, and nothing more: every row brings six joined models, and
# loading their other columns (addresses, descriptions, search copies) cost more than
# the rest of the request.
LIST_FIELDS = (
    "id",
    "status",
    "round_id",
    "entry_id",
    "round__number",
    "round__name",
    "round__name_en",
    "round__closes_at",
    "round__rubric_id",
    "round__challenge_id",
    "round__challenge__code",
    "round__challenge__blind_review",
    "entry__proposal_id",
    "entry__proposal__reference",
    "entry__proposal__title",
    "entry__proposal__organization_id",
    "entry__proposal__organization__legal_name",
)

ATTACHMENT_ID = OpenApiParameter(
    "attachment_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The attachment's id."
)


@extend_schema_view(
    list=extend_schema(
        summary="My assignments (jurors)",
        description=(
            "The entries the caller scores or scored, the soonest deadline first. On a "
            "blind challenge rows carry no organisation."
        ),
        tags=TAGS,
        responses={200: AssignmentRowSerializer, **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One assignment: the entry, the rubric and my sheet",
        description=(
            "The entry as the juror may see it. On a blind challenge: no organisation, "
            "members, author or team, and files under neutral names. Another juror's "
            "assignment is a 404."
        ),
        tags=TAGS,
        responses={200: AssignmentDetailSerializer, **error_responses(401, 403, 404)},
    ),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A juror's score sheets: read the entry, save scores, submit, declare a conflict."""

    permission_classes = [ReviewPermission]
    parser_classes = [JSONParser]
    serializer_class = AssignmentRowSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AssignmentFilter
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation (also run by `check --deploy`) must not need a database.
            return Assignment.objects.none()
        return _with_total(juror_assignments(self.request.user)).only(*LIST_FIELDS)

    def get_serializer_class(self):
        return AssignmentDetailSerializer if self.action == "retrieve" else AssignmentRowSerializer

    def get_object(self):
        return get_object_or_404(self._sheets(), pk=self.kwargs["pk"])

    def _sheets(self, *, with_entry=True):
        """The caller's assignments with what a sheet shows: the rubric, their own
        scores and (`with_entry`) the entry's track and files."""
        sheets = (
            _with_total(juror_assignments(self.request.user))
            .select_related("round__rubric")
            .prefetch_related(
                Prefetch("scores", queryset=Score.objects.order_by("criterion__sort_order", "pk"))
            )
        )
        if with_entry:
            sheets = sheets.select_related("entry__proposal__track").prefetch_related(
                "round__rubric__criteria", "entry__proposal__attachments"
            )
        return sheets

    def _sheet(self, pk) -> Response:
        sheet = self._sheets(with_entry=False).get(pk=pk)
        return Response(SheetSerializer(sheet).data)

    @extend_schema(
        summary="Save my scores (a draft)",
        description=(
            "Each score is a `value` from 0 to the criterion's `max_score`, or "
            "`abstain: true` with a `reason` (left out of the mean, never counted as zero). "
            "The scores given replace those of the criteria they name; a sheet may be saved "
            "half-filled. Field errors (400) write nothing. A submitted sheet, or a round "
            "not open for scoring, takes none (409)."
        ),
        tags=TAGS,
        request=SheetInputSerializer,
        responses={200: SheetSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["put"], url_path="scores", filter_backends=[])
    def scores(self, request, pk=None):
        assignment = juror_assignment_or_404(request.user, pk)
        serializer = SheetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            sheet_save(
                assignment,
                actor=request.user,
                scores=[dict(item) for item in data["scores"]],
                comment=data.get("comment"),
            )
        except SheetError as error:
            # One dict per score given, as DRF reports a list field's items.
            raise exceptions.ValidationError({"scores": error.item_errors}) from None
        return self._sheet(assignment.pk)

    @extend_schema(
        summary="Submit my sheet (locks it)",
        description=(
            "Every criterion needs a score or a reasoned abstention, and one at least a "
            "score (400 otherwise). Once submitted the sheet cannot change (409)."
        ),
        tags=TAGS,
        request=None,
        responses={200: SheetSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def submit(self, request, pk=None):
        sheet_submit(juror_assignment_or_404(request.user, pk), actor=request.user)
        return self._sheet(pk)

    @extend_schema(
        summary="Declare a conflict of interest",
        description=(
            "With a reason (400 without). The draft scores go, the entry leaves the "
            "caller's workspace and goes to another juror. Not after submitting (409)."
        ),
        tags=TAGS,
        request=ConflictInputSerializer,
        responses={200: ConflictResultSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def conflict(self, request, pk=None):
        assignment = juror_assignment_or_404(request.user, pk)
        serializer = ConflictInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sheet = declare_conflict(
            assignment, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response({"id": sheet.pk, "status": sheet.status})

    @extend_schema(
        summary="Download a file of the entry",
        description=(
            "To the assigned juror only (404 otherwise). On a blind challenge the file "
            "comes under a neutral name, as a copy without its document properties; one "
            "that cannot be cleaned (a damaged file, a PDF locked with a password) is "
            "refused (409)."
        ),
        tags=TAGS,
        parameters=[ATTACHMENT_ID],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, as an attachment, with its checked content type.",
            ),
            **error_responses(401, 403, 404, 409),
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
        assignment = juror_assignment_or_404(request.user, pk)
        # The entry's files in their (upload) order: blind names number them per kind.
        attachments = list(Attachment.objects.filter(proposal_id=assignment.entry.proposal_id))
        attachment = next((a for a in attachments if a.pk == int(attachment_id)), None)
        if attachment is None:
            raise Http404
        if assignment.round.challenge.blind_review:
            return blind_file_response(
                attachment, filename=neutral_names(attachments)[attachment.pk]
            )
        return private_file_response(
            attachment.file, filename=attachment.display_name, content_type=attachment.content_type
        )


# Managers

TIE_BREAK = _(
    "Ties are broken by, in turn: the higher mean, more reviews done, the earlier "
    "submitted proposal, then the proposal reference."
)


class RankingRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language.")
    status = RoundStatusField()
    ranking_method = RankingMethodField(help_text="The column that ranks.")
    tie_break = serializers.CharField(help_text="How equal scores are ordered.")
    disagreement_threshold = serializers.IntegerField(
        help_text="A spread of this many points (out of 100) or more flags disagreement."
    )
    sealed_at = serializers.DateTimeField(allow_null=True)
    sealed_digest = serializers.CharField(
        allow_null=True, help_text="SHA-256 over the submitted sheets, once the round is closed."
    )


class RankedEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField(help_text="From 1, without gaps.")
    entry_id = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    reference = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    organization_name = serializers.CharField()
    organization_tax_code = serializers.CharField(allow_null=True)
    mean = serializers.FloatField(
        allow_null=True, help_text="Mean of the sheets' weighted scores, out of 100."
    )
    normalised = serializers.FloatField(
        allow_null=True, help_text="Mean of the sheets' z-scores within each juror's sheets."
    )
    trimmed = serializers.FloatField(
        allow_null=True, help_text="Mean without the highest and lowest sheet (five or more)."
    )
    spread = serializers.FloatField(
        allow_null=True, help_text="Highest sheet score minus the lowest."
    )
    disagreement = serializers.BooleanField(help_text="The spread reaches the round's threshold.")
    ranking_score = serializers.FloatField(allow_null=True, help_text="The ranking method's score.")
    reviews_done = serializers.IntegerField()
    reviews_pending = serializers.IntegerField()


class RankingSerializer(serializers.Serializer):
    challenge = serializers.CharField(help_text="The challenge's code.")
    round = RankingRoundSerializer()
    entries = RankedEntrySerializer(many=True, help_text="Every entry of the round, by rank.")


class RankingQuerySerializer(serializers.Serializer):
    round = serializers.IntegerField(min_value=1, required=False)


RANKED_FIELDS = tuple(RankedEntrySerializer().fields)


class ChallengeRankingView(APIView):
    """A round's ranking for programme managers: every entry with its mean, normalised
    and trimmed scores, spread, disagreement flag and reviews done and pending."""

    permission_classes = [IsAuthenticated, CanReadRankings]

    @extend_schema(
        summary="A round's ranking (programme managers)",
        description=(
            "The latest round unless `round` (its number) says otherwise; an unknown "
            "challenge or round is a 404. Scores are rounded as shown: two decimals, "
            "three for z-scores."
        ),
        tags=["challenges"],
        parameters=[
            OpenApiParameter(
                "round",
                OpenApiTypes.INT,
                OpenApiParameter.QUERY,
                description="The round's number (1 for the first); the latest by default.",
            )
        ],
        responses={200: RankingSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request, code):
        query = RankingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rounds = Round.objects.select_related("challenge").filter(challenge__code=code.upper())
        number = query.validated_data.get("round")
        round_ = (
            rounds.order_by("-number").first()
            if number is None
            else rounds.filter(number=number).first()
        )
        if round_ is None:  # no such challenge, or no such round of it
            raise Http404
        english = _english()
        return Response(
            {
                "challenge": round_.challenge.code,
                "round": {
                    "id": round_.pk,
                    "number": round_.number,
                    "name": _label(round_, english),
                    "status": round_.status,
                    "ranking_method": round_.ranking_method,
                    "tie_break": str(TIE_BREAK),
                    "disagreement_threshold": round_.disagreement_threshold,
                    "sealed_at": iso_datetime(round_.sealed_at),
                    "sealed_digest": round_.sealed_digest or None,
                },
                "entries": [
                    {name: getattr(entry, name) for name in RANKED_FIELDS}
                    for entry in (ranked.rounded() for ranked in round_ranking(round_))
                ],
            }
        )
