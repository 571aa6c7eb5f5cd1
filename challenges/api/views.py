from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import AllowAny

from challenges.api.filters import ChallengeFilter
from challenges.api.serializers import ChallengeDetailSerializer, ChallengeSerializer
from challenges.models import Challenge
from challenges.selectors import challenges_public


@extend_schema_view(
    list=extend_schema(summary="Published challenges", tags=["challenges"]),
    retrieve=extend_schema(summary="One challenge", tags=["challenges"]),
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
