"""Deadline reminders: organisations with drafts but nothing sent are e-mailed 72 hours
and 24 hours before a call closes, once per window. Run by `manage.py send_reminders`."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation

from challenges.enums import SENT_PROPOSAL_STATUSES, ProposalStatus
from challenges.models import Challenge, Proposal, ProposalReminder
from challenges.services import local_time
from startups.models import Membership, Organization

Window = ProposalReminder.Window

# Upper bounds of each window's time left, nearest first: a run inside the 24-hour
# window sends only that reminder, never the 72-hour one as well.
WINDOWS = [(Window.HOURS_24, timedelta(hours=24)), (Window.HOURS_72, timedelta(hours=72))]


def reminder_window(time_left: timedelta) -> str | None:
    if time_left <= timedelta(0):
        return None
    for window, bound in WINDOWS:
        if time_left <= bound:
            return window
    return None


def send_draft_reminders(*, now=None) -> int:
    """Remind every organisation due a reminder now; return how many e-mails go out.

    Each (challenge, organisation, window) is recorded in the transaction that decides
    to send, and the e-mails leave when it commits."""
    now = now or timezone.now()
    longest = WINDOWS[-1][1]
    challenges = Challenge.objects.published().filter(
        opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + longest
    )
    sent = 0
    for challenge in challenges:
        window = reminder_window(challenge.closes_at - now)
        if window is not None:
            sent += _remind_for_challenge(challenge, window)
    return sent


def _remind_for_challenge(challenge: Challenge, window: str) -> int:
    sent_by = Proposal.objects.filter(
        challenge=challenge, status__in=SENT_PROPOSAL_STATUSES
    ).values("organization")
    reminded = ProposalReminder.objects.filter(challenge=challenge, window=window).values(
        "organization"
    )
    drafts = (
        Proposal.objects.filter(challenge=challenge, status=ProposalStatus.DRAFT)
        .exclude(organization__in=sent_by)
        .exclude(organization__in=reminded)
        .order_by("organization_id", "created_at", "id")
        .values_list("organization_id", "title")
    )
    titles: dict[int, list[str]] = {}
    for organization_id, title in drafts:
        titles.setdefault(organization_id, []).append(title)
    if not titles:
        return 0
    organizations = Organization.objects.filter(pk__in=titles).prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(user__is_active=True).select_related("user"),
        )
    )
    sent = 0
    for organization in organizations:
        users = [membership.user for membership in organization.memberships.all()]
        if not users:
            continue
        with transaction.atomic():
            reminder, created = ProposalReminder.objects.get_or_create(
                challenge=challenge, organization=organization, window=window
            )
            if not created:  # another run got there first
                continue
            messages = [
                _message(user, challenge, organization, titles[organization.pk]) for user in users
            ]
            transaction.on_commit(lambda m=messages, r=reminder.pk: _send(m, r), robust=True)
        sent += len(messages)
    return sent


def _send(messages: list[EmailMultiAlternatives], reminder_id: int) -> None:
    """Send, or forget the reminder was due so that the next run tries again (the error
    still reaches the log: the commit hook is robust)."""
    try:
        get_connection().send_messages(messages)
    except Exception:
        ProposalReminder.objects.filter(pk=reminder_id).delete()
        raise


def dashboard_url(language: str) -> str:
    # /dashboard/ in Vietnamese, the default language; /en/dashboard/ in English.
    prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{prefix}/dashboard/proposals/?show=drafts"


def _message(user, challenge, organization, titles) -> EmailMultiAlternatives:
    with translation.override(user.preferred_language):
        context = {
            "user": user,
            "challenge": challenge,
            "organization": organization,
            "titles": titles,
            "deadline": local_time(challenge.closes_at),
            "url": dashboard_url(user.preferred_language),
        }
        subject = render_to_string("challenges/email/reminder_subject.txt", context)
        body = render_to_string("challenges/email/reminder_message.txt", context)
    return EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=[user.email])
