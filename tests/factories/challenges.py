from datetime import timedelta

import factory
from django.utils import timezone
from wagtail.models import Locale

from challenges.enums import ChallengeKind, Sector
from challenges.models import Challenge, Proposal
from cms.models import ChallengeIndexPage, ChallengePage, HomePage


class ChallengeFactory(factory.django.DjangoModelFactory):
    """A published challenge, open now unless dates are given."""

    class Meta:
        model = Challenge

    code = factory.Sequence(lambda n: f"T{n}-2026")
    kind = ChallengeKind.PROBLEM
    sector = Sector.ENVIRONMENT
    title = factory.Sequence(lambda n: f"Bài toán thử nghiệm {n}")
    summary = "Tóm tắt bài toán."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + timedelta(days=40))
    is_published = True


def challenge_index(locale: Locale) -> ChallengeIndexPage:
    """The challenge index under the migration-made home page, in `locale`."""
    vi_home = HomePage.objects.get(depth=2, locale__language_code="vi")
    vi_index = ChallengeIndexPage.objects.child_of(vi_home).first()
    if vi_index is None:
        vi_index = vi_home.add_child(instance=ChallengeIndexPage(title="Bài toán", slug="bai-toan"))
    if locale.language_code == "vi":
        return vi_index
    existing = vi_index.get_translation_or_none(locale)
    if existing is None:
        existing = vi_index.copy_for_translation(locale, copy_parents=True)
        existing.save_revision().publish()
    return existing.specific


class ChallengePageFactory(factory.django.DjangoModelFactory):
    """A live Vietnamese page for a challenge; `translate()` adds another language."""

    class Meta:
        model = ChallengePage

    challenge = factory.SubFactory(ChallengeFactory)
    title = factory.LazyAttribute(lambda o: f"{o.challenge.title} (trang)")
    intro = factory.LazyAttribute(lambda o: f"Giới thiệu {o.challenge.code}")
    slug = factory.LazyAttribute(lambda o: o.challenge.code.lower())

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        vi = Locale.objects.get(language_code="vi")
        return challenge_index(vi).add_child(instance=model_class(*args, locale=vi, **kwargs))


def translate(page, language: str, **fields):
    """Publish `page` in another language (copying it if needed) with `fields` changed."""
    locale = Locale.objects.get(language_code=language)
    if isinstance(page, ChallengePage):
        challenge_index(locale)  # a live parent in that language
    translation = page.get_translation_or_none(locale) or page.copy_for_translation(locale)
    translation = translation.specific
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save_revision().publish()
    return translation


class ProposalFactory(factory.django.DjangoModelFactory):
    """A complete draft (every field submit asks for) by a member of its organisation."""

    class Meta:
        model = Proposal

    challenge = factory.SubFactory(ChallengeFactory)
    organization = factory.SubFactory("tests.factories.startups.OrganizationFactory", verified=True)
    author = factory.SubFactory("tests.factories.portal.UserFactory")
    title = factory.Sequence(lambda n: f"Giải pháp giám sát số {n}")
    summary = "Cảm biến IoT và bảng điều khiển cảnh báo sớm."
    description = "## Bối cảnh\n\nMô tả chi tiết giải pháp."
    budget_vnd = 1_500_000_000
    duration_months = 12
    team = "Nguyễn Văn A (trưởng nhóm)"
