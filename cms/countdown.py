"""The state of a call in words, worked out on the server in the province's time zone
("closes in 3 days", "closes today at 17:00"): no script, and the same on every device."""

from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from challenges.enums import ChallengeStatus


def _distance(moment, now) -> tuple[str, int, str]:
    """How far `moment` (in the future) is: ("days", n) in calendar days of Vietnam
    time, ("tomorrow", 1), or later today ("hours", n) or within the hour ("minutes", n);
    with `moment`'s time of day."""
    local = timezone.localtime(moment)
    at = time_format(local, "H:i")
    days = (local.date() - timezone.localtime(now).date()).days
    if days >= 2:
        return "days", days, at
    if days == 1:
        return "tomorrow", 1, at
    minutes = max(1, int((moment - now).total_seconds() // 60))
    if minutes < 60:
        return "minutes", minutes, at
    return "hours", minutes // 60, at


def _left(unit: str, count: int) -> str:
    if unit == "minutes":
        return ngettext("%(count)d minute left", "%(count)d minutes left", count) % {"count": count}
    return ngettext("%(count)d hour left", "%(count)d hours left", count) % {"count": count}


def deadline_phrase(challenge, now=None) -> str:
    now = now or timezone.now()
    status = challenge.status_at(now)
    if status == ChallengeStatus.UPCOMING:
        unit, count, at = _distance(challenge.opens_at, now)
        if unit == "days":
            return ngettext("Opens in %(count)d day", "Opens in %(count)d days", count) % {
                "count": count
            }
        if unit == "tomorrow":
            return _("Opens tomorrow at %(time)s") % {"time": at}
        return _("Opens today at %(time)s (%(left)s)") % {"time": at, "left": _left(unit, count)}
    if status == ChallengeStatus.OPEN:
        unit, count, at = _distance(challenge.closes_at, now)
        if unit == "days":
            return ngettext(
                "Open: closes in %(count)d day", "Open: closes in %(count)d days", count
            ) % {"count": count}
        if unit == "tomorrow":
            return _("Open: closes tomorrow at %(time)s") % {"time": at}
        return _("Open: closes today at %(time)s (%(left)s)") % {
            "time": at,
            "left": _left(unit, count),
        }
    closed_on = date_format(timezone.localtime(challenge.closes_at), "DATE_FORMAT")
    if status == ChallengeStatus.RESULTS:
        return _("Closed on %(date)s; results published") % {"date": closed_on}
    return _("Closed on %(date)s") % {"date": closed_on}
