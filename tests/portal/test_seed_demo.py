import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, Revision

from challenges.enums import ChallengeKind, ChallengeStatus
from challenges.models import Challenge
from cms.models import ChallengePage
from portal.models import AuditEvent, User
from portal.roles import Role
from portal.rules import is_email_verified
from startups.enums import MembershipRole, OrganizationKind
from startups.models import Invitation, Membership, Organization, StartupProfile

pytestmark = pytest.mark.django_db

DEMO_LOGINS = {
    "applicant@demo.example": None,
    "applicant2@demo.example": None,
    "juror@demo.example": Role.JUROR,
    "juror2@demo.example": Role.JUROR,
    "manager@demo.example": Role.PROGRAMME_MANAGER,
    "officer@demo.example": Role.FUND_OFFICER,
    "approver@demo.example": Role.FINANCE_APPROVER,
    "auditor@demo.example": Role.AUDITOR,
}


def _snapshot():
    return {
        "users": sorted(User.objects.values_list("email", "full_name", "password")),
        "memberships": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "challenges": sorted(
            Challenge.objects.values_list(
                "code", "title", "summary", "opens_at", "closes_at", "results_published_at"
            )
        ),
        "pages": sorted(
            Page.objects.values_list("path", "title", "slug", "locale_id", "live", "url_path")
        ),
        "organizations": sorted(
            Organization.objects.values_list(
                "tax_code", "kind", "legal_name", "is_public", "verified", "updated_at"
            )
        ),
        "organization members": sorted(
            Membership.objects.values_list("organization__tax_code", "user__email", "role")
        ),
        "invitations": sorted(Invitation.objects.values_list("organization_id", "email")),
        "startup profiles": sorted(StartupProfile.objects.values_list("organization_id", "stage")),
        "audit events": AuditEvent.objects.count(),
        # A second run must not republish pages or add redirects.
        "revisions": Revision.objects.count(),
        "redirects": Redirect.objects.count(),
    }


def test_seed_demo_creates_the_documented_portal(settings):
    settings.DEMO_PASSWORD = "another-demo-pass"

    call_command("seed_demo", stdout=None)

    for email, role in DEMO_LOGINS.items():
        user = authenticate(email=email, password="another-demo-pass")
        assert user is not None, email
        groups = list(user.groups.values_list("name", flat=True))
        assert groups == ([role.value] if role else [])
        assert is_email_verified(user), email  # demo people may submit
    challenges = Challenge.objects.with_status()
    assert challenges.count() == 8
    kinds = {c.code: (c.kind, c.current_status) for c in challenges}
    problems = [status for kind, status in kinds.values() if kind == ChallengeKind.PROBLEM]
    assert sorted(problems) == sorted([ChallengeStatus.OPEN] * 5 + [ChallengeStatus.CLOSED])
    assert kinds["STEM-2026"] == (ChallengeKind.STEM_CONTEST, ChallengeStatus.UPCOMING)
    assert kinds["STARTUP-2026"] == (ChallengeKind.STARTUP_CONTEST, ChallengeStatus.RESULTS)
    # Every challenge has a live page in both languages.
    assert ChallengePage.objects.live().filter(locale__language_code="vi").count() == 8
    assert ChallengePage.objects.live().filter(locale__language_code="en").count() == 8
    assert all("[" in c.summary for c in challenges)  # marked as sample content


def test_seed_demo_creates_organisations_of_every_kind():
    from stdnum.vn import mst

    call_command("seed_demo")

    organizations = Organization.objects.all()
    assert {o.kind for o in organizations} == set(OrganizationKind.values)
    assert all(o.verified and mst.is_valid(o.tax_code) for o in organizations)
    assert organizations.filter(is_public=True).count() >= 4
    assert all(o.memberships.filter(role=MembershipRole.OWNER).exists() for o in organizations)

    def owned(email):
        return list(Organization.objects.filter(memberships__user__email=email))

    (firm,) = owned("applicant@demo.example")
    (startup,) = owned("applicant2@demo.example")
    assert firm.kind == OrganizationKind.ENTERPRISE and firm.verified and firm.verified_by
    assert startup.kind == OrganizationKind.STARTUP and startup.startup_profile.stage
    # One pending invitation: applicant2@ is invited to applicant@'s firm.
    (invitation,) = Invitation.objects.pending()
    assert (invitation.organization, invitation.email) == (firm, "applicant2@demo.example")
    # Made through the services: each step is in the audit trail.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "organization.create",
        "organization.verify",
        "startup_profile.create",
        "invitation.create",
    } <= actions


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    first = _snapshot()

    call_command("seed_demo")

    assert _snapshot() == first


def test_seed_demo_is_refused_in_production(tmp_path):
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_ENV_FILE": "",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "portal.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "EMAIL_URL": "smtp://mail.invalid:25",
    }

    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "seed_demo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 1
    assert "seed_demo is refused when DJANGO_ENV=production." in result.stderr
    assert (
        not (tmp_path / "production.sqlite3").exists()
        or (tmp_path / "production.sqlite3").stat().st_size == 0
    )


def test_seed_demo_creates_proposals_in_every_applicant_state():
    from challenges.models import Proposal
    from challenges.services import proposal_content_digest

    call_command("seed_demo")
    call_command("seed_demo")  # nothing doubled

    proposals = Proposal.objects.select_related("challenge")
    statuses = {(p.challenge.code, p.status) for p in proposals}
    assert {
        ("P1-2026", "draft"),
        ("P3-2026", "submitted"),
        ("P2-2026", "under_review"),  # in judging
        ("STARTUP-2026", "winner"),
        ("STARTUP-2026", "not_selected"),
        ("STEM-2026", "draft"),
    } <= statuses
    assert proposals.count() == 10
    sent = proposals.exclude(status="draft")
    # Every sent proposal carries a receipt that its content reproduces, and closed
    # calls received theirs before the deadline.
    assert all(p.content_sha256 == proposal_content_digest(p) for p in sent)
    assert all(p.submitted_at < p.challenge.closes_at for p in sent)
    assert sorted(p.reference for p in sent.filter(challenge__code="P2-2026")) == [
        "P2-2026-0001",
        "P2-2026-0002",
        "P2-2026-0003",
        "P2-2026-0004",
    ]


def test_seed_demo_gives_jurors_scored_and_unscored_sheets_and_a_sealed_round():
    from challenges.judging.models import Round, RoundStatus, Winner
    from challenges.judging.ranking import round_ranking
    from challenges.judging.seal import round_verify_seal

    call_command("seed_demo")
    call_command("seed_demo")  # nothing doubled

    screening = Round.objects.get(challenge__code="P2-2026")
    assert screening.status == RoundStatus.SCORING
    for email in ("juror@demo.example", "juror2@demo.example"):
        statuses = set(
            screening.assignments.filter(juror__email=email).values_list("status", flat=True)
        )
        assert "submitted" in statuses and statuses & {"assigned", "draft"}, email
    ranking = round_ranking(screening)
    assert len(ranking) == 4 and ranking[0].rank == 1 and ranking[0].mean is not None
    assert any(row.reviews_pending for row in ranking)

    final = Round.objects.get(challenge__code="STARTUP-2026")
    assert final.status == RoundStatus.CLOSED and round_verify_seal(final)
    assert Winner.objects.get(challenge=final.challenge).proposal.status == "winner"
