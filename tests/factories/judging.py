"""Judging rows: a rubric with its criteria, a round open for scoring, jurors, entries
(submitted proposals) and assignments."""

from datetime import timedelta

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from challenges.enums import ProposalStatus
from challenges.judging.models import (
    Assignment,
    Criterion,
    JurorProfile,
    Round,
    RoundEntry,
    RoundJuror,
    RoundStatus,
    Rubric,
)
from portal.roles import Role
from tests.factories.challenges import ChallengeFactory, ProposalFactory
from tests.factories.portal import UserFactory


class RubricFactory(factory.django.DjangoModelFactory):
    """A rubric of three criteria (weights 50, 30, 20; scores 0 to 5), or of
    `criteria=[(weight, max_score), ...]`."""

    class Meta:
        model = Rubric
        skip_postgeneration_save = True

    challenge = factory.SubFactory(ChallengeFactory)
    name = "Tiêu chí chấm"

    @factory.post_generation
    def criteria(self, create, extracted, **kwargs):
        if not create:
            return
        for order, (weight, max_score) in enumerate(extracted or [(50, 5), (30, 5), (20, 5)]):
            Criterion.objects.create(
                rubric=self,
                sort_order=order,
                name=f"Tiêu chí {order + 1}",
                name_en=f"Criterion {order + 1}",
                description="Mức độ đáp ứng yêu cầu.",
                weight=weight,
                max_score=max_score,
                guidance_low="Không đáp ứng.",
                guidance_mid="Đáp ứng một phần.",
                guidance_high="Đáp ứng đầy đủ.",
            )


class RoundFactory(factory.django.DjangoModelFactory):
    """Round 1 of a closed challenge, open for scoring for two more weeks."""

    class Meta:
        model = Round

    challenge = factory.SubFactory(
        ChallengeFactory,
        opens_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=40)),
        closes_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1)),
    )
    number = 1
    name = "Vòng sơ loại"
    name_en = "Screening"
    rubric = factory.SubFactory(RubricFactory, challenge=factory.SelfAttribute("..challenge"))
    reviewers_per_entry = 3
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    status = RoundStatus.SCORING


class JurorFactory(UserFactory):
    """A user in the jurors group with a profile (`expertise`, a list of sectors)."""

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=extracted or Role.JUROR))

    @factory.post_generation
    def expertise(self, create, extracted, **kwargs):
        if create:
            JurorProfile.objects.create(user=self, expertise=list(extracted or []))


class RoundJurorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundJuror

    round = factory.SubFactory(RoundFactory)
    user = factory.SubFactory(JurorFactory)


class SubmittedProposalFactory(ProposalFactory):
    status = ProposalStatus.SUBMITTED
    reference = factory.Sequence(lambda n: f"T-2026-{n:04d}")
    submitted_at = factory.LazyFunction(timezone.now)
    content_sha256 = factory.Sequence(lambda n: f"{n:064x}")


class RoundEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundEntry

    round = factory.SubFactory(RoundFactory)
    proposal = factory.SubFactory(
        SubmittedProposalFactory,
        challenge=factory.SelfAttribute("..round.challenge"),
        status=ProposalStatus.UNDER_REVIEW,
    )


class AssignmentFactory(factory.django.DjangoModelFactory):
    """A juror on the entry's round panel, assigned the entry."""

    class Meta:
        model = Assignment

    entry = factory.SubFactory(RoundEntryFactory)
    round = factory.SelfAttribute("entry.round")
    juror = factory.SubFactory(JurorFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        RoundJuror.objects.get_or_create(round=kwargs["round"], user=kwargs["juror"])
        return super()._create(model_class, *args, **kwargs)
