"""Reads of challenges, each a constant number of queries whatever the number of rows."""

from django.db.models import QuerySet
from django.utils import timezone

from challenges.models import Challenge


def challenges_public(*, now=None) -> QuerySet[Challenge]:
    """Published challenges with their derived status (`current_status`).

    Their public pages live in `cms`, which depends on this app and not the reverse:
    `cms.selectors.attach_challenge_pages` adds each row's page in a language.
    """
    return Challenge.objects.published().with_status(now or timezone.now())
