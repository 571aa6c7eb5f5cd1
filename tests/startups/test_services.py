import hashlib
import io
import struct
import zlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from portal.errors import Conflict
from portal.models import AuditEvent
from portal.roles import Role
from startups import services
from startups.enums import MembershipRole, OrganizationKind, Sector, StartupStage
from startups.models import Invitation, Membership, Organization, StartupProfile
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    StartupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def enterprise_data(**overrides):
    return {
        "kind": OrganizationKind.ENTERPRISE,
        "legal_name": "Công ty Cổ phần Giải pháp Kinh Bắc",
        "tax_code": "0100233488",
        "sector": Sector.SOFTWARE,
        **overrides,
    }


def png_upload(name="logo.png", size=(800, 400), mode="RGBA", exif=False):
    buffer = io.BytesIO()
    image = Image.new(mode, size, (11, 83, 148, 255) if mode == "RGBA" else (11, 83, 148))
    kwargs = {}
    if exif:
        metadata = Image.Exif()
        metadata[0x010F] = "SecretCam"  # Make
        kwargs["exif"] = metadata
    image.save(buffer, format="PNG", **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# Organisations


def test_organization_create_makes_the_actor_owner_and_audits(applicant):
    organization = services.organization_create(
        actor=applicant, data=enterprise_data(tax_code="01.00.233.488")
    )

    assert organization.tax_code == "0100233488"
    assert list(organization.memberships.values_list("user", "role")) == [
        (applicant.pk, MembershipRole.OWNER)
    ]
    event = AuditEvent.objects.get(action="organization.create")
    assert (event.actor, event.object_id) == (applicant, str(organization.pk))
    assert event.data["owner"] == applicant.pk
    assert event.data["fields"]["tax_code"] == "0100233488"


def test_organization_create_keeps_a_branch_suffix(applicant):
    organization = services.organization_create(
        actor=applicant, data=enterprise_data(tax_code="0314409058002")
    )

    assert organization.tax_code == "0314409058-002"


def test_organization_create_bad_check_digit_writes_nothing(applicant):
    with pytest.raises(ValidationError) as error:
        services.organization_create(actor=applicant, data=enterprise_data(tax_code="0100233489"))

    assert list(error.value.message_dict) == ["tax_code"]
    assert Organization.objects.count() == Membership.objects.count() == 0
    assert not AuditEvent.objects.exists()


def test_organization_create_duplicate_tax_code_is_a_field_error(applicant):
    OrganizationFactory(tax_code="0100233488")

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.organization_create(actor=applicant, data=enterprise_data(tax_code="0100-233-488"))

    assert error.value.message_dict == {
        "tax_code": ["An organisation with this tax code is already registered."]
    }

    assert list(error.value.message_dict) == ["tax_code"]
    assert Organization.objects.count() == 1


@pytest.mark.parametrize("kind", [OrganizationKind.ENTERPRISE, OrganizationKind.STARTUP])
def test_organization_create_firm_without_tax_code_is_refused(applicant, kind):
    with pytest.raises(ValidationError) as error:
        services.organization_create(actor=applicant, data=enterprise_data(kind=kind, tax_code=""))

    assert list(error.value.message_dict) == ["tax_code"]
    assert not Organization.objects.exists()


def test_organization_create_school_needs_no_tax_code(applicant):
    organization = services.organization_create(
        actor=applicant,
        data=enterprise_data(
            kind=OrganizationKind.SCHOOL, legal_name="Đội STEM THPT Chuyên Bắc Ninh", tax_code=""
        ),
    )

    assert organization.tax_code is None


def test_organization_create_refuses_fields_applicants_do_not_set(applicant):
    with pytest.raises(ValidationError) as error:
        services.organization_create(actor=applicant, data=enterprise_data(verified=True))

    assert list(error.value.message_dict) == ["verified"]


def test_organization_update_audits_only_what_changed(applicant):
    organization = OrganizationFactory(owner=applicant, website="")

    services.organization_update(
        actor=applicant,
        organization=organization,
        data={"website": "https://kinhbac.example", "legal_name": organization.legal_name},
    )

    event = AuditEvent.objects.get(action="organization.update")
    assert event.data == {"changed": {"website": {"from": "", "to": "https://kinhbac.example"}}}


def test_organization_update_of_a_verified_fact_withdraws_verification(applicant, manager):
    organization = OrganizationFactory(owner=applicant)
    services.organization_verify(actor=manager, organization=organization)

    services.organization_update(
        actor=applicant, organization=organization, data={"legal_name": "Tên mới"}
    )

    organization.refresh_from_db()
    assert organization.verified is False
    assert organization.verified_by is None
    assert AuditEvent.objects.get(action="organization.update").data["verification_withdrawn"]


def test_organization_update_by_a_plain_member_is_refused(applicant):
    organization = OrganizationFactory()
    MembershipFactory(organization=organization, user=applicant, role=MembershipRole.MEMBER)

    with pytest.raises(PermissionDenied):
        services.organization_update(
            actor=applicant, organization=organization, data={"website": "https://x.example"}
        )


def test_organization_verify_is_for_staff_only(applicant, manager):
    organization = OrganizationFactory(owner=applicant)

    with pytest.raises(PermissionDenied):
        services.organization_verify(actor=applicant, organization=organization)
    services.organization_verify(actor=manager, organization=organization, note="ĐKKD đã đối chiếu")

    organization.refresh_from_db()
    assert (organization.verified, organization.verified_by) == (True, manager)
    assert AuditEvent.objects.get(action="organization.verify").data == {
        "from": False,
        "to": True,
        "note": "ĐKKD đã đối chiếu",
    }


# Logos


def test_logo_is_reencoded_to_webp_without_metadata(applicant):
    organization = OrganizationFactory(owner=applicant)

    services.organization_set_logo(
        actor=applicant, organization=organization, upload=png_upload(exif=True)
    )

    organization.refresh_from_db()
    with organization.logo.open("rb") as handle:
        logo = Image.open(handle)
        logo.load()
    assert (logo.format, logo.size) == ("WEBP", (512, 256))
    assert "exif" not in logo.info
    with organization.logo_thumbnail.open("rb") as handle:
        assert Image.open(handle).size == (128, 64)
    assert organization.logo.name.startswith("logos/")
    assert "logo" not in organization.logo.name.removeprefix("logos/")


def test_logo_replacement_deletes_the_old_files(applicant, django_capture_on_commit_callbacks):
    organization = OrganizationFactory(owner=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        organization = services.organization_set_logo(
            actor=applicant, organization=organization, upload=png_upload()
        )
    first = organization.logo.name

    with django_capture_on_commit_callbacks(execute=True):
        organization = services.organization_set_logo(
            actor=applicant, organization=organization, upload=png_upload(size=(64, 64))
        )

    assert first and organization.logo.name != first
    assert not organization.logo.storage.exists(first)
    assert organization.logo.storage.exists(organization.logo.name)


def _bomb():
    # A tiny PNG whose header claims 30,000 × 30,000 pixels: decoding it would take
    # gigabytes of memory.
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", 30_000, 30_000)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return SimpleUploadedFile("bomb.png", bytes(data), content_type="image/png")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (_bomb, "too many pixels"),
        (
            lambda: SimpleUploadedFile("logo.png", b"%PDF-1.7\n" + b"x" * 500, "image/png"),
            "PNG, JPEG or WebP",
        ),
        (
            lambda: SimpleUploadedFile("logo.png", b"\x89PNG" + b"\0" * (2 * 1024 * 1024)),
            "too large",
        ),
        (lambda: SimpleUploadedFile("logo.gif", b"GIF89a" + b"\0" * 100), "PNG, JPEG or WebP"),
    ],
    ids=["decompression-bomb", "pdf-renamed-png", "oversized", "gif"],
)
def test_logo_bad_files_are_refused_and_nothing_is_stored(applicant, upload, message, settings):
    organization = OrganizationFactory(owner=applicant)

    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.organization_set_logo(actor=applicant, organization=organization, upload=upload())

    assert list(error.value.message_dict) == ["logo"]
    assert message in error.value.message_dict["logo"][0]
    organization.refresh_from_db()
    assert not organization.logo
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))
    assert not AuditEvent.objects.filter(action="organization.logo").exists()


