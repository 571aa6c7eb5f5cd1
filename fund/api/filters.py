import django_filters
from django.utils.translation import gettext_lazy as _

from fund.enums import ApplicationStatus, CallStatus, DisbursementStatus, Instrument
from fund.models import Award, Disbursement, FundApplication, FundingCall


class FundingCallFilter(django_filters.FilterSet):
    # `current_status` is annotated by `calls_public`, so the database does the filtering.
    status = django_filters.ChoiceFilter(
        choices=CallStatus.choices, field_name="current_status", label=_("Status")
    )
    fund = django_filters.NumberFilter(field_name="fund_id")

    class Meta:
        model = FundingCall
        fields = ["status", "fund"]


class FundApplicationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ApplicationStatus.choices)
    instrument = django_filters.ChoiceFilter(choices=Instrument.choices)
    call = django_filters.NumberFilter(field_name="call_id")
    organization = django_filters.NumberFilter(field_name="organization_id")

    class Meta:
        model = FundApplication
        fields = ["status", "instrument", "call", "organization"]


class AwardFilter(django_filters.FilterSet):
    fund = django_filters.NumberFilter(field_name="fund_id")
    call = django_filters.NumberFilter(field_name="call_id")
    organization = django_filters.NumberFilter(field_name="application__organization_id")

    class Meta:
        model = Award
        fields = ["fund", "call", "organization"]


class DisbursementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DisbursementStatus.choices)
    award = django_filters.NumberFilter(field_name="award_id")

    class Meta:
        model = Disbursement
        fields = ["status", "award"]
