"""E-mails to an applicant organisation's members when its fund application moves (sent,
screened, sent back with a question, decided, withdrawn) and when money is paid to it:
each member in their own language, with the reason the fund office gave and a link to
the application. Sent once the change is committed; a mail server that fails is logged
and never undoes the change (the dashboard shows the same facts)."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from challenges.services import local_time
from fund.enums import ApplicationStatus
from fund.models import Disbursement, FundApplication
from startups.models import Membership


def application_moved(application: FundApplication) -> None:
    """Tell the members of the application's organisation its new state (as saved, with
    its `status_note`), once the transaction commits."""
    application_id, status, note = application.pk, application.status, application.status_note
    # The mail backend is the one in force when the change is made (seed_demo sends
    # its made-up people's mail nowhere), though it is used after the commit.
    connection = get_connection()
    transaction.on_commit(
        lambda: _send_moved(connection, application_id, status, note), robust=True
    )


def payment_made(disbursement: Disbursement) -> None:
    """Tell the awardee's members that a payment was approved (entered the ledger)."""
    disbursement_id, connection = disbursement.pk, get_connection()
    transaction.on_commit(lambda: _send_paid(connection, disbursement_id), robust=True)


def _send_moved(connection, application_id: int, status: str, note: str) -> None:
    application = FundApplication.objects.select_related("call", "organization").get(
        pk=application_id
    )
    award = None
    if status == ApplicationStatus.APPROVED:
        award = application.award
        award.schedule = list(award.tranches.order_by("number"))
    context = {
        "application": application,
        "status": status,
        "note": note,
        "award": award,
        "approved": status == ApplicationStatus.APPROVED,
        "rejected": status == ApplicationStatus.REJECTED,
        # Sent back to submitted with a note: the office asks for more.
        "asked": status == ApplicationStatus.SUBMITTED and bool(note),
    }
    _send(connection, application, "fund/email/application", context)


def _send_paid(connection, disbursement_id: int) -> None:
    disbursement = Disbursement.objects.select_related(
        "award__application__call", "award__application__organization", "tranche"
    ).get(pk=disbursement_id)
    application = disbursement.award.application
    context = {"application": application, "disbursement": disbursement}
    _send(connection, application, "fund/email/payment", context)


def _send(connection, application: FundApplication, template: str, context: dict) -> None:
    members = (
        Membership.objects.filter(organization=application.organization, user__is_active=True)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    messages = []
    for membership in members:
        user = membership.user
        with translation.override(user.preferred_language):
            page = reverse("dashboard:fund_application", args=[application.pk])
            local = {
                **context,
                "user": user,
                "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + page,
                "status_label": ApplicationStatus(application.status).label,
                "when": local_time(
                    context["disbursement"].decided_at
                    if "disbursement" in context
                    else application.updated_at
                ),
            }
            subject = render_to_string(f"{template}_subject.txt", local)
            body = render_to_string(f"{template}_message.txt", local)
        messages.append(
            EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=[user.email])
        )
    if messages:
        connection.send_messages(messages)
