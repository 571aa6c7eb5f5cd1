import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Fill an empty database with the benchmark's synthetic data set (see bench/data.py): "
        "at scale 1, 100 published challenges with their pages in both languages. "
        "Deterministic for a seed. Refused in production."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 is the budgets' size.")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, scale, seed, **options):
        if settings.PRODUCTION:
            raise CommandError("bench_data is refused when DJANGO_ENV=production.")
        if scale <= 0:
            raise CommandError("--scale must be greater than 0.")
        from bench.data import generate

        def report(step, counts):
            made = ", ".join(f"{count} {what}" for what, count in counts.items())
            self.stdout.write(f"  {step}: {made}")

        started = time.perf_counter()
        try:
            generate(scale=scale, seed=seed, report=report)
        except ValueError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Bench data at scale {scale:g} in {elapsed:.1f} s."))
