from django.db.models import Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenges.enums import AttachmentKind, ChallengeStatus, ProposalStatus, SubmissionLanguage
from challenges.judging.models import Criterion, Round, Rubric
from challenges.models import Attachment, Challenge, Proposal
from challenges.selectors import challenges_public
from challenges.services import PROPOSAL_FIELDS
from portal.api.representation import iso_datetime
from portal.api.schema import enum_field
from portal.markdown import render_markdown
from startups.api.serializers import OrganizationKindField
from startups.models import Organization
from startups.selectors import organizations_for_user

SubmissionLanguageField = enum_field("SubmissionLanguage", SubmissionLanguage.choices)


class ChallengeSerializer(serializers.ModelSerializer):
    """A challenge as the public sees it, in the language of the request.

    Expects rows that `cms.selectors.attach_challenge_pages` gave a `page` (the view does
    it once per list); without one, the official title and summary and no URL.
    """

    title = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=ChallengeStatus.choices, read_only=True)
    url = serializers.SerializerMethodField(help_text="The public page in the request's language.")

    class Meta:
        model = Challenge
        fields = [
            "id",
            "code",
            "kind",
            "title",
            "summary",
            "sector",
            "opens_at",
            "closes_at",
            "status",
            "url",
        ]
        read_only_fields = fields

    _methods = frozenset({"title", "summary", "url"})
    _datetimes = frozenset({"opens_at", "closes_at", "results_published_at"})

    def to_representation(self, challenge):
        # Written out by hand: a page of 100 challenges spent a third of its time walking
        # DRF's fields. The declared fields document the same shape; a test compares them.
        zone = self.__dict__.get("_zone")
        if zone is None:  # once per list: the child serializer serves every row
            zone = self._zone = timezone.get_current_timezone()
        data = {}
        for name in self.Meta.fields:
            if name in self._methods:
                data[name] = getattr(self, f"get_{name}")(challenge)
            elif name in self._datetimes:
                data[name] = iso_datetime(getattr(challenge, name), zone)
            elif name == "status":
                data[name] = str(challenge.status.value)
            else:
                data[name] = getattr(challenge, name)
        return data

    def get_title(self, challenge) -> str:
        page = getattr(challenge, "page", None)
        return page.title if page else challenge.title

    def get_summary(self, challenge) -> str:
        page = getattr(challenge, "page", None)
        return page.intro if page and page.intro else challenge.summary

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, challenge):
        page = getattr(challenge, "page", None)
        if page is None or page.url is None:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(page.url) if request else page.url


# Challenge detail: tracks and eligibility


class TrackSerializer(serializers.Serializer):
    code = serializers.SlugField()
    name = serializers.CharField(help_text="In the request's language.")


class EligibilitySerializer(serializers.Serializer):
    organization_kinds = serializers.ListField(
        child=OrganizationKindField(), help_text="Kinds that may submit; empty means every kind."
    )
    verified_only = serializers.BooleanField()
    max_proposals_per_organization = serializers.IntegerField()
    budget_ceiling_vnd = serializers.IntegerField(allow_null=True)
    submission_language = SubmissionLanguageField()


class CriterionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="In the request's language.")
    weight = serializers.IntegerField(help_text="Percent; a rubric's weights add up to 100.")
    max_score = serializers.IntegerField(help_text="Scores run from 0 to this number.")


def challenge_criteria(challenge) -> list[Criterion]:
    """The criteria entries are scored against: those of the challenge's first round's
    rubric, or of its first rubric before any round is set up. One query."""
    first_round = Round.objects.filter(challenge=challenge).order_by("number")
    first_rubric = Rubric.objects.filter(challenge=challenge).order_by("pk")
    rubric_id = Coalesce(
        Subquery(first_round.values("rubric_id")[:1]), Subquery(first_rubric.values("pk")[:1])
    )
    return list(Criterion.objects.filter(rubric_id=rubric_id).order_by("sort_order", "pk"))


