"""The venture fund: calls, applications, awards with their tranches, disbursements and
the ledger of what was paid.

Running totals (`committed_vnd` of funds and calls, `paid_vnd` of awards and tranches) are
kept by the services under row locks in the same transaction as the rows they sum, so that
CheckConstraints can hold the invariants in the database itself: committed ≤ capital and
≤ budget, paid ≤ approved and ≤ the tranche. The awards and the ledger remain the record
they are reconciled against.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fund.enums import ApplicationStatus, DisbursementStatus, DocumentKind, Instrument

# Above any plausible amount (a million billion đồng), below BigIntegerField's range, so
# that sums of many amounts cannot overflow.
MAX_VND = 10**15

_amount_validators = [MinValueValidator(1), MaxValueValidator(MAX_VND)]


class Fund(models.Model):
    name = models.CharField(_("name"), max_length=255)
    managing_unit = models.CharField(
        _("managing unit"), max_length=255, help_text=_("The body that manages the fund.")
    )
    description = models.TextField(_("description"), max_length=5000, blank=True)
    capital_vnd = models.BigIntegerField(_("capital (VND)"), validators=_amount_validators)
    committed_vnd = models.BigIntegerField(_("committed (VND)"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(capital_vnd__gt=0),
                name="fund_capital_positive",
                violation_error_message=_("The capital must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(committed_vnd__gte=0, committed_vnd__lte=F("capital_vnd")),
                name="fund_committed_within_capital",
                violation_error_message=_("The fund cannot commit more than its capital."),
            ),
        ]

    def __str__(self):
        return self.name


class FundingCall(models.Model):
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="calls"
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), max_length=10_000, blank=True)
    challenge = models.ForeignKey(
        "challenges.Challenge",
        verbose_name=_("challenge"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_calls",
        help_text=_("The challenge whose participants this call funds, if any."),
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    budget_vnd = models.BigIntegerField(_("budget (VND)"), validators=_amount_validators)
    committed_vnd = models.BigIntegerField(_("committed (VND)"), default=0, editable=False)
    offers_grant = models.BooleanField(_("offers grants"), default=True)
    offers_equity = models.BooleanField(_("offers equity investment"), default=False)
    offers_convertible_loan = models.BooleanField(_("offers convertible loans"), default=False)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("funding call")
        verbose_name_plural = _("funding calls")
        ordering = ["-opens_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="fundingcall_closes_after_opening",
                violation_error_message=_("The call must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(budget_vnd__gt=0),
                name="fundingcall_budget_positive",
                violation_error_message=_("The budget must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(committed_vnd__gte=0, committed_vnd__lte=F("budget_vnd")),
                name="fundingcall_committed_within_budget",
                violation_error_message=_("The call cannot commit more than its budget."),
            ),
            models.CheckConstraint(
                condition=Q(offers_grant=True)
                | Q(offers_equity=True)
                | Q(offers_convertible_loan=True),
                name="fundingcall_offers_an_instrument",
                violation_error_message=_("A call offers at least one instrument."),
            ),
        ]
        indexes = [models.Index(fields=["is_published", "closes_at"])]

    def __str__(self):
        return self.title

    @property
    def instruments(self) -> list[str]:
        """The instruments offered, in the order of `Instrument`."""
        offered = {
            Instrument.GRANT: self.offers_grant,
            Instrument.EQUITY: self.offers_equity,
            Instrument.CONVERTIBLE_LOAN: self.offers_convertible_loan,
        }
        return [instrument for instrument, on in offered.items() if on]


class FundApplication(models.Model):
    """An organisation's request for money under a call. Status changes go through
    `fund.services`; `status_note` keeps the reason last given, for the applicant."""

    call = models.ForeignKey(
        FundingCall,
        verbose_name=_("funding call"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    organization = models.ForeignKey(
        "startups.Organization",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="fund_applications",
    )
    proposal = models.ForeignKey(
        "challenges.Proposal",
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fund_applications",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_vnd = models.BigIntegerField(
        _("amount requested (VND)"), validators=_amount_validators
    )
    instrument = models.CharField(_("instrument"), max_length=20, choices=Instrument.choices)
    summary = models.TextField(_("summary"), max_length=2000)
    plan = models.TextField(_("plan"), max_length=30_000, blank=True)
    budget_breakdown = models.TextField(
        _("budget breakdown"),
        max_length=20_000,
        blank=True,
        help_text=_("What the money pays for, item by item."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
    )
    status_note = models.TextField(_("reason given"), max_length=5000, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("fund application")
        verbose_name_plural = _("fund applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_vnd__gt=0),
                name="fundapplication_requested_positive",
                violation_error_message=_("The amount requested must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(status=ApplicationStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="fundapplication_sent_has_submitted_at",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["status", "submitted_at"]),
        ]

    def __str__(self):
        return f"{self.organization_id} · {self.call_id} · {self.get_status_display()}"

    def clean(self):
        super().clean()
        if self.call_id and self.instrument and self.instrument not in self.call.instruments:
            raise ValidationError({"instrument": _("This call does not offer this instrument.")})


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class FundDocument(models.Model):
    """A file of an application (business plan, statements...). Stored privately under a
    random name, as proposal attachments are; the original name is kept only as
    sanitised display text."""

    application = models.ForeignKey(
        FundApplication,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=DocumentKind.choices)
    file = models.FileField(
        _("file"), storage=_private_storage, upload_to="fund/documents/", editable=False
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
        verbose_name = _("fund application document")
        verbose_name_plural = _("fund application documents")
        ordering = ["application_id", "uploaded_at", "id"]

    def __str__(self):
        return self.display_name


class Award(models.Model):
    """What the committee approved for one application. `fund` and `call` repeat the
    application's, so that totals and locks reach them without joins."""

    application = models.OneToOneField(
        FundApplication,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="award",
    )
    call = models.ForeignKey(
        FundingCall, verbose_name=_("funding call"), on_delete=models.PROTECT, related_name="awards"
    )
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="awards"
    )
    approved_vnd = models.BigIntegerField(_("amount approved (VND)"), validators=_amount_validators)
    paid_vnd = models.BigIntegerField(_("paid (VND)"), default=0, editable=False)
    conditions = models.TextField(_("conditions"), max_length=10_000, blank=True)
    decided_at = models.DateTimeField(_("decided at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_vnd__gt=0),
                name="award_approved_positive",
                violation_error_message=_("The amount approved must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(paid_vnd__gte=0, paid_vnd__lte=F("approved_vnd")),
                name="award_paid_within_approved",
                violation_error_message=_("An award cannot pay more than was approved."),
            ),
        ]
        indexes = [models.Index(fields=["fund", "decided_at"])]

    def __str__(self):
        return f"{self.application.organization} · {self.approved_vnd} VND"


class Tranche(models.Model):
    """One instalment of an award, paid once its milestone is verified."""

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="tranches"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    amount_vnd = models.BigIntegerField(_("amount (VND)"), validators=_amount_validators)
    paid_vnd = models.BigIntegerField(_("paid (VND)"), default=0, editable=False)
    planned_date = models.DateField(_("planned date"))
    milestone = models.TextField(_("milestone"), max_length=2000)
    milestone_met_at = models.DateTimeField(_("milestone met at"), null=True, blank=True)
    milestone_met_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("milestone verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    milestone_note = models.TextField(_("verification note"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["award_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["award", "number"], name="tranche_number_per_award"),
            models.CheckConstraint(
                condition=Q(amount_vnd__gt=0),
                name="tranche_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(paid_vnd__gte=0, paid_vnd__lte=F("amount_vnd")),
                name="tranche_paid_within_amount",
                violation_error_message=_("A tranche cannot pay more than its amount."),
            ),
            models.CheckConstraint(
                condition=Q(milestone_met_at__isnull=True, milestone_met_by__isnull=True)
                | Q(milestone_met_at__isnull=False, milestone_met_by__isnull=False),
                name="tranche_milestone_met_by_someone",
            ),
        ]

    def __str__(self):
        return f"{self.award_id} #{self.number}"

    @property
    def milestone_met(self) -> bool:
        return self.milestone_met_at is not None


