"""Roles are Django groups. Their names live here; the groups are created by a data
migration and their model permissions are granted after every `migrate`."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROGRAMME_MANAGER = "programme_managers", _("Programme managers")
    JUROR = "jurors", _("Jurors")
    FUND_OFFICER = "fund_officers", _("Fund officers")
    FINANCE_APPROVER = "finance_approvers", _("Finance approvers")
    AUDITOR = "auditors", _("Auditors")


def role_label(group) -> str:
    """How people read a group (or a group's name): its role's translated label, e.g.
    "Programme managers" for `programme_managers`; any other group by its own name."""
    name = getattr(group, "name", group)
    return str(Role(name).label) if name in Role.values else name


# Model permissions ("app_label.codename") each role holds. Object rules (this
# organisation, this assignment) are predicates in each app's rules.py, not here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.PROGRAMME_MANAGER: [
        "wagtailadmin.access_admin",
        "wagtailimages.add_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.choose_document",
        "simple_translation.submit_translation",
        "challenges.add_challenge",
        "challenges.change_challenge",
        "challenges.delete_challenge",
        "challenges.view_challenge",
        "challenges.view_proposal",
        # Judging: rounds (and their judging pages), rubrics, jurors' profiles.
        "challenges.add_rubric",
        "challenges.change_rubric",
        "challenges.delete_rubric",
        "challenges.view_rubric",
        "challenges.add_round",
        "challenges.change_round",
        "challenges.delete_round",
        "challenges.view_round",
        "challenges.add_jurorprofile",
        "challenges.change_jurorprofile",
        "challenges.delete_jurorprofile",
        "challenges.view_jurorprofile",
        "challenges.add_juroraffiliation",
        "challenges.change_juroraffiliation",
        "challenges.delete_juroraffiliation",
        "challenges.view_juroraffiliation",
        "startups.view_organization",
        "startups.change_organization",
    ],
    Role.JUROR: ["challenges.score_entries"],
    # Officers set up funds and calls; every other fund write (review, decisions,
    # milestones, disbursements) goes through fund.services, which checks the role.
    Role.FUND_OFFICER: [
        "wagtailadmin.access_admin",
        "startups.view_organization",
        "fund.add_fund",
        "fund.change_fund",
        "fund.view_fund",
        "fund.add_fundingcall",
        "fund.change_fundingcall",
        "fund.view_fundingcall",
        "fund.view_fundapplication",
        "fund.view_award",
        "fund.view_tranche",
        "fund.view_disbursement",
        "fund.view_ledgerentry",
    ],
    Role.FINANCE_APPROVER: [
        "wagtailadmin.access_admin",
        "startups.view_organization",
        "fund.view_fund",
        "fund.view_fundingcall",
        "fund.view_fundapplication",
        "fund.view_award",
        "fund.view_tranche",
        "fund.view_disbursement",
        "fund.view_ledgerentry",
    ],
    Role.AUDITOR: [
        "wagtailadmin.access_admin",
        "portal.view_auditevent",
        "challenges.view_proposal",
        "startups.view_organization",
        "fund.view_fund",
        "fund.view_fundingcall",
        "fund.view_fundapplication",
        "fund.view_award",
        "fund.view_tranche",
        "fund.view_disbursement",
        "fund.view_ledgerentry",
    ],
}


def grant_role_permissions(sender, using="default", **kwargs):
    """post_migrate handler: give each role group its permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, perm_names in ROLE_PERMISSIONS.items():
        group = Group.objects.using(using).filter(name=role).first()
        if group is None or not perm_names:
            continue
        wanted = models.Q()
        for name in perm_names:
            app_label, codename = name.split(".")
            wanted |= models.Q(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*Permission.objects.using(using).filter(wanted))
    _grant_page_permissions(using)


# Programme managers publish the whole page tree.
PAGE_PERMISSIONS = {Role.PROGRAMME_MANAGER: ["add_page", "change_page", "publish_page"]}


def _grant_page_permissions(using):
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import GroupPagePermission, Page

    root = Page.objects.using(using).filter(depth=1).first()
    if root is None:
        return
    for role, codenames in PAGE_PERMISSIONS.items():
        group = Group.objects.using(using).filter(name=role).first()
        if group is None:
            continue
        for permission in Permission.objects.using(using).filter(
            content_type__app_label="wagtailcore", codename__in=codenames
        ):
            GroupPagePermission.objects.using(using).get_or_create(
                group=group, page=root, permission=permission
            )
