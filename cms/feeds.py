"""Feeds a reader subscribes to once, in the language of the URL: every call's opening
and deadline as an iCalendar calendar (icalendar; `/calendar.ics`, `/en/calendar.ics`)
and the news as Atom (Django's syndication framework; `/news.atom`, `/en/news.atom`)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from icalendar import Alarm, Calendar, Event

from challenges.models import Challenge
from challenges.services import local_time
from cms.models import NewsPage
from cms.selectors import attach_challenge_pages
from cms.templatetags.cms_tags import language_home

# How often a subscribed calendar application should fetch the feed again.
REFRESH = timedelta(hours=6)


@require_GET
def calendar_feed(request):
    """Two events per published call, its opening and its deadline, each at the exact
    moment (UTC), titled and linked in the request's language; the deadline carries a
    reminder a day before. UIDs are stable, so an application updates an event when a
    date moves rather than adding a second one."""
    host = request.get_host().split(":")[0]
    challenges = attach_challenge_pages(
        Challenge.objects.published().order_by("opens_at", "code"), request=request
    )
    calendar = Calendar()
    calendar.add("prodid", f"-//{host}//Open Innovation Portal//{translation.get_language()}")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Open innovation calls: openings and deadlines"))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    for challenge in challenges:
        page = challenge.page
        title = page.title if page else challenge.title
        url = request.build_absolute_uri(page.url) if page and page.url else None
        dates = _("Opens at %(opens)s. Deadline: %(deadline)s.") % {
            "opens": local_time(challenge.opens_at),
            "deadline": local_time(challenge.closes_at),
        }
        for kind, moment, summary in (
            ("opens", challenge.opens_at, _("Opens: %(code)s · %(title)s")),
            ("deadline", challenge.closes_at, _("Deadline: %(code)s · %(title)s")),
        ):
            event = Event()
            event.add("uid", f"{challenge.code}-{kind}@{host}")
            event.add("dtstamp", challenge.updated_at.astimezone(UTC))
            event.add("dtstart", moment.astimezone(UTC))
            event.add("summary", summary % {"code": challenge.code, "title": title})
            event.add("description", "\n".join(filter(None, [dates, url])))
            if url:
                event.add("url", url)
            if kind == "deadline":
                alarm = Alarm()
                alarm.add("action", "DISPLAY")
                alarm.add("description", event["summary"])
                alarm.add("trigger", timedelta(days=-1))
                event.add_component(alarm)
            calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calls.ics"'
    return response


VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class NewsFeed(Feed):
    """The latest news items of the request's language, newest first, with their tags
    as categories: two queries whatever the number of items. One instance serves every
    request: the request travels as the feed's object, never as an attribute."""

    feed_type = Atom1Feed
    items_shown = 30

    def get_object(self, request, *args, **kwargs):
        return request

    def title(self, request):
        return _("News from the Open Innovation Portal")

    def subtitle(self, request):
        return _("Announcements of the Department of Science and Technology")

    def link(self, request):
        return language_home(translation.get_language())

    def items(self, request):
        news = (
            NewsPage.objects.live()
            .public()
            .filter(locale__language_code=translation.get_language())
        )
        summaries = NewsPage.summaries(news, request)[: self.items_shown]
        NewsPage.attach_tags(summaries)
        return summaries

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.intro

    def item_link(self, item):
        return item.url

    def item_pubdate(self, item):
        # News carries a date; its moment is the start of that day in Vietnam.
        return datetime.combine(item.date, time(), tzinfo=VIETNAM)

    def item_categories(self, item):
        return [name for _slug, name in item.tags]
