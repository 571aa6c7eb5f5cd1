"""What drops the anonymous page cache (portal.cache), and when pages change by themselves.

Any save or delete of a model the public pages show makes every cached page stale: the
site is one small tree whose pages list each other's challenges, menus and settings, so
working out which pages a change touches would cost more than re-rendering a few pages
after each of the few publications a day. Drafts saved in the admin drop it too, which
is harmless; a `cms` model that visitors write to (a form's submissions) would drop it on
every write, so keep such models out of PUBLIC_APPS' reach (another app, or an exclusion
in `shown_publicly`).
"""

from datetime import timedelta
from functools import cache

from django.db.models import Min, Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.images.models import AbstractRendition
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from challenges.models import Challenge
from fund.models import FundingCall, LedgerEntry
from fund.reports import ledger_entry_written
from portal import cache as page_cache

# Every model of these apps is public content: pages, snippets (navigation, footer),
# settings.
PUBLIC_APPS = {"cms"}
# Models of other apps that public pages show.
PUBLIC_MODELS = {
    "challenges.challenge",
    "challenges.track",
    "startups.organization",  # the directory
    "startups.startupprofile",  # its stage, on the directory's cards
    # The fund page and the awards' trails: the totals, the calls, the awards, the
    # tranches' milestones and what the ledger paid (an approved disbursement writes a
    # ledger entry and the award's and tranche's paid totals; a reversal, an entry and
    # the totals). Requests not yet approved, applications and their documents are not
    # public: their many writes (an applicant's draft) leave the cache alone.
    "fund.fund",
    "fund.fundingcall",
    "fund.award",
    "fund.tranche",
    "fund.ledgerentry",
    "wagtailcore.page",
    "wagtailcore.site",
    "wagtailcore.locale",
    "wagtailcore.pageviewrestriction",
    "wagtailimages.image",
    "wagtaildocs.document",
    "taggit.tag",
}


@cache
def shown_publicly(model) -> bool:
    # Renditions are made while a page renders: dropping the cache then would undo it.
    if issubclass(model, AbstractRendition):
        return False
    return (
        model._meta.app_label in PUBLIC_APPS
        or model._meta.label_lower in PUBLIC_MODELS
        or issubclass(model, (Page, BaseGenericSetting, BaseSiteSetting))
    )


def _model_changed(sender, created=False, **kwargs):
    # A setting's row is created with its defaults by the first page that reads it,
    # while it renders: that page already shows them.
    if created and issubclass(sender, (BaseGenericSetting, BaseSiteSetting)):
        return
    if shown_publicly(sender):
        page_cache.invalidate()


def _page_changed(sender, **kwargs):
    page_cache.invalidate()


def _ledger_entry_saved(sender, instance, created=False, **kwargs):
    if created:
        ledger_entry_written(instance)


def next_page_change(now):
    """When public pages next change with the clock alone: the next opening, deadline or
    results date of a published challenge (its status), the next opening or closing of a
    published funding call (the fund page's open calls), the next midnight in Vietnam
    (the countdown's days, cms.countdown), and within the hour before either, the next
    minute (its minutes left)."""
    upcoming = Challenge.objects.published().aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)),
        closes=Min("closes_at", filter=Q(closes_at__gt=now)),
        results=Min("results_published_at", filter=Q(results_published_at__gt=now)),
    )
    calls = FundingCall.objects.filter(is_published=True).aggregate(
        opens=Min("opens_at", filter=Q(opens_at__gt=now)),
        closes=Min("closes_at", filter=Q(closes_at__gt=now)),
    )
    local = timezone.localtime(now)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    moments = [*filter(None, upcoming.values()), *filter(None, calls.values()), midnight]
    soonest = min(moments)
    if soonest - now <= timedelta(hours=1):
        soonest = min(soonest, now + timedelta(minutes=1))
    return soonest


def connect() -> None:
    """Called once by CmsConfig.ready()."""
    post_save.connect(_model_changed, dispatch_uid="page_cache_post_save")
    post_delete.connect(_model_changed, dispatch_uid="page_cache_post_delete")
    # Publishing also saves the page; these say so explicitly, and a move updates its
    # subtree's paths with queries that send no save signal.
    page_published.connect(_page_changed, dispatch_uid="page_cache_published")
    page_unpublished.connect(_page_changed, dispatch_uid="page_cache_unpublished")
    post_page_move.connect(_page_changed, dispatch_uid="page_cache_moved")
    # The fund's kept monthly sums (fund.reports) hold only while entries are dated now.
    post_save.connect(_ledger_entry_saved, sender=LedgerEntry, dispatch_uid="fund_ledger_months")
    page_cache.register_expiry(next_page_change)
