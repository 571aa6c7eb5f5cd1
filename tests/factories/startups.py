import factory
from stdnum.vn import mst

from startups.enums import MembershipRole, OrganizationKind, Sector, StartupStage
from startups.models import Membership, Organization, StartupProfile


def tax_code(n: int) -> str:
    """The n-th valid 10-digit tax code (province 01): some prefixes have no valid check
    digit (it would be 10), so the sequence skips them."""
    number = 1000 + n * 7
    while True:
        base = f"01{number:07d}"
        check = mst.calc_check_digit(base)
        if len(check) == 1:
            return base + check
        number += 1


class OrganizationFactory(factory.django.DjangoModelFactory):
    """An enterprise with a valid tax code; `owner=user` makes that user its owner."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    kind = OrganizationKind.ENTERPRISE
    legal_name = factory.Sequence(lambda n: f"Công ty Cổ phần Công nghệ Số {n}")
    short_name = factory.Sequence(lambda n: f"CNS{n}")
    tax_code = factory.Sequence(tax_code)
    sector = Sector.SOFTWARE
    province = "bac-ninh"
    description = "Giải pháp phần mềm cho doanh nghiệp."

    @factory.post_generation
    def owner(self, create, extracted, **kwargs):
        if create and extracted:
            Membership.objects.create(organization=self, user=extracted, role=MembershipRole.OWNER)


class StartupFactory(OrganizationFactory):
    kind = OrganizationKind.STARTUP
    legal_name = factory.Sequence(lambda n: f"Công ty TNHH Khởi nghiệp Xanh {n}")
    profile = factory.RelatedFactory(
        "tests.factories.startups.StartupProfileFactory", factory_related_name="organization"
    )


class StartupProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StartupProfile

    organization = factory.SubFactory(StartupFactory, profile=None)
    stage = StartupStage.MVP
    founders = "Nguyễn Thị Hoa (CEO)"
    team_size = 6
    funding_raised_vnd = 500_000_000


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory("tests.factories.portal.UserFactory")
    role = MembershipRole.MEMBER
