"""Reads of challenges, each a constant number of queries whatever the number of rows."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from wagtail.models import Locale

from challenges.models import Challenge


def challenges_public(*, locale: Locale | None = None, now=None) -> QuerySet[Challenge]:
    """Published challenges with their derived status and, when a locale is given, their
    live page in that language prefetched as `localized_pages` (0 or 1 item)."""
    from cms.models import ChallengePage

    queryset = Challenge.objects.published().with_status(now or timezone.now())
    if locale is not None:
        queryset = queryset.prefetch_related(
            Prefetch(
                "pages",
                queryset=ChallengePage.objects.live().filter(locale=locale),
                to_attr="localized_pages",
            )
        )
    return queryset
