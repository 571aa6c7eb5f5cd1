from django.db import models
from django.utils.translation import gettext_lazy as _


class ChallengeKind(models.TextChoices):
    PROBLEM = "problem", _("Major problem")
    STEM_CONTEST = "stem_contest", _("STEM innovation contest")
    STARTUP_CONTEST = "startup_contest", _("Startup innovation contest")


class ChallengeStatus(models.TextChoices):
    """Derived from the dates, never stored: the clock decides."""

    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    RESULTS = "results", _("Results published")


class Sector(models.TextChoices):
    ENVIRONMENT = "environment", _("Industrial-park environment")
    TRANSPORT = "transport", _("Smart traffic and logistics")
    PUBLIC_SERVICES = "public_services", _("Digital public services")
    AGRICULTURE = "agriculture", _("High-tech agriculture")
    TOURISM = "tourism", _("Tourism and heritage")
    SEMICONDUCTORS = "semiconductors", _("Semiconductor skills")
    EDUCATION = "education", _("STEM education")
    STARTUPS = "startups", _("Innovative startups")