# Startup profiles and pitch decks


def test_startup_profile_only_for_startups(applicant):
    organization = OrganizationFactory(owner=applicant)

    with pytest.raises(ValidationError):
        services.startup_profile_update(
            actor=applicant, organization=organization, data={"stage": StartupStage.IDEA}
        )


def test_startup_profile_negative_funding_is_refused(applicant):
    organization = StartupFactory(owner=applicant, profile=None)

    with pytest.raises(ValidationError) as error:
        services.startup_profile_update(
            actor=applicant,
            organization=organization,
            data={"stage": StartupStage.MVP, "funding_raised_vnd": -1},
        )

    assert list(error.value.message_dict) == ["funding_raised_vnd"]
    assert not StartupProfile.objects.exists()


def test_pitch_deck_pdf_is_stored_privately_with_its_hash(applicant, settings):
    organization = StartupFactory(owner=applicant)
    content = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"

    profile = services.startup_pitch_deck_set(
        actor=applicant,
        organization=organization,
        upload=SimpleUploadedFile("Pitch deck CONFIDENTIAL.pdf", content, "application/pdf"),
    )

    assert profile.pitch_deck_sha256 == hashlib.sha256(content).hexdigest()
    stored = settings.PRIVATE_MEDIA_ROOT / profile.pitch_deck.name
    assert stored.read_bytes() == content
    assert "CONFIDENTIAL" not in profile.pitch_deck.name
    assert not (settings.MEDIA_ROOT / profile.pitch_deck.name).exists()
    with pytest.raises(ValueError):
        profile.pitch_deck.url  # noqa: B018 - private files have no URL


