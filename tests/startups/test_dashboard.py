"""The applicant dashboard (/dashboard/): pages per role, forms, invitations, files,
query counts. Text is checked on the English pages (/en/dashboard/), which do not
depend on the Vietnamese catalogue."""

import io
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from portal.models import AuditEvent
from startups import services
from startups.enums import MembershipRole, OrganizationKind
from startups.models import Invitation, Membership, Organization, StartupProfile
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    StartupFactory,
    UserFactory,
)
from tests.factories.startups import tax_code
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def en(name, *args):
    """The English address of a dashboard page."""
    with translation.override("en"):
        return reverse(f"dashboard:{name}", args=args)


def vi(name, *args):
    with translation.override("vi"):
        return reverse(f"dashboard:{name}", args=args)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def verify_email(user):
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def png_bytes(size=(40, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (11, 83, 148)).save(buffer, format="PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def make_invitation(organization, email, *, inviter, role=MembershipRole.MEMBER, **dates):
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        language="en",
        token_hash=services.invitation_token_hash(token),
        invited_by=inviter,
        created_at=dates.get("created_at", now),
        expires_at=dates.get("expires_at", now + timedelta(days=7)),
    )
    return invitation, token


@pytest.fixture
def owner():
    return UserFactory(email="owner@example.test", full_name="Trần Văn Chủ")


@pytest.fixture
def organization(owner):
    return OrganizationFactory(legal_name="Công ty Cổ phần Sao Mai", short_name="", owner=owner)


@pytest.fixture
def admin(organization):
    user = UserFactory(email="admin@example.test", full_name="Lê Thị Quản")
    MembershipFactory(organization=organization, user=user, role=MembershipRole.ADMIN)
    return user


@pytest.fixture
def member(organization):
    user = UserFactory(email="member@example.test", full_name="Phạm Văn Thành")
    MembershipFactory(organization=organization, user=user, role=MembershipRole.MEMBER)
    return user


@pytest.fixture
def outsider():
    user = UserFactory(email="outsider@example.test")
    OrganizationFactory(legal_name="Công ty Khác", owner=user)
    return user


# Languages and sign-in


def test_dashboard_is_vietnamese_at_the_root_and_english_under_en(owner):
    client = client_for(owner)

    assert vi("home") == "/dashboard/"
    assert en("home") == "/en/dashboard/"
    assert '<html lang="vi">' in client.get("/dashboard/").content.decode()
    assert '<html lang="en">' in client.get("/en/dashboard/").content.decode()


@pytest.mark.parametrize(
    "name, with_org",
    [
        ("home", False),
        ("organization_create", False),
        ("organization", True),
        ("organization_edit", True),
        ("members", True),
        ("pitch_deck", True),
    ],
)
def test_pages_anonymous_redirects_to_login_with_next(organization, name, with_org):
    path = vi(name, *([organization.pk] if with_org else []))

    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_post_actions_anonymous_redirect_to_login(organization, member):
    membership = Membership.objects.get(user=member)
    for path in [
        vi("organization_create"),
        vi("invite", organization.pk),
        vi("leave", organization.pk),
        vi("member_remove", organization.pk, membership.pk),
    ]:
        response = Client().post(path, {"email": "x@example.test"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert Membership.objects.filter(user=member).exists()


# Home


def test_home_lists_my_organisations_with_role_and_verification(owner, organization):
    OrganizationFactory(legal_name="Viện Nghiên cứu Xanh", short_name="VNX", verified=True)
    verified = OrganizationFactory(legal_name="Đại học Kỹ thuật", short_name="", verified=True)
    MembershipFactory(organization=verified, user=owner, role=MembershipRole.MEMBER)

    html = client_for(owner).get(en("home")).content.decode()

    assert "Công ty Cổ phần Sao Mai" in html
    assert "Đại học Kỹ thuật" in html
    assert "Viện Nghiên cứu Xanh" not in html and "VNX" not in html
    assert "My role: Owner" in html
    assert "My role: Member" in html
    assert html.count("Verified by the department") == 1
    assert html.count("Not verified yet") == 1
    assert f'href="{en("organization", organization.pk)}"' in html
    assert "Create your organisation" not in html


def test_home_guides_a_newcomer_without_organisation():
    user = UserFactory(email="new@example.test")

    html = client_for(user).get(en("home")).content.decode()

    assert "You are not a member of any organisation yet" in html
    assert "Create your organisation" in html
    assert "Ask a colleague to invite you" in html
    assert "The invitation is sent by e-mail to new@example.test" in html
    assert f'href="{en("organization_create")}"' in html


def test_home_says_an_unverified_address_may_draft_but_not_submit(owner):
    # The site-wide banner says it on the dashboard too (once).
    html = client_for(owner).get(en("home")).content.decode()
    assert html.count("but you cannot submit them until you verify it") == 1

    verify_email(owner)
    html = client_for(owner).get(en("home")).content.decode()
    assert "you cannot submit them until you verify it" not in html


def test_home_offers_invitations_to_my_verified_address(organization, owner):
    user = UserFactory(email="invitee@example.test")
    verify_email(user)
    invitation, _ = make_invitation(organization, "Invitee@Example.test", inviter=owner)
    make_invitation(organization, "someone-else@example.test", inviter=owner)

    html = client_for(user).get(en("home")).content.decode()

    assert "Invitations for you" in html
    assert "invites you to join as Member" in html
    assert f'action="{en("invitation_accept", invitation.pk)}"' in html
    assert f'action="{en("invitation_decline", invitation.pk)}"' in html
    assert html.count("Accept the invitation") == 1


def test_home_accept_invitation_joins_the_organisation(organization, owner):
    user = UserFactory(email="invitee@example.test")
    verify_email(user)
    invitation, _ = make_invitation(organization, user.email, inviter=owner, role="admin")

    response = client_for(user).post(en("invitation_accept", invitation.pk))

    assert response.status_code == 302
    assert response["Location"] == en("organization", organization.pk)
    assert Membership.objects.get(organization=organization, user=user).role == "admin"
    invitation.refresh_from_db()
    assert invitation.accepted_by == user


def test_home_decline_invitation_closes_it(organization, owner):
    user = UserFactory(email="invitee@example.test")
    verify_email(user)
    invitation, _ = make_invitation(organization, user.email, inviter=owner)

    response = client_for(user).post(en("invitation_decline", invitation.pk), follow=True)

    assert response.status_code == 200
    assert "You declined the invitation from Công ty Cổ phần Sao Mai." in (
        response.content.decode()
    )
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert not Membership.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(action="invitation.decline").count() == 1


def test_home_accept_refused_while_address_unverified(organization, owner):
    user = UserFactory(email="invitee@example.test")
    invitation, _ = make_invitation(organization, user.email, inviter=owner)
    client = client_for(user)

    assert "Accept the invitation" not in client.get(en("home")).content.decode()
    response = client.post(en("invitation_accept", invitation.pk))

    assert response.status_code == 403
    assert "Verify your e-mail address first" in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_home_accept_of_someone_elses_invitation_is_404(organization, owner, outsider):
    verify_email(outsider)
    invitation, _ = make_invitation(organization, "invitee@example.test", inviter=owner)

    client = client_for(outsider)

    assert client.post(en("invitation_accept", invitation.pk)).status_code == 404
    assert client.post(en("invitation_decline", invitation.pk)).status_code == 404


# Organisation page


def test_organization_page_owner_sees_everything(owner, organization, member):
    make_invitation(organization, "pending@example.test", inviter=owner)

    html = client_for(owner).get(en("organization", organization.pk)).content.decode()

    assert "<h1>Công ty Cổ phần Sao Mai</h1>" in html
    assert organization.tax_code in html
    assert "Phạm Văn Thành" in html and "Trần Văn Chủ" in html
    assert f'href="{en("organization_edit", organization.pk)}"' in html
    assert "Manage members and invitations" in html
    assert "pending@example.test" in html


def test_organization_page_admin_may_edit(admin, organization):
    html = client_for(admin).get(en("organization", organization.pk)).content.decode()

    assert "My role: Administrator" in html
    assert f'href="{en("organization_edit", organization.pk)}"' in html


def test_organization_page_member_sees_no_actions(owner, member, organization):
    make_invitation(organization, "pending@example.test", inviter=owner)

    response = client_for(member).get(en("organization", organization.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert "My role: Member" in html
    assert en("organization_edit", organization.pk) not in html
    assert "See the members" in html
    assert "pending@example.test" not in html


@pytest.mark.parametrize(
    "name", ["organization", "organization_edit", "members", "pitch_deck", "invite", "leave"]
)
def test_another_organisations_pages_are_404(outsider, organization, name):
    client = client_for(outsider)
    path = en(name, organization.pk)

    response = client.post(path) if name in {"invite", "leave"} else client.get(path)

    assert response.status_code == 404


def test_startup_page_shows_the_startup_profile(owner):
    startup = StartupFactory(legal_name="Công ty TNHH Lúa Thông Minh", owner=owner)

    html = client_for(owner).get(en("organization", startup.pk)).content.decode()

    assert "Startup profile" in html
    assert "Minimum viable product" in html
    assert "500,000,000 VND" in html
    assert "Not uploaded yet" in html


# Create and edit


def create_data(**overrides):
    data = {
        "kind": OrganizationKind.ENTERPRISE,
        "legal_name": "Công ty Cổ phần Bình Minh",
        "short_name": "Bình Minh",
        "tax_code": tax_code(42),
        "sector": "software",
        "founded_year": "2015",
        "size_band": "small",
        "website": "https://binhminh.example",
        "email": "lienhe@binhminh.example",
        "phone": "0222 3856 789",
        "address": "Số 1, đường Lý Thái Tổ",
        "province": "bac-ninh",
        "description": "Phần mềm quản lý.",
        "is_public": "on",
    }
    data.update(overrides)
    return data


def test_create_organization_makes_me_owner(owner):
    user = UserFactory(email="founder@example.test")

    response = client_for(user).post(en("organization_create"), create_data(), follow=True)

    organization = Organization.objects.get(legal_name="Công ty Cổ phần Bình Minh")
    assert response.redirect_chain == [(en("organization", organization.pk), 302)]
    assert "Bình Minh is registered and you are its owner." in response.content.decode()
    assert Membership.objects.get(organization=organization).user == user
    assert Membership.objects.get(organization=organization).role == "owner"
    assert organization.is_public is True
    assert organization.founded_year == 2015


def test_create_form_shows_labels_and_tax_code_help():
    user = UserFactory()

    html = client_for(user).get(en("organization_create")).content.decode()

    assert '<label for="id_tax_code">Tax code</label>' in html
    assert "10 digits, or 10 digits, a hyphen and 3 for a branch" in html
    assert 'aria-describedby="id_tax_code_helptext"' in html
    assert "Enterprises and startups must give their tax code" in html
    assert 'data-kinds-requiring-tax-code="enterprise startup"' in html


def test_create_with_a_bad_tax_code_rerenders_with_the_error_and_writes_nothing():
    user = UserFactory()

    response = client_for(user).post(en("organization_create"), create_data(tax_code="0100109107"))

    html = response.content.decode()
    assert response.status_code == 400
    assert "check digit is wrong" in html
    assert 'id="id_tax_code_error"' in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_tax_code"', html)
    assert 'value="Công ty Cổ phần Bình Minh"' in html
    assert Organization.objects.count() == 0
    assert Membership.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_create_enterprise_without_tax_code_gets_the_services_field_error():
    user = UserFactory()

    response = client_for(user).post(en("organization_create"), create_data(tax_code=""))

    assert response.status_code == 400
    assert "Enterprises and startups must give their tax code." in response.content.decode()
    assert 'id="id_tax_code_error"' in response.content.decode()
    assert Organization.objects.count() == 0


def test_create_with_a_taken_tax_code_is_a_field_error(organization):
    user = UserFactory()

    response = client_for(user).post(
        en("organization_create"), create_data(tax_code=organization.tax_code)
    )

    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    assert Organization.objects.count() == 1


def test_edit_page_for_owner_and_admin_not_member(owner, admin, member, organization):
    assert client_for(owner).get(en("organization_edit", organization.pk)).status_code == 200
    assert client_for(admin).get(en("organization_edit", organization.pk)).status_code == 200

    response = client_for(member).get(en("organization_edit", organization.pk))

    assert response.status_code == 403
    assert "Your role in this organisation does not allow this." in response.content.decode()


def test_edit_saves_the_profile(admin, organization):
    data = create_data(tax_code=organization.tax_code, legal_name="Công ty Sao Mai Mới")

    response = client_for(admin).post(en("organization_edit", organization.pk), data)

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.legal_name == "Công ty Sao Mai Mới"


def test_edit_by_member_changes_nothing(member, organization):
    data = create_data(tax_code=organization.tax_code, legal_name="Đổi tên")

    response = client_for(member).post(en("organization_edit", organization.pk), data)

    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.legal_name == "Công ty Cổ phần Sao Mai"


def test_edit_with_a_bad_year_rerenders_with_the_error(owner, organization):
    data = create_data(tax_code=organization.tax_code, founded_year="1800")

    response = client_for(owner).post(en("organization_edit", organization.pk), data)

    assert response.status_code == 400
    assert "Enter a year between 1900 and this year." in response.content.decode()
    organization.refresh_from_db()
    assert organization.founded_year is None


# Logo and pitch deck


def test_logo_upload_refused_for_a_non_image(owner, organization):
    upload = SimpleUploadedFile("logo.png", b"not an image at all", content_type="image/png")

    response = client_for(owner).post(en("organization_logo", organization.pk), {"logo": upload})

    assert response.status_code == 400
    assert "Upload a PNG, JPEG or WebP image" in response.content.decode()
    assert 'id="id_logo_error"' in response.content.decode()
    organization.refresh_from_db()
    assert not organization.logo


def test_logo_upload_and_remove(owner, organization):
    client = client_for(owner)
    upload = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")

    response = client.post(en("organization_logo", organization.pk), {"logo": upload})

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.logo.name.endswith(".webp")
    html = client.get(en("organization", organization.pk)).content.decode()
    assert organization.logo_thumbnail.url in html

    with_commit = client.post(en("organization_logo_remove", organization.pk))
    assert with_commit.status_code == 302
    organization.refresh_from_db()
    assert not organization.logo


def test_logo_upload_by_member_refused(member, organization):
    upload = SimpleUploadedFile("logo.png", png_bytes(), content_type="image/png")

    response = client_for(member).post(en("organization_logo", organization.pk), {"logo": upload})

    assert response.status_code == 403
    organization.refresh_from_db()
    assert not organization.logo


def test_startup_profile_form_saves(owner):
    startup = StartupFactory(owner=owner, profile=None)
    data = {"stage": "prototype", "founders": "Ngô Thị Lan", "team_size": "3"}

    response = client_for(owner).post(
        en("startup_profile", startup.pk), {**data, "funding_raised_vnd": "-5"}
    )
    assert response.status_code == 400
    assert not StartupProfile.objects.filter(organization=startup).exists()

    response = client_for(owner).post(
        en("startup_profile", startup.pk), {**data, "funding_raised_vnd": "0"}
    )
    assert response.status_code == 302
    assert StartupProfile.objects.get(organization=startup).stage == "prototype"


def test_pitch_deck_upload_and_download(owner, member):
    startup = StartupFactory(owner=owner)
    MembershipFactory(organization=startup, user=member)
    client = client_for(owner)

    refused = client.post(
        en("pitch_deck_upload", startup.pk),
        {"pitch_deck": SimpleUploadedFile("deck.pdf", b"GIF89a fake", "application/pdf")},
    )
    assert refused.status_code == 400
    assert "not a PDF" in refused.content.decode()

    response = client.post(
        en("pitch_deck_upload", startup.pk),
        {"pitch_deck": SimpleUploadedFile("deck.pdf", PDF, content_type="application/pdf")},
    )
    assert response.status_code == 302

    download = client_for(member).get(en("pitch_deck", startup.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]


def test_pitch_deck_download_for_reviewing_staff_not_outsiders(owner, manager, outsider):
    startup = StartupFactory(owner=owner)
    services.startup_pitch_deck_set(
        actor=owner,
        organization=startup,
        upload=SimpleUploadedFile("deck.pdf", PDF, content_type="application/pdf"),
    )

    assert client_for(manager).get(en("pitch_deck", startup.pk)).status_code == 200
    assert client_for(outsider).get(en("pitch_deck", startup.pk)).status_code == 404


# Members and invitations


def invitation_link(message) -> str:
    match = re.search(r"https?://\S+/invitations/\S+/", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def test_invite_sends_an_email_whose_link_opens_the_invitation_page(
    owner, organization, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            en("invite", organization.pk),
            {"email": "Colleague@Example.test", "role": "admin", "language": "en"},
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["colleague@example.test"]
    assert "Công ty Cổ phần Sao Mai" in message.subject
    path = invitation_link(message)
    assert path.startswith("/en/dashboard/invitations/")

    page = Client().get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Invitation to join Công ty Cổ phần Sao Mai" in html
    assert "Administrator" in html
    assert "Trần Văn Chủ" in html
    assert f'href="/en/accounts/signup/?next={path}"' in html
    assert f'href="/en/accounts/login/?next={path}"' in html


def test_invite_form_language_defaults_to_the_current_language(owner, organization):
    html = client_for(owner).get(en("members", organization.pk)).content.decode()
    assert '<option value="en" selected>' in html

    html = client_for(owner).get(vi("members", organization.pk)).content.decode()
    assert '<option value="vi" selected>' in html


def test_invite_an_existing_member_is_a_field_error(owner, member, organization):
    response = client_for(owner).post(
        en("invite", organization.pk),
        {"email": member.email, "role": "member", "language": "en"},
    )

    assert response.status_code == 400
    assert "This person is already a member." in response.content.decode()
    assert 'id="id_email_error"' in response.content.decode()
    assert not Invitation.objects.exists()
    assert len(mail.outbox) == 0


def test_admin_cannot_invite_an_owner(admin, organization):
    html = client_for(admin).get(en("members", organization.pk)).content.decode()
    assert '<option value="owner"' not in html

    response = client_for(admin).post(
        en("invite", organization.pk),
        {"email": "x@example.test", "role": "owner", "language": "en"},
    )
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_member_cannot_invite(member, organization):
    response = client_for(member).post(
        en("invite", organization.pk),
        {"email": "x@example.test", "role": "member", "language": "en"},
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_invite_requires_csrf(owner, organization):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = client.post(
        en("invite", organization.pk),
        {"email": "x@example.test", "role": "member", "language": "en"},
    )

    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_accept_invitation_by_token(owner, organization):
    invitation, token = make_invitation(organization, "new@example.test", inviter=owner)
    user = UserFactory(email="new@example.test")
    client = client_for(user)

    page = client.get(en("invitation", token))
    assert page.status_code == 200
    assert "Join Công ty Cổ phần Sao Mai" in page.content.decode()

    response = client.post(en("invitation", token), follow=True)

    assert response.redirect_chain == [(en("organization", organization.pk), 302)]
    assert "Welcome to Công ty Cổ phần Sao Mai." in response.content.decode()
    assert Membership.objects.get(organization=organization, user=user).role == "member"

    again = client.get(en("invitation", token))
    assert again.status_code == 200
    assert "you are a member of Công ty Cổ phần Sao Mai" in again.content.decode()


def test_accept_with_the_wrong_email_is_refused(owner, organization, outsider):
    _, token = make_invitation(organization, "new@example.test", inviter=owner)
    client = client_for(outsider)

    page = client.get(en("invitation", token))
    assert page.status_code == 403
    assert "but this invitation was sent to new@example.test" in page.content.decode()

    response = client.post(en("invitation", token))

    assert response.status_code == 403
    assert "sent to another e-mail address" in response.content.decode()
    assert not Membership.objects.filter(organization=organization, user=outsider).exists()


def test_used_invitation_is_409(owner, organization, outsider):
    invitation, token = make_invitation(organization, "new@example.test", inviter=owner)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = owner
    invitation.save()
    user = UserFactory(email="new@example.test")

    response = client_for(user).post(en("invitation", token))

    assert response.status_code == 409
    assert "already been used" in response.content.decode()
    assert client_for(user).get(en("invitation", token)).status_code == 409


@pytest.mark.parametrize("state", ["revoked", "expired"])
def test_revoked_or_expired_invitation_is_410(owner, organization, state):
    now = timezone.now()
    if state == "expired":
        invitation, token = make_invitation(
            organization,
            "new@example.test",
            inviter=owner,
            created_at=now - timedelta(days=8),
            expires_at=now - timedelta(days=1),
        )
    else:
        invitation, token = make_invitation(organization, "new@example.test", inviter=owner)
        invitation.revoked_at = now
        invitation.save()
    user = UserFactory(email="new@example.test")
    client = client_for(user)

    page = client.get(en("invitation", token))
    response = client.post(en("invitation", token))

    assert page.status_code == 410
    assert response.status_code == 410
    message = "has expired" if state == "expired" else "has been withdrawn"
    assert message in page.content.decode()
    assert message in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_unknown_invitation_token_is_404(owner):
    assert Client().get(en("invitation", "no-such-token")).status_code == 404
    assert client_for(owner).post(en("invitation", "no-such-token")).status_code == 404


def test_anonymous_accept_redirects_to_login(owner, organization):
    _, token = make_invitation(organization, "new@example.test", inviter=owner)

    response = Client().post(vi("invitation", token))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/dashboard/invitations/")


def test_members_page_for_each_role(owner, admin, member, organization):
    owner_html = client_for(owner).get(en("members", organization.pk)).content.decode()
    admin_html = client_for(admin).get(en("members", organization.pk)).content.decode()
    member_page = client_for(member).get(en("members", organization.pk))
    member_html = member_page.content.decode()

    assert member_page.status_code == 200
    assert "Phạm Văn Thành" in member_html
    assert "Change the role" not in member_html
    assert "Send the invitation" not in member_html
    assert "Leave the organisation" in member_html
    # The owner changes every row (their own too, while another owner remains).
    assert owner_html.count("Change the role") == 3
    assert owner_html.count("Remove<span") == 2
    # Admins do not touch owners.
    assert admin_html.count("Change the role") == 2
    assert admin_html.count("Remove<span") == 1
    assert "Send the invitation" in admin_html


def test_owner_changes_a_role(owner, member, organization):
    membership = Membership.objects.get(user=member)

    response = client_for(owner).post(
        en("member_role", organization.pk, membership.pk), {"role": "admin"}, follow=True
    )

    assert "Phạm Văn Thành is now administrator." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "admin"


def test_admin_cannot_make_an_owner(admin, member, organization):
    membership = Membership.objects.get(user=member)

    response = client_for(admin).post(
        en("member_role", organization.pk, membership.pk), {"role": "owner"}
    )

    assert response.status_code == 403
    assert "Only an owner can make or unmake an owner." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "member"


def test_member_cannot_remove_anyone(member, admin, organization):
    membership = Membership.objects.get(user=admin)

    response = client_for(member).post(en("member_remove", organization.pk, membership.pk))

    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_owner_removes_a_member(owner, member, organization):
    membership = Membership.objects.get(user=member)

    response = client_for(owner).post(
        en("member_remove", organization.pk, membership.pk), follow=True
    )

    assert "Phạm Văn Thành is no longer a member." in response.content.decode()
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_last_owner_cannot_leave(owner, member, organization):
    response = client_for(owner).post(en("leave", organization.pk))

    assert response.status_code == 409
    assert "An organisation must keep at least one owner" in response.content.decode()
    assert Membership.objects.filter(user=owner, organization=organization).exists()


def test_last_owner_cannot_be_demoted(owner, organization):
    membership = Membership.objects.get(user=owner)

    response = client_for(owner).post(
        en("member_role", organization.pk, membership.pk), {"role": "member"}
    )

    assert response.status_code == 409
    assert "An organisation must keep at least one owner" in response.content.decode()


def test_member_leaves(member, organization):
    response = client_for(member).post(en("leave", organization.pk), follow=True)

    assert response.redirect_chain == [(en("home"), 302)]
    assert "You have left Công ty Cổ phần Sao Mai." in response.content.decode()
    assert not Membership.objects.filter(user=member).exists()
    assert client_for(member).get(en("organization", organization.pk)).status_code == 404


def test_revoke_a_pending_invitation(owner, organization):
    invitation, token = make_invitation(organization, "new@example.test", inviter=owner)

    response = client_for(owner).post(
        en("invitation_revoke", organization.pk, invitation.pk), follow=True
    )

    assert "The invitation to new@example.test is withdrawn." in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert Client().get(en("invitation", token)).status_code == 410


def test_revoke_another_organisations_invitation_is_404(owner, organization, outsider):
    invitation, _ = make_invitation(organization, "new@example.test", inviter=owner)
    own = Organization.objects.get(memberships__user=outsider)

    response = client_for(outsider).post(en("invitation_revoke", own.pk, invitation.pk))

    assert response.status_code == 404


def test_get_on_a_post_only_action_is_405(owner, organization):
    assert client_for(owner).get(en("leave", organization.pk)).status_code == 405


# Query counts


def test_home_queries_do_not_grow_with_organisations_or_invitations():
    user = UserFactory(email="many@example.test")
    verify_email(user)
    inviter = UserFactory()
    client = client_for(user)

    def add_rows(n):
        for _ in range(n):
            organization = OrganizationFactory(owner=user)
            MembershipFactory(organization=organization, user=inviter)
            other = OrganizationFactory(owner=inviter)
            make_invitation(other, user.email, inviter=inviter)

    def get():
        response = client.get(en("home"))
        assert response.status_code == 200
        return response

    _, response = assert_constant_queries(get, add_rows, many=20)
    assert response.content.decode().count("Accept the invitation") == 20


def test_organization_page_queries_do_not_grow_with_members(owner, organization):
    client = client_for(owner)

    def add_rows(n):
        for i in range(n):
            MembershipFactory(organization=organization)
            make_invitation(
                organization, f"invitee{Invitation.objects.count()}-{i}@x.test", inviter=owner
            )

    def get():
        response = client.get(en("organization", organization.pk))
        assert response.status_code == 200
        return response

    assert_constant_queries(get, add_rows, many=20)


def test_members_page_queries_do_not_grow_with_members(owner, organization):
    client = client_for(owner)

    def add_rows(n):
        for i in range(n):
            MembershipFactory(organization=organization)
            make_invitation(
                organization, f"invitee{Invitation.objects.count()}-{i}@x.test", inviter=owner
            )

    def get():
        response = client.get(en("members", organization.pk))
        assert response.status_code == 200
        return response

    _, response = assert_constant_queries(get, add_rows, many=20)
    assert response.content.decode().count("Change the role") == 21
