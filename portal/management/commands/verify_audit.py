from django.core.management.base import BaseCommand, CommandError

from portal.audit import audit_verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain; exits non-zero when an event was changed or removed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expected-head",
            help="A head hash printed by an earlier run: detects removal of the newest events.",
        )

    def handle(self, *args, expected_head=None, **options):
        checked, problems, head = audit_verify_chain(expected_head=expected_head)
        for problem in problems:
            self.stderr.write(f"event {problem.sequence}: {problem.reason}")
        if problems:
            raise CommandError(
                f"Audit trail is NOT intact: {len(problems)} problem(s) in {checked} event(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit trail intact: {checked} event(s); head {head or '-'}")
        )