class ChallengeDetailSerializer(ChallengeSerializer):
    """One challenge with its tracks (the view prefetches them), who may submit and the
    rubric's criteria."""

    tracks = serializers.SerializerMethodField()
    eligibility = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField(
        help_text="What entries are scored against (the first round's rubric)."
    )

    class Meta(ChallengeSerializer.Meta):
        fields = [
            *ChallengeSerializer.Meta.fields,
            "results_published_at",
            "tracks",
            "eligibility",
            "criteria",
        ]
        read_only_fields = fields

    _methods = ChallengeSerializer._methods | {"tracks", "eligibility", "criteria"}

    @extend_schema_field(TrackSerializer(many=True))
    def get_tracks(self, challenge) -> list:
        english = translation.get_language() == "en"
        return [
            {"code": track.code, "name": (track.name_en if english else "") or track.name}
            for track in challenge.tracks.all()
        ]

    @extend_schema_field(EligibilitySerializer)
    def get_eligibility(self, challenge) -> dict:
        return {
            "organization_kinds": list(challenge.eligible_kinds or []),
            "verified_only": challenge.requires_verified_organization,
            "max_proposals_per_organization": challenge.max_proposals_per_organization,
            "budget_ceiling_vnd": challenge.budget_ceiling_vnd,
            "submission_language": challenge.submission_language,
        }

    @extend_schema_field(CriterionSerializer(many=True))
    def get_criteria(self, challenge) -> list:
        english = translation.get_language() == "en"
        return [
            {
                "id": criterion.pk,
                "name": (criterion.name_en if english else "") or criterion.name,
                "weight": criterion.weight,
                "max_score": criterion.max_score,
            }
            for criterion in challenge_criteria(challenge)
        ]


# Proposals

ProposalStatusField = enum_field("ProposalStatus", ProposalStatus.choices)
AttachmentKindField = enum_field("AttachmentKind", AttachmentKind.choices)


class AttachmentSerializer(serializers.ModelSerializer):
    kind = AttachmentKindField(read_only=True)
    url = serializers.SerializerMethodField(help_text="Where members download the file.")

    class Meta:
        model = Attachment
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
    def get_url(self, attachment) -> str:
        path = reverse(
            "proposal-attachment-file",
            kwargs={"pk": attachment.proposal_id, "attachment_id": attachment.pk},
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=(
            "PDF, DOCX, XLSX, PPTX, PNG or JPEG, at most 20 MB, as multipart/form-data; "
            "the type is read from the content."
        )
    )
    kind = AttachmentKindField()


