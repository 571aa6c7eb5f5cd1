from django.core.management.base import BaseCommand
from django_tasks import TaskResultStatus

from challenges.tasks import send_draft_reminders_task


class Command(BaseCommand):
    help = (
        "E-mail organisations that have unsubmitted drafts 72 hours and 24 hours before a "
        "call's deadline, once per window. Run it from cron every 15 minutes."
    )

    def handle(self, *args, **options):
        result = send_draft_reminders_task.enqueue()
        if result.status == TaskResultStatus.SUCCESSFUL:
            self.stdout.write(f"{result.return_value} reminder e-mail(s) sent.")
        else:
            self.stdout.write(f"Reminders queued as task {result.id}.")
