import socket
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from challenges.enums import ProposalStatus
from challenges.models import ProposalReminder
from challenges.reminders import send_draft_reminders
from challenges.tasks import send_draft_reminders_task
from tests.factories import ChallengeFactory, MembershipFactory, UserFactory
from tests.factories.challenges import ProposalFactory

pytestmark = pytest.mark.django_db

# 17:00 on 01/12/2026 in Vietnam.
DEADLINE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def freeze(monkeypatch):
    def at(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    def go(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return send_draft_reminders(**kwargs)

    return go


@pytest.fixture
def challenge():
    return ChallengeFactory(
        code="P1-2026",
        title="Quan trắc môi trường",
        opens_at=DEADLINE - timedelta(days=40),
        closes_at=DEADLINE,
    )


@pytest.fixture
def draft(challenge):
    return ProposalFactory(challenge=challenge, title="Cảm biến nước thải")


@pytest.fixture
def vi_member(draft):
    user = UserFactory(email="vi@example.test", full_name="Nguyễn Văn An")
    return MembershipFactory(organization=draft.organization, user=user).user


@pytest.fixture
def en_member(draft):
    user = UserFactory(email="en@example.test", full_name="Jane Doe", preferred_language="en")
    return MembershipFactory(organization=draft.organization, user=user).user


def _recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_reminders_72h_window_once_each_member(freeze, run, draft, vi_member, en_member):
    freeze(DEADLINE - timedelta(hours=50))

    assert run() == 2
    assert run() == 0

    assert _recipients() == ["en@example.test", "vi@example.test"]
    reminder = ProposalReminder.objects.get()
    assert (reminder.challenge, reminder.organization) == (draft.challenge, draft.organization)
    assert reminder.window == ProposalReminder.Window.HOURS_72


def test_reminders_24h_window_after_72h_window(freeze, run, draft, vi_member):
    freeze(DEADLINE - timedelta(hours=72))
    assert run() == 1
    freeze(DEADLINE - timedelta(hours=24))
    assert run() == 1
    freeze(DEADLINE - timedelta(minutes=1))
    assert run() == 0

    assert len(mail.outbox) == 2
    assert sorted(ProposalReminder.objects.values_list("window", flat=True)) == ["24h", "72h"]


def test_reminders_inside_24h_window_send_only_that_one(freeze, run, draft, vi_member):
    freeze(DEADLINE - timedelta(hours=3))

    assert run() == 1
    assert run() == 0

    assert list(ProposalReminder.objects.values_list("window", flat=True)) == ["24h"]


@pytest.mark.parametrize(
    "left",
    [timedelta(hours=72, seconds=1), timedelta(0), -timedelta(hours=1), timedelta(days=30)],
)
def test_reminders_outside_windows_none(freeze, run, draft, vi_member, left):
    freeze(DEADLINE - left)

    assert run() == 0
    assert mail.outbox == []
    assert not ProposalReminder.objects.exists()


def test_reminders_closed_or_unpublished_call_none(freeze, run, challenge, draft, vi_member):
    challenge.is_published = False
    challenge.save()
    freeze(DEADLINE - timedelta(hours=10))

    assert run() == 0
    assert mail.outbox == []


def test_reminders_organization_that_submitted_none(freeze, run, challenge, draft, vi_member):
    ProposalFactory(
        challenge=challenge,
        organization=draft.organization,
        status=ProposalStatus.SUBMITTED,
        reference="P1-2026-0001",
        submitted_at=DEADLINE - timedelta(days=2),
        content_sha256="a" * 64,
    )
    freeze(DEADLINE - timedelta(hours=10))

    assert run() == 0
    assert mail.outbox == []


def test_reminders_withdrawn_proposal_does_not_count(freeze, run, challenge, draft, vi_member):
    ProposalFactory(
        challenge=challenge,
        organization=draft.organization,
        status=ProposalStatus.WITHDRAWN,
        reference="P1-2026-0001",
        submitted_at=DEADLINE - timedelta(days=2),
        withdrawn_at=DEADLINE - timedelta(days=1),
        content_sha256="a" * 64,
    )
    freeze(DEADLINE - timedelta(hours=10))

    assert run() == 1


def test_reminders_in_each_members_language(freeze, run, draft, vi_member, en_member, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://portal.example.test/"
    ProposalFactory(challenge=draft.challenge, organization=draft.organization, title="Bản 2")
    freeze(DEADLINE - timedelta(hours=10))

    run()

    by_address = {message.to[0]: message for message in mail.outbox}
    english, vietnamese = by_address["en@example.test"], by_address["vi@example.test"]
    assert english.subject == "Reminder: your draft for P1-2026 has not been submitted"
    assert "Dear Jane Doe," in english.body
    assert "P1-2026 · Quan trắc môi trường" in english.body
    assert "Deadline: 17:00 on 01/12/2026 (UTC+07:00)" in english.body
    assert "- Cảm biến nước thải\n- Bản 2\n" in english.body
    assert "https://portal.example.test/en/dashboard/proposals/?show=drafts" in english.body
    with translation.override("vi"):
        expected = translation.gettext(
            "Reminder: your draft for %(code)s has not been submitted"
        ) % {"code": "P1-2026"}
    assert vietnamese.subject == expected
    assert "17:00 ngày 01/12/2026 (UTC+07:00)" in vietnamese.body
    assert "- Cảm biến nước thải\n- Bản 2\n" in vietnamese.body
    assert "https://portal.example.test/dashboard/proposals/?show=drafts" in vietnamese.body
    assert "/en/" not in vietnamese.body


def test_reminders_queries_do_not_grow_per_organization(
    freeze, run, challenge, django_assert_max_num_queries
):
    def organization_with_draft():
        draft = ProposalFactory(challenge=challenge)
        MembershipFactory(organization=draft.organization)
        MembershipFactory(organization=draft.organization, user__preferred_language="en")

    organization_with_draft()
    freeze(DEADLINE - timedelta(hours=10))
    with django_assert_max_num_queries(100) as one:
        assert run() == 2
    ProposalReminder.objects.all().delete()
    for _ in range(4):
        organization_with_draft()
    with django_assert_max_num_queries(100) as many:
        assert run() == 10

    # Reading is constant per challenge (challenges, drafts, organisations, members); each
    # organisation costs only its own record: get_or_create's select and insert, in savepoints.
    assert len(many.captured_queries) - len(one.captured_queries) == 4 * 6


def test_task_returns_count(freeze, django_capture_on_commit_callbacks, draft, vi_member):
    freeze(DEADLINE - timedelta(hours=10))

    with django_capture_on_commit_callbacks(execute=True):
        result = send_draft_reminders_task.enqueue()

    assert result.return_value == 1
    assert len(mail.outbox) == 1


def test_send_reminders_command_reports(freeze, capsys, draft, vi_member, en_member):
    freeze(DEADLINE - timedelta(hours=10))

    call_command("send_reminders")

    assert capsys.readouterr().out == "2 reminder e-mail(s) sent.\n"
    assert ProposalReminder.objects.count() == 1


def test_a_reminder_whose_email_fails_is_sent_by_the_next_run(
    freeze, run, draft, vi_member, settings, caplog
):
    # A real SMTP backend pointed at a port nobody listens on: the send fails after commit.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    freeze(DEADLINE - timedelta(hours=10))

    run()

    assert not ProposalReminder.objects.exists()
    assert "Error calling" in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert run() == 1
    assert _recipients() == ["vi@example.test"]
    assert ProposalReminder.objects.count() == 1
