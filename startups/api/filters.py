import django_filters

from startups.enums import OrganizationKind
from startups.models import Organization


class OrganizationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices)
    verified = django_filters.BooleanFilter()

    class Meta:
        model = Organization
        fields = ["kind", "verified"]
