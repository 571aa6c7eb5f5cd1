from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from challenges.enums import ChallengeStatus
from challenges.models import Challenge
from portal.api.representation import iso_datetime


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


class ChallengeDetailSerializer(ChallengeSerializer):
    class Meta(ChallengeSerializer.Meta):
        fields = [*ChallengeSerializer.Meta.fields, "results_published_at"]
        read_only_fields = fields
