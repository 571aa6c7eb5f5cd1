"""Judging: rubrics, rounds, jurors, conflicts, assignments, score sheets, winners.

A challenge has rubrics (criteria with weights summing to 100) and rounds; each round
scores its entries (the proposals that reached it) against one rubric, by a panel of
jurors, each entry by `reviewers_per_entry` of them. Rankings are computed from the
score rows by the database (`challenges.judging.ranking`); closing a round seals its
submitted sheets with a digest (`challenges.judging.seal`).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from challenges.enums import Sector


class Rubric(ClusterableModel):
    """Criteria to score against. A round uses one; several rounds may share one."""

    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        on_delete=models.CASCADE,
        related_name="rubrics",
    )
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        ordering = ["challenge", "pk"]

    def __str__(self):
        return f"{self.challenge.code} · {self.name}"


class Criterion(Orderable):
    rubric = ParentalKey(Rubric, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("name"), max_length=160)
    name_en = models.CharField(_("name in English"), max_length=160, blank=True)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"),
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("The weights of a rubric's criteria add up to 100."),
    )
    max_score = models.PositiveSmallIntegerField(
        _("highest score"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Scores run from 0 to this number."),
    )
    guidance_low = models.TextField(_("what a low score (1) means"), blank=True)
    guidance_mid = models.TextField(_("what a middle score means"), blank=True)
    guidance_high = models.TextField(_("what the highest score means"), blank=True)

    class Meta(Orderable.Meta):
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=100), name="criterion_weight_1_100"
            ),
            models.CheckConstraint(
                condition=Q(max_score__gte=1, max_score__lte=100),
                name="criterion_max_score_1_100",
            ),
        ]

    def __str__(self):
        return self.name


class RoundStatus(models.TextChoices):
    SETUP = "setup", _("Being set up")
    SCORING = "scoring", _("Scoring")
    CLOSED = "closed", _("Closed and sealed")


class RankingMethod(models.TextChoices):
    MEAN = "mean", _("Weighted mean")
    NORMALISED = "normalised", _("Normalised per juror (z-score)")
    TRIMMED = "trimmed", _("Trimmed mean (highest and lowest dropped from five reviews)")


class Round(models.Model):
    """One stage of judging (screening, shortlist, final with a pitch)."""

    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        on_delete=models.CASCADE,
        related_name="rounds",
    )
    number = models.PositiveSmallIntegerField(
        _("number"), validators=[MinValueValidator(1)], help_text=_("1 for the first round.")
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    rubric = models.ForeignKey(
        Rubric, verbose_name=_("rubric"), on_delete=models.PROTECT, related_name="rounds"
    )
    reviewers_per_entry = models.PositiveSmallIntegerField(
        _("jurors per entry"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    opens_at = models.DateTimeField(_("scoring opens at"))
    closes_at = models.DateTimeField(_("scoring closes at"))
    ranking_method = models.CharField(
        _("ranks by"), max_length=16, choices=RankingMethod.choices, default=RankingMethod.MEAN
    )
    disagreement_threshold = models.PositiveSmallIntegerField(
        _("disagreement flag (points)"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Entries whose jurors' scores (out of 100) differ by this much or more are flagged."
        ),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.SETUP
    )
    sealed_at = models.DateTimeField(_("sealed at"), null=True, blank=True, editable=False)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sealed by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sealed_digest = models.CharField(
        _("sealed digest (SHA-256)"), max_length=64, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("judging round")
        verbose_name_plural = _("judging rounds")
        ordering = ["challenge", "number"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "number"], name="round_number_unique"),
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opening"
            ),
        ]

    def __str__(self):
        return f"{self.challenge.code} · {self.name}"


class JurorProfile(models.Model):
    """What the assignment needs to know about a juror, whatever the round."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("juror"),
        on_delete=models.CASCADE,
        related_name="juror_profile",
    )
    expertise = models.JSONField(
        _("areas of expertise"),
        default=list,
        blank=True,
        help_text=_("Sectors the juror knows; entries in them are preferred."),
    )

    class Meta:
        verbose_name = _("juror profile")
        verbose_name_plural = _("juror profiles")

    def __str__(self):
        return str(self.user)

    def clean(self):
        unknown = [code for code in self.expertise or [] if code not in Sector.values]
        if not isinstance(self.expertise, list) or unknown:
            raise ValidationError(
                {
                    "expertise": _("Choose among the sectors: %(sectors)s.")
                    % {"sectors": ", ".join(Sector.values)}
                }
            )


class JurorAffiliation(models.Model):
    """An organisation a juror works or worked for, by tax code: its entries are
    conflicts of interest, excluded automatically."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("juror"),
        on_delete=models.CASCADE,
        related_name="juror_affiliations",
    )
    tax_code = models.CharField(_("tax code"), max_length=14, db_index=True)
    organization_name = models.CharField(_("organisation"), max_length=255, blank=True)
    until = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty if current."))

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(fields=["user", "tax_code"], name="affiliation_unique"),
        ]

    def __str__(self):
        return f"{self.tax_code} {self.organization_name}".strip()


class RoundJuror(models.Model):
    """A juror on a round's panel. Withdrawing releases their unfinished reviews."""

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="panel"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("juror"),
        on_delete=models.PROTECT,
        related_name="juror_rounds",
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("panel juror")
        verbose_name_plural = _("panel")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="round_juror_unique"),
        ]

    def __str__(self):
        return str(self.user)


