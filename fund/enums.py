"""States and choices of the fund. Identifiers are lower-case English (they appear in the
API); labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Instrument(models.TextChoices):
    GRANT = "grant", _("Grant")
    EQUITY = "equity", _("Equity investment")
    CONVERTIBLE_LOAN = "convertible_loan", _("Convertible loan")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    DUE_DILIGENCE = "due_diligence", _("Due diligence")
    COMMITTEE = "committee", _("Committee")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


_S = ApplicationStatus

# Where an application may go from each state. Who moves it is the service's business:
# members submit (`application_submit`) and withdraw (`application_withdraw`); fund
# officers move it through review (`application_transition`, OFFICER_TARGETS) and decide
# in committee (`application_decide`). Going back to submitted asks for more information.
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    _S.DRAFT: frozenset({_S.SUBMITTED}),
    _S.SUBMITTED: frozenset({_S.SCREENING, _S.REJECTED, _S.WITHDRAWN}),
    _S.SCREENING: frozenset({_S.DUE_DILIGENCE, _S.SUBMITTED, _S.REJECTED, _S.WITHDRAWN}),
    _S.DUE_DILIGENCE: frozenset({_S.COMMITTEE, _S.SUBMITTED, _S.REJECTED, _S.WITHDRAWN}),
    _S.COMMITTEE: frozenset({_S.APPROVED, _S.REJECTED, _S.SUBMITTED, _S.WITHDRAWN}),
    _S.APPROVED: frozenset(),
    _S.REJECTED: frozenset(),
    _S.WITHDRAWN: frozenset(),
}

# The states `application_transition` moves to; approval needs a decision with its
# amounts and tranches, withdrawal is the applicant's.
OFFICER_TARGETS = frozenset(
    {_S.SCREENING, _S.DUE_DILIGENCE, _S.COMMITTEE, _S.SUBMITTED, _S.REJECTED}
)

# Decided or abandoned: nothing moves it any more.
FINAL_APPLICATION_STATUSES = frozenset({_S.APPROVED, _S.REJECTED, _S.WITHDRAWN})


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class DisbursementStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


DISBURSEMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    DisbursementStatus.REQUESTED: frozenset(
        {DisbursementStatus.APPROVED, DisbursementStatus.REJECTED}
    ),
    DisbursementStatus.APPROVED: frozenset(),
    DisbursementStatus.REJECTED: frozenset(),
}


class CallStatus(models.TextChoices):
    """Where a call stands on the server clock (not stored: computed from its window)."""

    UPCOMING = "upcoming", _("Upcoming")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class DocumentKind(models.TextChoices):
    BUSINESS_PLAN = "business_plan", _("Business plan")
    FINANCIAL_STATEMENTS = "financial_statements", _("Financial statements")
    BUDGET_DETAIL = "budget_detail", _("Budget detail")
    LEGAL_REGISTRATION = "legal_registration", _("Legal registration")
    OTHER = "other", _("Other")
