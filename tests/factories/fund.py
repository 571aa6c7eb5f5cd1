"""Factories of the fund. Rows whose totals the services keep (awards, tranches, the
ledger) are best made through `fund.services`; these build the starting points."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from fund.enums import ApplicationStatus, Instrument
from fund.models import Fund, FundApplication, FundingCall


class FundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fund

    name = factory.Sequence(lambda n: f"Quỹ đầu tư khởi nghiệp sáng tạo {n}")
    managing_unit = "Sở Khoa học và Công nghệ"
    capital_vnd = 100_000_000_000


class FundingCallFactory(factory.django.DjangoModelFactory):
    """A published call, open now, offering grants and convertible loans."""

    class Meta:
        model = FundingCall

    fund = factory.SubFactory(FundFactory)
    title = factory.Sequence(lambda n: f"Đợt gọi vốn {n}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=5))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=60))
    budget_vnd = 20_000_000_000
    offers_grant = True
    offers_convertible_loan = True
    is_published = True


class FundApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft; `status=...` puts it straight in that state (a sent one with
    its submission time)."""

    class Meta:
        model = FundApplication

    call = factory.SubFactory(FundingCallFactory)
    organization = factory.SubFactory("tests.factories.startups.OrganizationFactory", verified=True)
    created_by = factory.SubFactory("tests.factories.portal.UserFactory")
    requested_vnd = 2_000_000_000
    instrument = Instrument.GRANT
    summary = "Nền tảng quan trắc môi trường khu công nghiệp."
    plan = "Giai đoạn 1: thử nghiệm; giai đoạn 2: triển khai."
    budget_breakdown = "Thiết bị: 1,2 tỷ; nhân sự: 0,8 tỷ."
    status = ApplicationStatus.DRAFT
    submitted_at = factory.LazyAttribute(
        lambda o: None if o.status == ApplicationStatus.DRAFT else timezone.now()
    )


def tranche_plan(*amounts: int) -> list[dict]:
    """A decision's tranche schedule with these amounts, a month apart."""
    start = date(2027, 1, 15)
    return [
        {
            "amount_vnd": amount,
            "planned_date": start + timedelta(days=30 * index),
            "milestone": f"Mốc {index + 1}: nghiệm thu sản phẩm",
        }
        for index, amount in enumerate(amounts)
    ]
