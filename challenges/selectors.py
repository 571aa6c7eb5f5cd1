"""Reads of challenges, each a constant number of queries whatever the number of rows."""

from django.conf import settings
from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When
from django.utils import timezone

from challenges.models import Challenge


def challenges_public(*, language: str | None = None, now=None) -> QuerySet[Challenge]:
    """Published challenges with their derived status (`current_status`).

    With a language code, each row also gets `localized_pages`: its live page in that
    language first, else its page in the default language, so `localized_pages[0]` is
    the best page to show (the list is empty while the challenge has no live page).
    """
    from cms.models import ChallengePage

    queryset = Challenge.objects.published().with_status(now or timezone.now())
    if language is not None:
        pages = (
            ChallengePage.objects.live()
            .filter(locale__language_code__in={language, settings.LANGUAGE_CODE})
            .annotate(
                preference=Case(
                    When(locale__language_code=language, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("preference")
        )
        queryset = queryset.prefetch_related(
            Prefetch("pages", queryset=pages, to_attr="localized_pages")
        )
    return queryset