class Disbursement(models.Model):
    """A request to pay (part of) a tranche, approved or rejected by someone else."""

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="disbursements"
    )
    tranche = models.ForeignKey(
        Tranche, verbose_name=_("tranche"), on_delete=models.PROTECT, related_name="disbursements"
    )
    amount_vnd = models.BigIntegerField(_("amount (VND)"), validators=_amount_validators)
    reference = models.CharField(
        _("payment reference"), max_length=64, help_text=_("The payment order's number.")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DisbursementStatus.choices,
        default=DisbursementStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=5000, blank=True)

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_vnd__gt=0),
                name="disbursement_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.UniqueConstraint(
                fields=["award", "reference"], name="disbursement_reference_per_award"
            ),
            # A request waits undecided; a decision names who made it.
            models.CheckConstraint(
                condition=Q(
                    status=DisbursementStatus.REQUESTED,
                    decided_by__isnull=True,
                    decided_at__isnull=True,
                )
                | (
                    ~Q(status=DisbursementStatus.REQUESTED)
                    & Q(decided_by__isnull=False, decided_at__isnull=False)
                ),
                name="disbursement_decided_by_someone",
            ),
            # Four eyes, held by the database too.
            models.CheckConstraint(
                condition=~Q(decided_by=F("requested_by")),
                name="disbursement_four_eyes",
                violation_error_message=_("The requester cannot decide their own request."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"]),
            models.Index(fields=["tranche", "status"]),
            # The award page's waiting requests; the staff list, newest first.
            models.Index(fields=["award", "status", "requested_at"]),
            models.Index(fields=["-requested_at", "-id"], name="disbursement_newest_first"),
        ]

    def __str__(self):
        return f"{self.reference} · {self.amount_vnd} VND"


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Ledger entries are append-only.")

    def delete(self):
        raise TypeError("Ledger entries are append-only.")


class LedgerEntry(models.Model):
    """Money that moved: a payment (positive) when a disbursement is approved, or a
    reversal (negative, pointing at the payment it corrects). Never edited nor deleted;
    on PostgreSQL a trigger refuses it below the ORM too."""

    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="ledger"
    )
    tranche = models.ForeignKey(
        Tranche, verbose_name=_("tranche"), on_delete=models.PROTECT, related_name="ledger"
    )
    disbursement = models.ForeignKey(
        Disbursement,
        verbose_name=_("disbursement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger",
    )
    amount_vnd = models.BigIntegerField(_("amount (VND)"))
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    note = models.TextField(_("note"), max_length=5000, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["created_at", "id"]
        constraints = [
            # Payments are positive and stand alone; reversals are negative and point
            # at what they correct.
            models.CheckConstraint(
                condition=Q(amount_vnd__gt=0, reverses__isnull=True)
                | Q(amount_vnd__lt=0, reverses__isnull=False),
                name="ledgerentry_sign_matches_kind",
            ),
            # One payment per approved disbursement.
            models.UniqueConstraint(
                fields=["disbursement"],
                condition=Q(reverses__isnull=True),
                name="ledgerentry_one_payment_per_disbursement",
            ),
        ]
        indexes = [
            # An award's ledger newest first, as the office and the API page through it.
            models.Index(fields=["award", "-created_at", "-id"], name="ledgerentry_award_newest"),
            # Money paid per month: the sums are read from the index alone.
            models.Index(
                fields=["created_at"], include=["amount_vnd"], name="ledgerentry_created_amount"
            ),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.amount_vnd:+d} VND"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Ledger entries are append-only.")