def test_pitch_deck_that_is_not_a_pdf_is_refused(applicant):
    organization = StartupFactory(owner=applicant)

    with pytest.raises(ValidationError) as error:
        services.startup_pitch_deck_set(
            actor=applicant, organization=organization, upload=png_upload(name="deck.pdf")
        )

    assert list(error.value.message_dict) == ["pitch_deck"]
    organization.startup_profile.refresh_from_db()
    assert not organization.startup_profile.pitch_deck


# Invitations


def invite(actor, organization, email="dong.nghiep@example.test", **kwargs):
    return services.invitation_create(actor=actor, organization=organization, email=email, **kwargs)


def test_invitation_accept_makes_a_member(applicant, django_capture_on_commit_callbacks):
    organization = OrganizationFactory(owner=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = invite(applicant, organization, email="Dong.Nghiep@Example.test")
    colleague = UserFactory(email="dong.nghiep@example.test")

    membership = services.invitation_accept(user=colleague, token=token)

    assert (membership.organization, membership.role) == (organization, MembershipRole.MEMBER)
    invitation.refresh_from_db()
    assert (invitation.accepted_by, invitation.status) == (colleague, "accepted")
    assert Invitation.objects.get().token_hash != token  # only the digest is stored
    assert [m.to for m in mail.outbox] == [["dong.nghiep@example.test"]]
    assert token in mail.outbox[0].body


def test_invitation_email_is_in_the_invitees_language(
    applicant, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(owner=applicant, legal_name="Công ty Kinh Bắc")
    UserFactory(email="english@example.test", preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        english, _ = invite(applicant, organization, email="english@example.test")
        vietnamese, _ = invite(applicant, organization, email="moi@example.test", language="vi")

    assert (english.language, vietnamese.language) == ("en", "vi")
    assert mail.outbox[0].subject == (
        "You are invited to join CNS"
        + organization.short_name.removeprefix("CNS")
        + " on the Open Innovation Portal"
    )
    assert "/en/dashboard/invitations/" in mail.outbox[0].body
    assert "/en/" not in mail.outbox[1].body
    assert "Công ty Kinh Bắc" in mail.outbox[1].body


def test_invitation_is_single_use(applicant):
    organization = OrganizationFactory(owner=applicant)
    _, token = invite(applicant, organization)
    colleague = UserFactory(email="dong.nghiep@example.test")
    services.invitation_accept(user=colleague, token=token)

    with pytest.raises(Conflict):
        services.invitation_accept(user=colleague, token=token)


def test_invitation_expired_is_refused(applicant):
    organization = OrganizationFactory(owner=applicant)
    invitation, token = invite(applicant, organization)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    colleague = UserFactory(email="dong.nghiep@example.test")

    with pytest.raises(Conflict):
        services.invitation_accept(user=colleague, token=token)
    assert not organization.memberships.filter(user=colleague).exists()


def test_invitation_for_another_email_is_refused(applicant):
    organization = OrganizationFactory(owner=applicant)
    _, token = invite(applicant, organization)
    stranger = UserFactory(email="nguoi.khac@example.test")

    with pytest.raises(PermissionDenied):
        services.invitation_accept(user=stranger, token=token)
    assert not organization.memberships.filter(user=stranger).exists()


def test_invitation_revoked_is_refused(applicant):
    organization = OrganizationFactory(owner=applicant)
    invitation, token = invite(applicant, organization)
    services.invitation_revoke(actor=applicant, invitation=invitation)

    with pytest.raises(Conflict):
        services.invitation_accept(user=UserFactory(email="dong.nghiep@example.test"), token=token)


def test_invitation_unknown_token_is_not_found(applicant):
    with pytest.raises(Invitation.DoesNotExist):
        services.invitation_accept(user=applicant, token="no-such-token")


def test_invitation_twice_while_pending_is_refused_but_after_expiry_allowed(applicant):
    organization = OrganizationFactory(owner=applicant)
    first, _ = invite(applicant, organization)

    with pytest.raises(ValidationError):
        invite(applicant, organization)
    Invitation.objects.filter(pk=first.pk).update(expires_at=timezone.now())
    second, _ = invite(applicant, organization)

    first.refresh_from_db()
    assert first.status == "revoked"
    assert second.status == "pending"


def test_invitation_of_an_existing_member_is_refused(applicant):
    organization = OrganizationFactory(owner=applicant)

    with pytest.raises(ValidationError) as error:
        invite(applicant, organization, email=applicant.email.upper())

    assert list(error.value.message_dict) == ["email"]


def test_invitation_as_owner_needs_an_owner(applicant):
    organization = OrganizationFactory()
    MembershipFactory(organization=organization, user=applicant, role=MembershipRole.ADMIN)

    with pytest.raises(PermissionDenied):
        invite(applicant, organization, role=MembershipRole.OWNER)
    invitation, _ = invite(applicant, organization, role=MembershipRole.ADMIN)
    assert invitation.role == MembershipRole.ADMIN


def test_invitation_by_a_plain_member_is_refused(applicant):
    organization = OrganizationFactory()
    MembershipFactory(organization=organization, user=applicant, role=MembershipRole.MEMBER)

    with pytest.raises(PermissionDenied):
        invite(applicant, organization)


# The last-owner rule


def test_last_owner_cannot_leave_or_be_demoted(applicant):
    organization = OrganizationFactory(owner=applicant)
    membership = organization.memberships.get()

    with pytest.raises(Conflict):
        services.membership_remove(actor=applicant, membership=membership)
    with pytest.raises(Conflict):
        services.membership_change_role(
            actor=applicant, membership=membership, role=MembershipRole.ADMIN
        )
    assert organization.memberships.get().role == MembershipRole.OWNER


def test_one_of_two_owners_may_leave(applicant):
    organization = OrganizationFactory(owner=applicant)
    other = MembershipFactory(organization=organization, role=MembershipRole.OWNER)

    services.membership_remove(
        actor=applicant, membership=organization.memberships.get(user=applicant)
    )

    assert list(organization.memberships.values_list("pk", flat=True)) == [other.pk]
    assert AuditEvent.objects.filter(action="membership.leave").count() == 1


def test_admin_cannot_remove_or_demote_an_owner(applicant):
    organization = OrganizationFactory(owner=applicant)
    admin = MembershipFactory(organization=organization, role=MembershipRole.ADMIN)
    owner = organization.memberships.get(user=applicant)

    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=admin.user, membership=owner)
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            actor=admin.user, membership=owner, role=MembershipRole.MEMBER
        )
    with pytest.raises(PermissionDenied):
        services.membership_change_role(
            actor=admin.user, membership=admin, role=MembershipRole.OWNER
        )


def test_member_may_leave_but_not_remove_others(applicant):
    organization = OrganizationFactory(owner=applicant)
    member = MembershipFactory(organization=organization, role=MembershipRole.MEMBER)
    other = MembershipFactory(organization=organization, role=MembershipRole.MEMBER)

    with pytest.raises(PermissionDenied):
        services.membership_remove(actor=member.user, membership=other)
    services.membership_remove(actor=member.user, membership=member)

    assert not Membership.objects.filter(pk=member.pk).exists()


def test_role_change_is_audited_with_from_and_to(applicant):
    organization = OrganizationFactory(owner=applicant)
    member = MembershipFactory(organization=organization, role=MembershipRole.MEMBER)

    services.membership_change_role(actor=applicant, membership=member, role=MembershipRole.ADMIN)

    assert AuditEvent.objects.get(action="membership.role").data == {
        "member": member.user_id,
        "from": "member",
        "to": "admin",
    }


def test_staff_roles_may_read_pitch_decks_applicants_of_others_may_not(applicant):
    organization = StartupFactory(owner=applicant)
    officer = UserFactory(role=Role.FUND_OFFICER)
    outsider = UserFactory()

    assert applicant.has_perm("startups.view_pitch_deck", organization)
    assert officer.has_perm("startups.view_pitch_deck", organization)
    assert not outsider.has_perm("startups.view_pitch_deck", organization)


def test_invitation_accepted_by_token_verifies_the_invited_address(applicant):
    from allauth.account.models import EmailAddress

    from portal.rules import is_email_verified

    organization = OrganizationFactory(owner=applicant)
    _, token = invite(applicant, organization)
    colleague = UserFactory(email="dong.nghiep@example.test")
    EmailAddress.objects.create(user=colleague, email=colleague.email, primary=True, verified=False)
    assert not is_email_verified(colleague)

    services.invitation_accept(user=colleague, token=token)

    assert EmailAddress.objects.get(user=colleague).verified
    assert is_email_verified(colleague)
    assert AuditEvent.objects.filter(action="email.verified_by_invitation").count() == 1
