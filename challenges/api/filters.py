import django_filters
from django.utils.translation import gettext_lazy as _

from challenges.enums import ChallengeKind, ChallengeStatus, ProposalStatus, Sector
from challenges.models import Challenge, Proposal
from challenges.selectors import challenges_search


class ChallengeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ChallengeKind.choices)
    sector = django_filters.ChoiceFilter(choices=Sector.choices)
    # `current_status` is annotated by the selector, so the database does the filtering.
    status = django_filters.ChoiceFilter(
        choices=ChallengeStatus.choices, field_name="current_status", label=_("Status")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("Search"))

    class Meta:
        model = Challenge
        fields = ["kind", "sector", "status", "search"]

    def filter_search(self, queryset, name, value):
        return challenges_search(queryset, query=value)


class ProposalFilter(django_filters.FilterSet):
    challenge = django_filters.CharFilter(
        field_name="challenge__code", lookup_expr="iexact", label=_("Challenge code")
    )
    status = django_filters.ChoiceFilter(choices=ProposalStatus.choices)
    track = django_filters.CharFilter(field_name="track__code", label=_("Track code"))
    organization = django_filters.NumberFilter(field_name="organization_id")
    submitted_after = django_filters.IsoDateTimeFilter(
        field_name="submitted_at", lookup_expr="gte", label=_("Submitted at or after")
    )
    submitted_before = django_filters.IsoDateTimeFilter(
        field_name="submitted_at", lookup_expr="lt", label=_("Submitted before")
    )

    class Meta:
        model = Proposal
        fields = [
            "challenge",
            "status",
            "track",
            "organization",
            "submitted_after",
            "submitted_before",
        ]