class RoundEntry(models.Model):
    """A proposal that reached a round."""

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="entries"
    )
    proposal = models.ForeignKey(
        "challenges.Proposal",
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        related_name="round_entries",
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        constraints = [
            models.UniqueConstraint(fields=["round", "proposal"], name="round_entry_unique"),
        ]

    def __str__(self):
        return str(self.proposal)


class AssignmentStatus(models.TextChoices):
    ASSIGNED = "assigned", _("To score")
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONFLICT = "conflict", _("Conflict declared")
    RELEASED = "released", _("Released")


# Reviews that still count towards an entry's k jurors.
ACTIVE_ASSIGNMENT_STATUSES = (
    AssignmentStatus.ASSIGNED,
    AssignmentStatus.DRAFT,
    AssignmentStatus.SUBMITTED,
)

ASSIGNMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    AssignmentStatus.ASSIGNED: frozenset(
        {
            AssignmentStatus.DRAFT,
            AssignmentStatus.SUBMITTED,
            AssignmentStatus.CONFLICT,
            AssignmentStatus.RELEASED,
        }
    ),
    AssignmentStatus.DRAFT: frozenset(
        {
            AssignmentStatus.DRAFT,
            AssignmentStatus.SUBMITTED,
            AssignmentStatus.CONFLICT,
            AssignmentStatus.RELEASED,
        }
    ),
    AssignmentStatus.SUBMITTED: frozenset(),
    AssignmentStatus.CONFLICT: frozenset(),
    AssignmentStatus.RELEASED: frozenset({AssignmentStatus.ASSIGNED}),
}


class Assignment(models.Model):
    """One juror's review of one entry: the score sheet."""

    class Source(models.TextChoices):
        AUTOMATIC = "auto", _("Automatic")
        MANUAL = "manual", _("Set by a manager")

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="assignments"
    )
    entry = models.ForeignKey(
        RoundEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="assignments"
    )
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("juror"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ASSIGNED,
    )
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.AUTOMATIC
    )
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    conflict_reason = models.TextField(_("conflict reason"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The submitted sheet's weighted score out of 100 (`sheet_score`), kept for lists
    # that show an entry's mean beside other columns. Rankings recompute it from the
    # score rows, which the round's seal covers.
    score = models.FloatField(_("score (out of 100)"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        # What makes someone a juror for the pages (the jurors group holds it): read
        # from the permissions the site header loads anyway, so it costs no query.
        permissions = [("score_entries", _("Can score the entries assigned to them"))]
        constraints = [
            models.UniqueConstraint(fields=["entry", "juror"], name="assignment_unique"),
            models.CheckConstraint(
                condition=Q(status=AssignmentStatus.SUBMITTED, submitted_at__isnull=False)
                | (~Q(status=AssignmentStatus.SUBMITTED) & Q(submitted_at__isnull=True)),
                name="assignment_submitted_at_iff_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["round", "juror", "status"]),
            models.Index(fields=["round", "status"]),
        ]

    def __str__(self):
        return f"{self.entry} · {self.juror}"


class Score(models.Model):
    """One criterion of a sheet: a value from 0 to the criterion's highest score, or an
    abstention with its reason (left out of the mean, never counted as zero)."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    value = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    abstain = models.BooleanField(_("abstain"), default=False)
    reason = models.CharField(_("reason for abstaining"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_unique"),
            models.CheckConstraint(
                condition=Q(abstain=False, value__isnull=False)
                | (Q(abstain=True, value__isnull=True) & ~Q(reason="")),
                name="score_value_or_reasoned_abstention",
            ),
        ]

    def __str__(self):
        return f"{self.criterion_id}: {_('abstain') if self.abstain else self.value}"


class Winner(models.Model):
    """A prize given to a proposal when a challenge's results are published."""

    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        on_delete=models.CASCADE,
        related_name="winners",
    )
    proposal = models.OneToOneField(
        "challenges.Proposal",
        verbose_name=_("proposal"),
        on_delete=models.PROTECT,
        related_name="prize",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    prize = models.CharField(_("prize"), max_length=120, help_text=_("e.g. First prize"))
    prize_en = models.CharField(_("prize in English"), max_length=120, blank=True)
    amount_vnd = models.BigIntegerField(_("amount (VND)"), null=True, blank=True)

    class Meta:
        verbose_name = _("winner")
        verbose_name_plural = _("winners")
        ordering = ["challenge", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_vnd__isnull=True) | Q(amount_vnd__gt=0),
                name="winner_amount_positive",
            ),
        ]

    def __str__(self):
        return f"{self.prize} · {self.proposal}"
