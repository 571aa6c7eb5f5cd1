"""Keeps `Challenge.pages_search_text` current: the folded titles and intros of a
challenge's live pages in every language, which the API's `search` filter compares.

The domain never reads pages, so the CMS writes this column when a challenge page is
created live, published, unpublished or deleted, or is moved to another challenge.
Connected by importing this module (`cms.search` does).
"""

from functools import cache

from django.apps import apps
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from wagtail.models import Page, get_page_models
from wagtail.signals import page_published, page_unpublished

from challenges.models import Challenge
from portal.text import fold


@cache
def challenge_page_models() -> tuple[type[Page], ...]:
    """Page types that point at a challenge (its page, its results page): the site's
    search hides them while the challenge is unpublished."""
    return tuple(
        model
        for model in get_page_models()
        if any(
            field.name == "challenge" and field.related_model is Challenge
            for field in model._meta.concrete_fields
        )
    )


def _challenge_page_model() -> type[Page]:
    # By name: cms.models imports this module (through cms.search).
    return apps.get_model("cms", "ChallengePage")


def challenge_pages_search_text_refresh(*, challenge_ids) -> None:
    """Rewrite the folded text of these challenges' public pages (title and intro of
    each live ChallengePage, every language): two queries, and one update a challenge."""
    challenge_ids = {pk for pk in challenge_ids if pk is not None}
    if not challenge_ids:
        return
    texts = {pk: [] for pk in challenge_ids}
    rows = (
        _challenge_page_model()
        .objects.live()
        .filter(challenge_id__in=challenge_ids)
        .order_by("path")
        .values_list("challenge_id", "title", "intro")
    )
    for challenge_id, title, intro in rows:
        texts[challenge_id].extend((title, intro))
    for pk, parts in texts.items():
        # `update()`: the challenge's own fields and `updated_at` are not the CMS's to touch.
        Challenge.objects.filter(pk=pk).update(pages_search_text=fold(" ".join(parts)))


def _challenge_page(instance) -> bool:
    return isinstance(instance, _challenge_page_model())


@receiver(pre_save, dispatch_uid="cms.search_index.remember_challenge")
def _remember_previous_challenge(sender, instance, update_fields=None, **kwargs):
    # A page re-pointed at another challenge must leave the old one's text too.
    if instance.pk is None or not _challenge_page(instance):
        return
    if update_fields is not None and "challenge" not in update_fields:
        return
    instance._search_previous_challenge_id = (
        type(instance).objects.filter(pk=instance.pk).values_list("challenge_id", flat=True).first()
    )


@receiver(post_save, dispatch_uid="cms.search_index.created")
def _refresh_created(sender, instance, created, **kwargs):
    # A page made live by `add_child` (code, imports) is published without the signal.
    if created and getattr(instance, "live", False):
        _refresh_challenge(sender, instance)


@receiver(page_published, dispatch_uid="cms.search_index.published")
@receiver(page_unpublished, dispatch_uid="cms.search_index.unpublished")
@receiver(post_delete, dispatch_uid="cms.search_index.deleted")
def _refresh_challenge(sender, instance, **kwargs):
    if not _challenge_page(instance):
        return
    previous = getattr(instance, "_search_previous_challenge_id", None)
    challenge_pages_search_text_refresh(challenge_ids={instance.challenge_id, previous})
