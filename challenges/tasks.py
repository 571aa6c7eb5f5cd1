"""Background work of the challenges app: tasks take ids (or nothing) and call a service."""

from django_tasks import task

from challenges.reminders import send_draft_reminders


@task()
def send_draft_reminders_task() -> int:
    """E-mail the deadline reminders due now; return how many e-mails went out."""
    return send_draft_reminders()
