from django.core.management.base import BaseCommand, CommandError

from challenges.judging.models import Round, RoundStatus
from challenges.judging.seal import round_seal_digest


class Command(BaseCommand):
    help = (
        "Recompute the seal (SHA-256 over every submitted score sheet) of closed judging "
        "rounds and compare it with the one stored at closing; exits non-zero when any differs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--round",
            type=int,
            action="append",
            dest="rounds",
            metavar="ID",
            help="The id of a round to check (repeatable). Default: every closed round.",
        )

    def handle(self, *args, rounds=None, **options):
        queryset = Round.objects.select_related("challenge").order_by("pk")
        if rounds:
            found = {r.pk: r for r in queryset.filter(pk__in=rounds)}
            missing = sorted(set(rounds) - set(found))
            if missing:
                raise CommandError(f"No round with id {', '.join(map(str, missing))}.")
            unsealed = [pk for pk, r in found.items() if r.status != RoundStatus.CLOSED]
            if unsealed:
                raise CommandError(
                    f"Round {', '.join(map(str, sorted(unsealed)))} is not closed and sealed."
                )
            selected = [found[pk] for pk in sorted(found)]
        else:
            selected = list(queryset.filter(status=RoundStatus.CLOSED))
            if not selected:
                self.stdout.write("No closed round to verify.")
                return
        changed = []
        for round_ in selected:
            recomputed = round_seal_digest(round_)
            intact = recomputed == round_.sealed_digest
            label = f"round {round_.pk} ({round_.challenge.code}, round {round_.number})"
            self.stdout.write(
                f"{label}\n  stored     {round_.sealed_digest or '-'}\n  recomputed {recomputed}"
            )
            if intact:
                self.stdout.write(self.style.SUCCESS("  intact"))
            else:
                changed.append(round_.pk)
                self.stderr.write(f"  {label}: score sheets CHANGED since the round was sealed")
        if changed:
            raise CommandError(
                f"{len(changed)} of {len(selected)} round(s) no longer match their seal: "
                f"{', '.join(map(str, changed))}."
            )
        self.stdout.write(self.style.SUCCESS(f"{len(selected)} round seal(s) intact."))
