from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from challenges.enums import ChallengeStatus
from challenges.models import Challenge
from tests.factories import ChallengeFactory

pytestmark = pytest.mark.django_db


def test_status_is_the_same_in_the_database_and_in_python():
    now = timezone.now()
    day = timedelta(days=1)
    ChallengeFactory(code="A", opens_at=now + day, closes_at=now + 2 * day)
    ChallengeFactory(code="B", opens_at=now - day, closes_at=now + day)
    ChallengeFactory(code="C", opens_at=now - 2 * day, closes_at=now - day)
    ChallengeFactory(
        code="D", opens_at=now - 3 * day, closes_at=now - 2 * day, results_published_at=now - day
    )
    # Results announced for later are not results yet.
    ChallengeFactory(
        code="E", opens_at=now - 3 * day, closes_at=now - 2 * day, results_published_at=now + day
    )

    annotated = {c.code: c.current_status for c in Challenge.objects.with_status(now)}
    in_python = {c.code: c.status_at(now) for c in Challenge.objects.all()}

    assert (
        annotated
        == in_python
        == {
            "A": ChallengeStatus.UPCOMING,
            "B": ChallengeStatus.OPEN,
            "C": ChallengeStatus.CLOSED,
            "D": ChallengeStatus.RESULTS,
            "E": ChallengeStatus.CLOSED,
        }
    )


def test_the_deadline_instant_itself_is_closed():
    closes_at = timezone.now()
    challenge = ChallengeFactory(opens_at=closes_at - timedelta(days=1), closes_at=closes_at)

    assert challenge.status_at(closes_at - timedelta(microseconds=1)) == ChallengeStatus.OPEN
    assert challenge.status_at(closes_at) == ChallengeStatus.CLOSED


def test_deadline_before_opening_is_refused_by_the_form_and_the_database():
    now = timezone.now()
    challenge = ChallengeFactory.build(
        code="BAD-1", opens_at=now, closes_at=now - timedelta(days=1)
    )

    with pytest.raises(ValidationError) as error:
        challenge.full_clean()
    assert "closes_at" in error.value.message_dict
    with pytest.raises(IntegrityError):
        challenge.save()


def test_code_format_is_validated():
    challenge = ChallengeFactory.build(code="p1 2026")

    with pytest.raises(ValidationError) as error:
        challenge.full_clean()
    assert "code" in error.value.message_dict
