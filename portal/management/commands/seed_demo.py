from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from challenges.demo import seed_challenges, seed_proposals
from challenges.judging.demo import seed_judging
from cms.demo import seed_site
from fund.demo import seed_fund
from portal.demo import DEMO_SUPERUSER, DEMO_USERS, seed_users
from startups.demo import DEMO_MEMBERS, seed_organizations


class Command(BaseCommand):
    help = (
        "Fill the portal with demo data (sample content, marked as such). Safe to run "
        "again: it updates what it made before. Refused in production."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo is refused when DJANGO_ENV=production.")
        # The demo's people have made-up addresses: what the services would tell them
        # (receipts, the fund office's decisions) goes nowhere.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"),
            transaction.atomic(),
        ):
            users = seed_users()
            organizations = seed_organizations(users)
            challenges = seed_challenges()
            seed_proposals(organizations)
            seed_judging(users)
            seed_fund(users, organizations)
            seed_site(challenges=challenges)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with:"))
        for email, _name, role, _language in DEMO_USERS:
            self.stdout.write(f"  {email:<28} {role.label if role else 'applicant'}")
        for email, _name, _language in DEMO_MEMBERS:
            self.stdout.write(f"  {email:<28} applicant (owns a demo organisation)")
        self.stdout.write(f"  {DEMO_SUPERUSER:<28} superuser (/django-admin/)")
        self.stdout.write("  password: the value of DEMO_PASSWORD (default demo-pass-2026)")