class ProposalSerializer(serializers.ModelSerializer):
    """A proposal as its organisation's members see it. Expects rows from
    `proposals_for_user` (challenge, track and organisation joined, attachments
    prefetched)."""

    challenge = serializers.SlugRelatedField(slug_field="code", read_only=True)
    track = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    status = ProposalStatusField(read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    description_html = serializers.SerializerMethodField(
        help_text="The description's Markdown rendered as sanitised HTML."
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "challenge",
            "track",
            "organization",
            "author",
            "title",
            "summary",
            "description",
            "description_html",
            "budget_vnd",
            "duration_months",
            "team",
            "status",
            "reference",
            "submitted_at",
            "content_sha256",
            "attachments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_description_html(self, proposal) -> str:
        return render_markdown(proposal.description)


class ProposalListSerializer(ProposalSerializer):
    """A row of the list: the detail without `description_html`."""

    class Meta(ProposalSerializer.Meta):
        fields = [name for name in ProposalSerializer.Meta.fields if name != "description_html"]
        read_only_fields = fields

    _datetimes = frozenset({"submitted_at", "created_at", "updated_at"})
    _codes = frozenset({"challenge", "track"})
    _ids = frozenset({"organization", "author"})
    _attachment_fields = AttachmentSerializer.Meta.fields

    def to_representation(self, proposal):
        # Written out by hand, as ChallengeSerializer's: DRF's fields, nested attachments
        # and a reverse() per file took most of a 100-row page's time. The declared
        # fields document the same shape; a test compares the two.
        zone, file_url = self._per_list()
        data = {}
        for name in self.Meta.fields:
            if name in self._datetimes:
                data[name] = iso_datetime(getattr(proposal, name), zone)
            elif name in self._codes:
                related = getattr(proposal, name)
                data[name] = related.code if related is not None else None
            elif name in self._ids:
                data[name] = getattr(proposal, f"{name}_id")
            elif name == "attachments":
                data[name] = [
                    {
                        "id": attachment.pk,
                        "kind": attachment.kind,
                        "display_name": attachment.display_name,
                        "content_type": attachment.content_type,
                        "size": attachment.size,
                        "sha256": attachment.sha256,
                        "uploaded_at": iso_datetime(attachment.uploaded_at, zone),
                        "url": file_url % (proposal.pk, attachment.pk),
                    }
                    for attachment in proposal.attachments.all()
                ]
            else:
                data[name] = getattr(proposal, name)
        return data

    def _per_list(self):
        """The time zone and the files' URL pattern, once per list (the child serializer
        serves every row)."""
        cached = self.__dict__.get("_list_cache")
        if cached is None:
            # Reversed once with stand-ins, then filled in per file.
            path = reverse(
                "proposal-attachment-file", kwargs={"pk": 111111111, "attachment_id": 222222222}
            )
            path = path.replace("%", "%%").replace("111111111", "%d").replace("222222222", "%d")
            request = self.context.get("request")
            url = request.build_absolute_uri(path) if request else path
            cached = self._list_cache = (timezone.get_current_timezone(), url)
        return cached


class ProposalInputSerializer(serializers.ModelSerializer):
    """What a member writes in a draft; the service checks the rules (membership, the
    deadline, the track belonging to the challenge)."""

    track = serializers.SlugField(
        max_length=32,
        required=False,
        allow_null=True,
        help_text="A track's code of the challenge; null for none.",
    )

    class Meta:
        model = Proposal
        fields = list(PROPOSAL_FIELDS)
        extra_kwargs = {"title": {"required": True}}


class ProposalCreateSerializer(ProposalInputSerializer):
    challenge = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Challenge.objects.none(),
        help_text="The challenge's code, e.g. P1-2026.",
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.none(),
        help_text="One of the caller's organisations (another is a 400 on this field).",
    )

    class Meta(ProposalInputSerializer.Meta):
        fields = ["challenge", "organization", *PROPOSAL_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["challenge"].queryset = challenges_public()
            self.fields["organization"].queryset = organizations_for_user(user=request.user)


class ProposalReceiptSerializer(serializers.ModelSerializer):
    status = ProposalStatusField(read_only=True)

    class Meta:
        model = Proposal
        fields = ["id", "status", "reference", "submitted_at", "content_sha256"]
        read_only_fields = fields


class WithdrawSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class StaffProposalSerializer(serializers.ModelSerializer):
    """A sent proposal in a programme manager's list of a challenge's proposals.
    Expects rows from `proposals_sent` (organisation joined, attachments counted)."""

    challenge = serializers.SlugRelatedField(slug_field="code", read_only=True)
    track = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    status = ProposalStatusField(read_only=True)
    organization_name = serializers.CharField(source="organization.legal_name", read_only=True)
    organization_tax_code = serializers.CharField(
        source="organization.tax_code", read_only=True, allow_null=True
    )
    attachments_count = serializers.IntegerField(read_only=True)
    reviews_done = serializers.IntegerField(
        read_only=True, help_text="Submitted score sheets in the latest round it reached."
    )
    reviews_pending = serializers.IntegerField(
        read_only=True, help_text="Score sheets still to submit in that round."
    )
    mean_score = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Mean of the submitted sheets' weighted scores, out of 100.",
    )

    class Meta:
        model = Proposal
        fields = [
            "id",
            "reference",
            "challenge",
            "track",
            "organization",
            "organization_name",
            "organization_tax_code",
            "title",
            "summary",
            "budget_vnd",
            "duration_months",
            "status",
            "submitted_at",
            "content_sha256",
            "attachments_count",
            "reviews_done",
            "reviews_pending",
            "mean_score",
        ]
        read_only_fields = fields
