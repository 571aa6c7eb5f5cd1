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


class SubmissionLanguage(models.TextChoices):
    VIETNAMESE = "vi", _("Vietnamese")
    ENGLISH = "en", _("English")
    EITHER = "vi_or_en", _("Vietnamese or English")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNDER_REVIEW = "under_review", _("Under review")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    NOT_SELECTED = "not_selected", _("Not selected")
    WINNER = "winner", _("Winner")


# Who may move a proposal where. Applicants submit and withdraw; judging (a later
# feature) moves submitted proposals through review. Anything not listed is refused.
PROPOSAL_TRANSITIONS: dict[str, frozenset[str]] = {
    ProposalStatus.DRAFT: frozenset({ProposalStatus.SUBMITTED}),
    ProposalStatus.SUBMITTED: frozenset({ProposalStatus.WITHDRAWN, ProposalStatus.UNDER_REVIEW}),
    # A one-round contest's winner comes straight from review.
    ProposalStatus.UNDER_REVIEW: frozenset(
        {ProposalStatus.SHORTLISTED, ProposalStatus.NOT_SELECTED, ProposalStatus.WINNER}
    ),
    ProposalStatus.SHORTLISTED: frozenset({ProposalStatus.WINNER, ProposalStatus.NOT_SELECTED}),
    ProposalStatus.WITHDRAWN: frozenset(),
    ProposalStatus.NOT_SELECTED: frozenset(),
    ProposalStatus.WINNER: frozenset(),
}

# Sent proposals: what counts against a challenge's limit per organisation.
SENT_PROPOSAL_STATUSES = frozenset(
    set(ProposalStatus) - {ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN}
)


class AttachmentKind(models.TextChoices):
    PITCH_DECK = "pitch_deck", _("Pitch deck")
    TECHNICAL = "technical", _("Technical document")
    BUDGET = "budget", _("Budget sheet")
    OTHER = "other", _("Other")
