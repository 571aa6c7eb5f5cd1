from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from challenges.enums import (
    AttachmentKind,
    ChallengeKind,
    ChallengeStatus,
    ProposalStatus,
    Sector,
    SubmissionLanguage,
)
from portal.text import refresh_folded
from startups.enums import OrganizationKind

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


class Challenge(ClusterableModel):
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
    # Who may submit, and what.
    eligible_kinds = models.JSONField(
        _("eligible organisations"),
        default=list,
        blank=True,
        help_text=_("Kinds of organisation that may submit; none ticked means every kind."),
    )
    requires_verified_organization = models.BooleanField(
        _("verified organisations only"),
        default=False,
        help_text=_("Only organisations the department has verified may submit."),
    )
    max_proposals_per_organization = models.PositiveSmallIntegerField(
        _("proposals per organisation"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    budget_ceiling_vnd = models.BigIntegerField(
        _("budget ceiling (VND)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("The most a proposal may ask for; empty for no ceiling."),
    )
    submission_language = models.CharField(
        _("language of submission"),
        max_length=8,
        choices=SubmissionLanguage.choices,
        default=SubmissionLanguage.EITHER,
    )
    support_offered = models.TextField(
        _("prizes or support offered"), blank=True, help_text=_("Shown with the call.")
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    blind_review = models.BooleanField(
        _("blind review"),
        default=False,
        help_text=_(
            "Jurors see neither the organisation nor its members, and files reach them "
            "under neutral names without their document properties."
        ),
    )
    # The number of the last proposal submitted, for references like P1-2026-0042.
    last_reference_number = models.PositiveIntegerField(default=0, editable=False)
    # What the API's `search` compares, folded by `portal.text.fold` (no diacritics, `đ`
    # as `d`): this row's code, title and summary, kept by `save()`; and the titles and
    # intros of its live pages in every language, kept by `cms.search_index` (the domain
    # never reads pages).
    search_text = models.TextField(editable=False, blank=True, default="")
    pages_search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ChallengeQuerySet.as_manager()

    search_sources = ("code", "title", "summary")

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

    def save(self, *args, update_fields=None, **kwargs):
        update_fields = refresh_folded(
            self, target="search_text", sources=self.search_sources, update_fields=update_fields
        )
        super().save(*args, update_fields=update_fields, **kwargs)

    def clean(self):
        super().clean()
        unknown = set(self.eligible_kinds or []) - set(OrganizationKind.values)
        if not isinstance(self.eligible_kinds, list) or unknown:
            raise ValidationError({"eligible_kinds": _("Choose among the kinds of organisation.")})
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


class Track(models.Model):
    """A strand of a call: the STEM contest's school levels, the startup contest's
    categories. A challenge with tracks asks each proposal to pick one."""

    # A ParentalKey so that the admin edits a challenge's tracks on its own form.
    challenge = ParentalKey(
        Challenge, verbose_name=_("challenge"), on_delete=models.CASCADE, related_name="tracks"
    )
    code = models.SlugField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["challenge_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "code"], name="track_code_per_challenge")
        ]

    def __str__(self):
        return self.name


class Proposal(models.Model):
    """An organisation's answer to a challenge. Drafts are edited freely; submitting
    freezes the content, gives it a reference and records its SHA-256."""

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("challenge"), on_delete=models.PROTECT, related_name="proposals"
    )
    track = models.ForeignKey(
        Track,
        verbose_name=_("track"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    organization = models.ForeignKey(
        "startups.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=255)
    summary = models.TextField(_("summary"), max_length=2000, blank=True)
    description = models.TextField(
        _("description"), max_length=60_000, blank=True, help_text=_("Markdown.")
    )
    budget_vnd = models.BigIntegerField(
        _("budget (VND)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10**15)],
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    team = models.TextField(_("team"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    reference = models.CharField(_("reference"), max_length=48, unique=True, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_vnd__isnull=True) | Q(budget_vnd__gt=0),
                name="proposal_budget_positive",
            ),
            # Sent proposals carry their receipt; drafts carry none.
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.DRAFT, reference__isnull=True)
                | (
                    ~Q(status=ProposalStatus.DRAFT)
                    & Q(reference__isnull=False, submitted_at__isnull=False)
                    & ~Q(content_sha256="")
                ),
                name="proposal_sent_has_receipt",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "challenge", "status"]),
            models.Index(fields=["challenge", "status", "submitted_at"]),
        ]

    def __str__(self):
        return self.reference or self.title


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class Attachment(models.Model):
    """A file of a proposal. Stored privately under a random name; the original name is
    kept only as sanitised display text."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AttachmentKind.choices)
    file = models.FileField(
        _("file"), storage=_private_storage, upload_to="attachments/", editable=False
    )
    display_name = models.CharField(_("name"), max_length=160)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["proposal_id", "uploaded_at", "id"]

    def __str__(self):
        return self.display_name


class ProposalReminder(models.Model):
    """A deadline reminder sent to an organisation with unsubmitted drafts: one row per
    challenge, organisation and window, so that each reminder goes out once however
    often (or however concurrently) the command runs."""

    class Window(models.TextChoices):
        HOURS_72 = "72h", _("72 hours before the deadline")
        HOURS_24 = "24h", _("24 hours before the deadline")

    challenge = models.ForeignKey(
        Challenge, verbose_name=_("challenge"), on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "startups.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    window = models.CharField(_("window"), max_length=8, choices=Window.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("proposal reminder")
        verbose_name_plural = _("proposal reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "organization", "window"], name="proposal_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.challenge_id} · {self.organization_id} · {self.window}"


# Judging lives in its own module; its models belong to this app.
from challenges.judging.models import (  # noqa: E402, F401
    Assignment,
    Criterion,
    JurorAffiliation,
    JurorProfile,
    Round,
    RoundEntry,
    RoundJuror,
    Rubric,
    Score,
    Winner,
)
