"""Organisations act; users act on their behalf. Everything an applicant sends belongs
to an organisation, never to a lone user."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.text import refresh_folded
from startups.enums import (
    KINDS_REQUIRING_TAX_CODE,
    PROVINCES,
    InvitationStatus,
    MembershipRole,
    OrganizationKind,
    Sector,
    SizeBand,
    StartupStage,
)
from startups.validators import validate_founded_year, validate_tax_code


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class Organization(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=OrganizationKind.choices)
    legal_name = models.CharField(
        _("legal name"), max_length=255, help_text=_("As on the business registration.")
    )
    short_name = models.CharField(
        _("short name"), max_length=80, blank=True, help_text=_("Trading name or acronym.")
    )
    tax_code = models.CharField(
        _("tax code"),
        max_length=14,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_tax_code],
        error_messages={"unique": _("An organisation with this tax code is already registered.")},
        help_text=_(
            "Mã số thuế: 10 digits, or 10 digits, a hyphen and 3 for a branch. Required "
            "for enterprises and startups."
        ),
    )
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    founded_year = models.PositiveSmallIntegerField(
        _("year founded"), null=True, blank=True, validators=[validate_founded_year]
    )
    size_band = models.CharField(_("size"), max_length=16, choices=SizeBand.choices, blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(
        _("contact e-mail"), blank=True, help_text=_("Seen by the department only.")
    )
    phone = models.CharField(
        _("phone"), max_length=32, blank=True, help_text=_("Seen by the department only.")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    province = models.CharField(_("province"), max_length=32, choices=PROVINCES, blank=True)
    description = models.TextField(_("description"), max_length=3000, blank=True)
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True, editable=False)
    logo_thumbnail = models.ImageField(
        _("logo thumbnail"), upload_to="logos/", blank=True, editable=False
    )
    is_public = models.BooleanField(
        _("listed in the public directory"),
        default=False,
        help_text=_("Name, logo, sector, description and website become public."),
    )
    verified = models.BooleanField(
        _("verified"), default=False, help_text=_("Set by department staff.")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The directory's search compares this: names and description folded by
    # `portal.text.fold` (no diacritics, `đ` as `d`), kept by `save()`.
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    search_sources = ("legal_name", "short_name", "description")

    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Membership",
        related_name="organizations",
        verbose_name=_("members"),
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["legal_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=KINDS_REQUIRING_TAX_CODE) | Q(tax_code__isnull=False),
                name="organization_firm_has_tax_code",
                violation_error_message=_("Enterprises and startups need a tax code."),
            ),
            models.CheckConstraint(
                condition=~Q(tax_code=""), name="organization_tax_code_null_not_blank"
            ),
        ]
        indexes = [
            # The public directory: listed organisations in name order.
            models.Index(
                Lower("legal_name"),
                "id",
                name="organization_directory_idx",
                condition=Q(is_public=True),
            ),
        ]

    def __str__(self):
        return self.short_name or self.legal_name

    def save(self, *args, update_fields=None, **kwargs):
        update_fields = refresh_folded(
            self, target="search_text", sources=self.search_sources, update_fields=update_fields
        )
        super().save(*args, update_fields=update_fields, **kwargs)

    @property
    def display_name(self) -> str:
        return str(self)


class Membership(models.Model):
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=MembershipRole.choices)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization_id", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="membership_one_per_user"
            ),
        ]
        indexes = [models.Index(fields=["user", "organization"])]

    def __str__(self):
        return f"{self.user} · {self.organization} ({self.get_role_display()})"


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None):
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now or timezone.now()
        )


class Invitation(models.Model):
    """An e-mailed, single-use, expiring invitation to join an organisation. Only the
    SHA-256 of its token is stored: the token itself exists only in the e-mail."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    language = models.CharField(
        _("language of the e-mail"), max_length=8, choices=settings.LANGUAGES
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and organisation (an expired one is
            # closed, by revocation, before a new one is sent).
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_not_both_accepted_and_revoked",
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    def status_at(self, now=None) -> InvitationStatus:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status(self) -> InvitationStatus:
        return self.status_at()


class StartupProfile(models.Model):
    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="startup_profile",
    )
    stage = models.CharField(_("stage"), max_length=16, choices=StartupStage.choices)
    founders = models.TextField(
        _("founders"), max_length=1000, blank=True, help_text=_("Names and roles, one a line.")
    )
    team_size = models.PositiveIntegerField(
        _("team size"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    funding_raised_vnd = models.BigIntegerField(
        _("funding raised so far (VND)"),
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(10**15)],
    )
    pitch_deck = models.FileField(
        _("pitch deck (PDF)"),
        storage=_private_storage,
        upload_to="pitch-decks/",
        blank=True,
        editable=False,
    )
    pitch_deck_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("startup profile")
        verbose_name_plural = _("startup profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(funding_raised_vnd__gte=0), name="startup_funding_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["stage"])]

    def __str__(self):
        return str(self.organization)
