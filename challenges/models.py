from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from challenges.enums import ChallengeKind, ChallengeStatus, Sector

_PAST = [ChallengeStatus.CLOSED, ChallengeStatus.RESULTS]


class ChallengeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def with_status(self, now=None):
        """Annotate `current_status` in the database so lists filter and sort by it."""
        now = now or timezone.now()
        return self.annotate(
            current_status=Case(
                When(results_published_at__lte=now, then=Value(ChallengeStatus.RESULTS)),
                When(opens_at__gt=now, then=Value(ChallengeStatus.UPCOMING)),
                When(closes_at__gt=now, then=Value(ChallengeStatus.OPEN)),
                default=Value(ChallengeStatus.CLOSED),
                output_field=models.CharField(),
            )
        )

    def with_status_in(self, statuses, now=None):
        return self.with_status(now).filter(current_status__in=statuses)

    def most_relevant_first(self):
        """Open calls by nearest deadline, then upcoming ones by nearest opening, then
        closed ones and results, latest first. Needs `with_status()`."""
        rank = Case(
            When(current_status=ChallengeStatus.OPEN, then=Value(0)),
            When(current_status=ChallengeStatus.UPCOMING, then=Value(1)),
            default=Value(2),
            output_field=models.IntegerField(),
        )
        soon = Case(
            When(current_status=ChallengeStatus.OPEN, then="closes_at"),
            When(current_status=ChallengeStatus.UPCOMING, then="opens_at"),
        )
        past = Case(When(current_status__in=_PAST, then="closes_at"))
        return self.order_by(rank, soon.asc(nulls_last=True), past.desc(nulls_last=True), "code")


class Challenge(models.Model):
    """A major problem or a contest: the rules. Its public face is a ChallengePage
    per language in `cms`, all pointing here."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9][A-Z0-9-]*$",
                _("Use capital letters, digits and hyphens, e.g. P1-2026."),
            )
        ],
        help_text=_("Short public reference used in URLs and the API, e.g. P1-2026."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChallengeKind.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    title = models.CharField(
        _("title"),
        max_length=255,
        help_text=_("Official title; each language's page may carry its own translation."),
    )
    summary = models.TextField(_("summary"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"), help_text=_("Submission deadline."))
    results_published_at = models.DateTimeField(_("results published at"), null=True, blank=True)
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Shown to the public and in the API.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ChallengeQuerySet.as_manager()

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["closes_at", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="challenge_closes_after_opening",
                violation_error_message=_("The deadline must be after the opening."),
            ),
            models.CheckConstraint(
                condition=Q(results_published_at__isnull=True)
                | Q(results_published_at__gte=models.F("closes_at")),
                name="challenge_results_after_deadline",
                violation_error_message=_("Results cannot be published before the deadline."),
            ),
        ]

    def __str__(self):
        return f"{self.code} · {self.title}"

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("The deadline must be after the opening.")})
        if (
            self.results_published_at
            and self.closes_at
            and self.results_published_at < self.closes_at
        ):
            raise ValidationError(
                {"results_published_at": _("Results cannot be published before the deadline.")}
            )

    def status_at(self, now) -> ChallengeStatus:
        # Same rule as ChallengeQuerySet.with_status, for one row already in memory.
        if self.results_published_at and self.results_published_at <= now:
            return ChallengeStatus.RESULTS
        if now < self.opens_at:
            return ChallengeStatus.UPCOMING
        if now < self.closes_at:
            return ChallengeStatus.OPEN
        return ChallengeStatus.CLOSED

    @property
    def kind_label(self) -> str:
        # get_kind_display() rebuilds a dict of every choice on each call; lists call it per row.
        return ChallengeKind(self.kind).label

    @property
    def status(self) -> ChallengeStatus:
        annotated = getattr(self, "current_status", None)
        return ChallengeStatus(annotated) if annotated else self.status_at(timezone.now())
