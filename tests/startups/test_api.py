import hashlib
import io
import re
import struct
import threading
import zlib
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone
from PIL import Image
from rest_framework.serializers import ModelSerializer

from portal.models import AuditEvent
from portal.roles import Role
from startups import services
from startups.api.serializers import OrganizationSerializer
from startups.enums import MembershipRole
from startups.models import Invitation, Membership, Organization, StartupProfile
from startups.selectors import organizations_for_user
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    StartupFactory,
    UserFactory,
)
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

ORGS = "/api/v1/organizations/"
ACCEPT = "/api/v1/invitations/accept/"
ME = "/api/v1/me/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ROLE_FORBIDS = "Your role in this organisation does not allow this."

ORGANIZATION_FIELDS = {
    "id",
    "kind",
    "legal_name",
    "short_name",
    "tax_code",
    "sector",
    "founded_year",
    "size_band",
    "website",
    "email",
    "phone",
    "address",
    "province",
    "description",
    "logo",
    "logo_thumbnail",
    "is_public",
    "verified",
    "my_role",
    "startup_profile",
    "created_at",
    "updated_at",
}


def detail(organization, suffix=""):
    return f"{ORGS}{organization.pk}/{suffix}"


def enterprise(**overrides):
    return {
        "kind": "enterprise",
        "legal_name": "Công ty Cổ phần Giải pháp Kinh Bắc",
        "tax_code": "0100233488",
        "sector": "software",
        **overrides,
    }


def member_of(organization, role=MembershipRole.MEMBER, **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(organization=organization, role=role, user=user)
    return user


def png(name="logo.png", size=(800, 400), exif=False):
    buffer = io.BytesIO()
    kwargs = {}
    if exif:
        metadata = Image.Exif()
        metadata[0x010F] = "SecretCam"  # Make
        kwargs["exif"] = metadata
    Image.new("RGB", size, (11, 83, 148)).save(buffer, format="PNG", **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def bomb():
    # A tiny PNG whose header claims 30,000 × 30,000 pixels (made with Pillow, then its
    # IHDR rewritten): decoding it would take gigabytes.
    buffer = io.BytesIO()
    Image.new("L", (1, 1)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", 30_000, 30_000)
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", zlib.crc32(bytes(data[ihdr : ihdr + 17])))
    return SimpleUploadedFile("bomb.png", bytes(data), content_type="image/png")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name="deck.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def stored_files(root):
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# Creating


def test_create_makes_the_caller_owner_and_audits(applicant_client, applicant):
    response = applicant_client.post(ORGS, enterprise(tax_code="01.00.233.488"))

    assert response.status_code == 201, response.data
    organization = Organization.objects.get()
    assert response.data["id"] == organization.pk
    assert set(response.data) == ORGANIZATION_FIELDS
    assert (response.data["kind"], response.data["sector"]) == ("enterprise", "software")
    assert (response.data["tax_code"], response.data["my_role"]) == ("0100233488", "owner")
    assert (response.data["logo"], response.data["startup_profile"]) == (None, None)
    assert response.data["verified"] is False
    membership = Membership.objects.get()
    assert (membership.user, membership.organization, membership.role) == (
        applicant,
        organization,
        "owner",
    )
    event = AuditEvent.objects.get(action="organization.create")
    assert (event.actor, event.object_id) == (applicant, str(organization.pk))


def test_create_bad_check_digit_is_a_field_error(applicant_client):
    response = applicant_client.post(ORGS, enterprise(tax_code="0100233489"), **EN)

    assert response.status_code == 400
    assert response.data == {
        "tax_code": ["This tax code's check digit is wrong; please check the number."]
    }
    assert not Organization.objects.exists()


def test_create_duplicate_tax_code_is_a_field_error(applicant_client):
    OrganizationFactory(tax_code="0100233488")

    response = applicant_client.post(ORGS, enterprise(tax_code="0100 233 488"), **EN)

    assert response.status_code == 400
    assert response.data == {
        "tax_code": ["An organisation with this tax code is already registered."]
    }
    assert Organization.objects.count() == 1


def test_create_branch_suffix_is_stored_in_standard_form(applicant_client):
    response = applicant_client.post(ORGS, enterprise(tax_code="0100233488 001"))

    assert response.status_code == 201, response.data
    assert response.data["tax_code"] == "0100233488-001"
    assert Organization.objects.get().tax_code == "0100233488-001"


@pytest.mark.parametrize("kind", ["enterprise", "startup"])
def test_create_firm_without_tax_code_is_a_field_error(applicant_client, kind):
    response = applicant_client.post(ORGS, enterprise(kind=kind, tax_code=""), **EN)

    assert response.status_code == 400
    assert response.data == {"tax_code": ["Enterprises and startups must give their tax code."]}


def test_create_school_needs_no_tax_code(applicant_client):
    payload = enterprise(kind="school", legal_name="Trường THPT Chuyên Bắc Ninh")
    del payload["tax_code"]

    response = applicant_client.post(ORGS, payload)

    assert response.status_code == 201, response.data
    assert (response.data["kind"], response.data["tax_code"]) == ("school", None)


def test_create_missing_and_unknown_choices_are_field_errors(applicant_client):
    response = applicant_client.post(ORGS, {"kind": "guild", "sector": "software"}, **EN)

    assert response.status_code == 400
    assert response.data == {
        "kind": ['"guild" is not a valid choice.'],
        "legal_name": ["This field is required."],
    }


def test_create_startup_with_its_profile(applicant_client):
    payload = enterprise(
        kind="startup",
        startup_profile={"stage": "prototype", "team_size": 4, "funding_raised_vnd": 250_000_000},
    )

    response = applicant_client.post(ORGS, payload)

    assert response.status_code == 201, response.data
    assert response.data["startup_profile"] == {
        "stage": "prototype",
        "founders": "",
        "team_size": 4,
        "funding_raised_vnd": 250_000_000,
        "has_pitch_deck": False,
        "pitch_deck_sha256": "",
    }


def test_create_profile_error_writes_nothing(applicant_client):
    payload = enterprise(kind="startup", startup_profile={"stage": "idea", "team_size": 0})

    response = applicant_client.post(ORGS, payload, **EN)

    assert response.status_code == 400
    assert response.data == {
        "startup_profile": {"team_size": ["Ensure this value is greater than or equal to 1."]}
    }
    assert not Organization.objects.exists()


def test_create_needs_credentials(anon_client):
    assert anon_client.post(ORGS, enterprise()).status_code == 401


# Listing


def test_list_shows_only_my_organisations_with_my_role(applicant_client, applicant):
    mine = OrganizationFactory(owner=applicant, legal_name="B Công ty")
    joined = OrganizationFactory(legal_name="A Công ty")
    MembershipFactory(organization=joined, user=applicant, role=MembershipRole.ADMIN)
    OrganizationFactory(owner=UserFactory(), legal_name="C Công ty")

    response = applicant_client.get(ORGS)

    assert response.status_code == 200
    assert response.data["count"] == 2
    rows = [(row["id"], row["my_role"]) for row in response.data["results"]]
    assert rows == [(joined.pk, "admin"), (mine.pk, "owner")]


def test_list_filters_and_ordering(applicant_client, applicant):
    firm = OrganizationFactory(owner=applicant, legal_name="A", verified=True)
    startup = StartupFactory(owner=applicant, legal_name="B")
    school = OrganizationFactory(owner=applicant, legal_name="C", kind="school", tax_code=None)

    def ids(**params):
        response = applicant_client.get(ORGS, params)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert ids(kind="startup") == [startup.pk]
    assert ids(verified="true") == [firm.pk]
    assert ids(verified="false") == [startup.pk, school.pk]
    assert ids(ordering="-legal_name") == [school.pk, startup.pk, firm.pk]
    assert ids(ordering="-created_at") == [school.pk, startup.pk, firm.pk]
    assert applicant_client.get(ORGS, {"kind": "guild"}).status_code == 400


def test_list_startup_profile_is_nested(applicant_client, applicant):
    StartupFactory(owner=applicant)

    row = applicant_client.get(ORGS).data["results"][0]

    assert row["kind"] == "startup"
    assert row["startup_profile"]["stage"] == "mvp"
    assert row["startup_profile"]["funding_raised_vnd"] == 500_000_000


def test_list_needs_credentials(anon_client):
    response = anon_client.get(ORGS)

    assert response.status_code == 401
    assert response.data == {"detail": "Chưa cung cấp thông tin xác thực."}


def test_list_runs_a_constant_number_of_queries(applicant_client, applicant):
    def add(n):
        for _ in range(n):
            StartupFactory(owner=applicant)
            OrganizationFactory(owner=applicant)

    def fetch():
        response = applicant_client.get(ORGS, {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=30)

    assert response.data["count"] == 60
    # The token and its user (knox also reads the user's other tokens to purge expired
    # ones), the count, the organisations with their profiles and my role.
    assert queries == 4


def test_list_exact_query_count(applicant_client, applicant, django_assert_num_queries):
    for _ in range(5):
        StartupFactory(owner=applicant)

    with django_assert_num_queries(4):
        response = applicant_client.get(ORGS, {"page_size": 100})

    assert len(response.data["results"]) == 5


def test_list_rows_match_the_declared_serializer_fields(applicant_client, applicant):
    # The organisation serializer writes its rows by hand for speed: they must be what
    # DRF's declared fields (the documented schema) would give.
    startup = StartupFactory(owner=applicant, founded_year=2021, website="https://x.vn")
    services.organization_set_logo(actor=applicant, organization=startup, upload=png())
    services.startup_pitch_deck_set(actor=applicant, organization=startup, upload=pdf())
    OrganizationFactory(owner=applicant, kind="school", tax_code=None)
    response = applicant_client.get(ORGS)
    request = response.wsgi_request

    serializer = OrganizationSerializer(context={"request": request})
    for organization in organizations_for_user(user=applicant):
        generic = ModelSerializer.to_representation(serializer, organization)
        assert serializer.to_representation(organization) == generic
        assert list(serializer.to_representation(organization)) == list(generic)
    assert [row["id"] for row in response.data["results"]] == [
        o.pk for o in organizations_for_user(user=applicant)
    ]


# Reading and changing one


def test_retrieve_by_a_plain_member(client_for):
    organization = StartupFactory(owner=UserFactory())
    colleague = member_of(organization)

    response = client_for(colleague).get(detail(organization))

    assert response.status_code == 200
    assert (response.data["id"], response.data["my_role"]) == (organization.pk, "member")


def test_patch_by_an_admin_changes_and_audits(client_for):
    organization = OrganizationFactory(owner=UserFactory(), website="")
    admin = member_of(organization, MembershipRole.ADMIN)

    response = client_for(admin).patch(
        detail(organization), {"website": "https://kinhbac.example.vn", "is_public": True}
    )

    assert response.status_code == 200, response.data
    assert (response.data["website"], response.data["is_public"]) == (
        "https://kinhbac.example.vn",
        True,
    )
    assert response.data["my_role"] == "admin"
    event = AuditEvent.objects.get(action="organization.update")
    assert event.data["changed"]["website"] == {"from": "", "to": "https://kinhbac.example.vn"}


def test_patch_by_a_plain_member_is_forbidden(client_for):
    organization = OrganizationFactory(owner=UserFactory(), legal_name="Tên cũ")
    colleague = member_of(organization)

    response = client_for(colleague).patch(detail(organization), {"legal_name": "Tên mới"}, **EN)

    assert response.status_code == 403
    assert response.data == {"detail": ROLE_FORBIDS}
    organization.refresh_from_db()
    assert organization.legal_name == "Tên cũ"


def test_patch_cannot_set_verified(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)

    response = applicant_client.patch(detail(organization), {"verified": True})

    assert response.status_code == 200
    assert response.data["verified"] is False


def test_patch_startup_profile_creates_then_changes_it(applicant_client, applicant):
    organization = StartupFactory(owner=applicant, profile=None)

    created = applicant_client.patch(
        detail(organization), {"startup_profile": {"stage": "idea"}}, format="json"
    )
    changed = applicant_client.patch(
        detail(organization),
        {"short_name": "XANH", "startup_profile": {"team_size": 12}},
        format="json",
    )

    assert created.status_code == changed.status_code == 200, changed.data
    assert (changed.data["short_name"], changed.data["startup_profile"]["stage"]) == (
        "XANH",
        "idea",
    )
    assert changed.data["startup_profile"]["team_size"] == 12
    assert list(
        AuditEvent.objects.filter(action__startswith="startup_profile").values_list(
            "action", flat=True
        )
    ) == ["startup_profile.create", "startup_profile.update"]


def test_patch_startup_profile_of_an_enterprise_is_refused(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant, short_name="OLD")

    response = applicant_client.patch(
        detail(organization),
        {"short_name": "NEW", "startup_profile": {"stage": "idea"}},
        format="json",
        **EN,
    )

    assert response.status_code == 400
    assert response.data == {
        "startup_profile": {"non_field_errors": ["Only startups have a startup profile."]}
    }
    organization.refresh_from_db()
    assert organization.short_name == "OLD"  # nothing half-written


def test_put_is_not_allowed(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)

    assert applicant_client.put(detail(organization), enterprise()).status_code == 405


# Scoping: another organisation is a 404, whatever the caller does


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("patch", "", {"legal_name": "Chiếm quyền"}),
        ("get", "members/", None),
        ("patch", "members/{owner}/", {"role": "member"}),
        ("delete", "members/{owner}/", None),
        ("get", "invitations/", None),
        ("post", "invitations/", {"email": "x@example.test"}),
        ("delete", "invitations/{invitation}/", None),
        ("post", "logo/", "logo"),
        ("delete", "logo/", None),
        ("get", "pitch-deck/", None),
        ("post", "pitch-deck/", "pdf"),
    ],
)
def test_other_organisation_is_not_found(client_for, method, suffix, data):
    mine = OrganizationFactory(owner=UserFactory())
    me = member_of(mine, MembershipRole.OWNER)
    owner = UserFactory()
    other = StartupFactory(owner=owner)
    services.startup_pitch_deck_set(actor=owner, organization=other, upload=pdf())
    invitation, _ = services.invitation_create(
        actor=owner, organization=other, email="z@example.test"
    )
    url = detail(other, suffix.format(owner=owner.pk, invitation=invitation.pk))
    kwargs = {}
    if data == "logo":
        kwargs = {"data": {"file": png()}, "format": "multipart"}
    elif data == "pdf":
        kwargs = {"data": {"file": pdf()}, "format": "multipart"}
    elif data:
        kwargs = {"data": data}

    response = getattr(client_for(me), method)(url, **kwargs)

    assert response.status_code == 404
    assert response.data == {"detail": "Không tìm thấy."}
    assert Membership.objects.filter(organization=other, role="owner").count() == 1
    assert Invitation.objects.get().revoked_at is None


# A plain member may read but not manage


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("patch", "", {"legal_name": "Tên mới"}),
        ("get", "invitations/", None),
        ("post", "invitations/", {"email": "x@example.test"}),
        ("delete", "invitations/{invitation}/", None),
        ("patch", "members/{owner}/", {"role": "member"}),
        ("delete", "members/{owner}/", None),
        ("post", "logo/", "logo"),
        ("delete", "logo/", None),
        ("post", "pitch-deck/", "pdf"),
    ],
)
def test_plain_member_is_forbidden_to_manage(client_for, method, suffix, data):
    owner = UserFactory()
    organization = StartupFactory(owner=owner)
    colleague = member_of(organization)
    invitation, _ = services.invitation_create(
        actor=owner, organization=organization, email="z@example.test"
    )
    url = detail(organization, suffix.format(owner=owner.pk, invitation=invitation.pk))
    kwargs = {}
    if data == "logo":
        kwargs = {"data": {"file": png()}, "format": "multipart"}
    elif data == "pdf":
        kwargs = {"data": {"file": pdf()}, "format": "multipart"}
    elif data:
        kwargs = {"data": data}

    response = getattr(client_for(colleague), method)(url, **kwargs, **EN)

    assert response.status_code == 403
    assert response.data == {"detail": ROLE_FORBIDS}


def test_forbidden_message_in_vietnamese_by_default(client_for):
    organization = OrganizationFactory(owner=UserFactory())
    colleague = member_of(organization)

    response = client_for(colleague).patch(detail(organization), {"legal_name": "Tên mới"})

    assert response.status_code == 403
    assert response["Content-Language"] == "vi"


# Members


def test_members_list_shape(client_for):
    owner = UserFactory(full_name="Nguyễn Văn An", email="an@example.test")
    organization = OrganizationFactory(owner=owner)
    colleague = member_of(organization, full_name="Trần Thị Bình", email="binh@example.test")

    response = client_for(colleague).get(detail(organization, "members/"))

    assert response.status_code == 200
    assert response.data["count"] == 2
    rows = [{k: v for k, v in row.items() if k != "joined_at"} for row in response.data["results"]]
    assert rows == [
        {
            "user_id": owner.pk,
            "full_name": "Nguyễn Văn An",
            "email": "an@example.test",
            "role": "owner",
        },
        {
            "user_id": colleague.pk,
            "full_name": "Trần Thị Bình",
            "email": "binh@example.test",
            "role": "member",
        },
    ]
    assert all(row["joined_at"].endswith("+07:00") for row in response.data["results"])


def test_members_list_runs_a_constant_number_of_queries(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)

    def fetch():
        response = applicant_client.get(detail(organization, "members/"), {"page_size": 100})
        assert response.status_code == 200
        return response

    def add(n):
        MembershipFactory.create_batch(n, organization=organization)

    queries, response = assert_constant_queries(fetch, add, few=1, many=20)

    assert response.data["count"] == 21
    assert queries == 5  # token (2), organisation, count, members with their users


def test_owner_changes_a_role(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)
    colleague = member_of(organization)

    response = applicant_client.patch(
        detail(organization, f"members/{colleague.pk}/"), {"role": "admin"}
    )

    assert response.status_code == 200, response.data
    assert (response.data["user_id"], response.data["role"]) == (colleague.pk, "admin")
    assert Membership.objects.get(user=colleague).role == "admin"


def test_admin_cannot_make_an_owner(client_for):
    organization = OrganizationFactory(owner=UserFactory())
    admin = member_of(organization, MembershipRole.ADMIN)
    colleague = member_of(organization)

    response = client_for(admin).patch(
        detail(organization, f"members/{colleague.pk}/"), {"role": "owner"}, **EN
    )

    assert response.status_code == 403
    assert response.data == {"detail": "Only an owner can make or unmake an owner."}


def test_role_change_unknown_role_and_unknown_member(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)
    stranger = UserFactory()

    bad = applicant_client.patch(
        detail(organization, f"members/{applicant.pk}/"), {"role": "king"}, **EN
    )
    missing = applicant_client.patch(
        detail(organization, f"members/{stranger.pk}/"), {"role": "admin"}
    )

    assert (bad.status_code, bad.data) == (400, {"role": ['"king" is not a valid choice.']})
    assert missing.status_code == 404


def test_last_owner_cannot_be_demoted_or_leave(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)
    member_of(organization, MembershipRole.ADMIN)
    me = detail(organization, f"members/{applicant.pk}/")
    message = "An organisation must keep at least one owner: make someone else an owner first."

    demoted = applicant_client.patch(me, {"role": "admin"}, **EN)
    left = applicant_client.delete(me, **EN)

    assert (demoted.status_code, demoted.data) == (409, {"detail": message})
    assert (left.status_code, left.data) == (409, {"detail": message})
    assert Membership.objects.get(user=applicant).role == "owner"


def test_one_of_two_owners_may_leave(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)
    other_owner = member_of(organization, MembershipRole.OWNER)

    response = applicant_client.delete(detail(organization, f"members/{applicant.pk}/"))

    assert response.status_code == 204
    assert list(Membership.objects.values_list("user", "role")) == [(other_owner.pk, "owner")]
    assert applicant_client.get(detail(organization)).status_code == 404


def test_plain_member_may_leave(client_for):
    organization = OrganizationFactory(owner=UserFactory())
    colleague = member_of(organization)

    response = client_for(colleague).delete(detail(organization, f"members/{colleague.pk}/"))

    assert response.status_code == 204
    assert not Membership.objects.filter(user=colleague).exists()
    assert AuditEvent.objects.filter(action="membership.leave").count() == 1


def test_admin_removes_a_member_but_not_an_owner(client_for):
    owner = UserFactory()
    organization = OrganizationFactory(owner=owner)
    admin = member_of(organization, MembershipRole.ADMIN)
    colleague = member_of(organization)
    client = client_for(admin)

    removed = client.delete(detail(organization, f"members/{colleague.pk}/"))
    refused = client.delete(detail(organization, f"members/{owner.pk}/"), **EN)

    assert removed.status_code == 204
    assert (refused.status_code, refused.data) == (
        403,
        {"detail": "Only an owner can remove an owner."},
    )
    assert set(Membership.objects.values_list("user", flat=True)) == {owner.pk, admin.pk}


# Invitations


def invite(client, organization, headers=None, **data):
    return client.post(
        detail(organization, "invitations/"),
        {"email": "dong.nghiep@example.test", **data},
        **(headers or {}),
    )


def token_from(message):
    return re.search(r"/invitations/([\w-]+)/", message.body).group(1)


def test_invitation_life_cycle(
    applicant_client, applicant, client_for, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(owner=applicant)
    colleague = UserFactory(email="dong.nghiep@example.test", preferred_language="en")

    with django_capture_on_commit_callbacks(execute=True):
        created = invite(applicant_client, organization, role="admin")

    assert created.status_code == 201, created.data
    assert created.data["status"] == "pending"
    assert (created.data["email"], created.data["role"], created.data["language"]) == (
        "dong.nghiep@example.test",
        "admin",
        "en",
    )
    assert "token" not in created.data
    [message] = mail.outbox
    assert message.to == ["dong.nghiep@example.test"]
    assert message.subject.startswith("You are invited to join ")
    assert "/en/dashboard/invitations/" in message.body
    token = token_from(message)

    accepted = client_for(colleague).post(ACCEPT, {"token": token})

    assert accepted.status_code == 200, accepted.data
    assert accepted.data["organization"] == {
        "id": organization.pk,
        "name": organization.short_name,
        "kind": "enterprise",
        "verified": False,
    }
    assert accepted.data["role"] == "admin"
    assert Membership.objects.get(user=colleague).role == "admin"

    again = client_for(colleague).post(ACCEPT, {"token": token}, **EN)

    assert (again.status_code, again.data) == (
        409,
        {"detail": "This invitation has already been used."},
    )
    listed = applicant_client.get(detail(organization, "invitations/"))
    assert [row["status"] for row in listed.data["results"]] == ["accepted"]
    assert token not in listed.content.decode()


def test_invitation_email_in_vietnamese_for_a_newcomer(
    applicant_client, applicant, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(owner=applicant, legal_name="Công ty Kinh Bắc")

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(applicant_client, organization, email="moi@example.test")

    assert response.data["language"] == "vi"
    [message] = mail.outbox
    assert "/en/" not in message.body
    assert "/dashboard/invitations/" in message.body
    assert "Công ty Kinh Bắc" in message.body


def test_invitation_language_is_used_for_a_newcomer(
    applicant_client, applicant, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(owner=applicant)

    with django_capture_on_commit_callbacks(execute=True):
        response = invite(applicant_client, organization, email="new@example.test", language="en")

    assert response.data["language"] == "en"
    assert "/en/dashboard/invitations/" in mail.outbox[0].body


def test_invitation_errors_are_field_errors(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)
    member_of(organization, email="already@example.test")
    invite(applicant_client, organization)

    not_an_email = invite(applicant_client, organization, EN, email="nope")
    member = invite(applicant_client, organization, EN, email="already@example.test")
    pending = invite(applicant_client, organization, EN)

    assert (not_an_email.status_code, not_an_email.data) == (
        400,
        {"email": ["Enter a valid email address."]},
    )
    assert (member.status_code, member.data) == (
        400,
        {"email": ["This person is already a member."]},
    )
    assert (pending.status_code, pending.data) == (
        400,
        {"email": ["An invitation to this address is already pending."]},
    )


def test_invitation_expired_is_a_conflict(applicant_client, applicant, client_for):
    organization = OrganizationFactory(owner=applicant)
    invitation, token = services.invitation_create(
        actor=applicant, organization=organization, email="late@example.test"
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    late = UserFactory(email="late@example.test")

    response = client_for(late).post(ACCEPT, {"token": token}, **EN)

    assert (response.status_code, response.data) == (
        409,
        {"detail": "This invitation has expired; ask for a new one."},
    )
    assert not Membership.objects.filter(user=late).exists()
    listed = applicant_client.get(detail(organization, "invitations/"))
    assert [row["status"] for row in listed.data["results"]] == ["expired"]


def test_invitation_for_another_address_is_forbidden(applicant, client_for):
    organization = OrganizationFactory(owner=applicant)
    _, token = services.invitation_create(
        actor=applicant, organization=organization, email="right@example.test"
    )
    wrong = UserFactory(email="wrong@example.test")

    response = client_for(wrong).post(ACCEPT, {"token": token}, **EN)

    assert response.status_code == 403
    assert response.data["detail"].startswith("This invitation was sent to another e-mail")
    assert not Membership.objects.filter(user=wrong).exists()


def test_invitation_unknown_token_is_not_found(applicant_client):
    response = applicant_client.post(ACCEPT, {"token": "made-up"}, **EN)

    assert (response.status_code, response.data) == (
        404,
        {"detail": "This invitation link is not valid."},
    )


def test_invitation_accept_needs_credentials_and_a_token(anon_client, applicant_client):
    assert anon_client.post(ACCEPT, {"token": "x"}).status_code == 401
    response = applicant_client.post(ACCEPT, {}, **EN)
    assert (response.status_code, response.data) == (400, {"token": ["This field is required."]})


def test_invitation_revoke(applicant_client, applicant, client_for):
    organization = OrganizationFactory(owner=applicant)
    invitation, token = services.invitation_create(
        actor=applicant, organization=organization, email="gone@example.test"
    )

    response = applicant_client.delete(detail(organization, f"invitations/{invitation.pk}/"))

    assert response.status_code == 204
    listed = applicant_client.get(detail(organization, "invitations/"))
    assert [row["status"] for row in listed.data["results"]] == ["revoked"]
    refused = client_for(UserFactory(email="gone@example.test")).post(
        ACCEPT, {"token": token}, **EN
    )
    assert (refused.status_code, refused.data) == (
        409,
        {"detail": "This invitation has been withdrawn."},
    )


def test_invitation_revoke_after_acceptance_is_a_conflict(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)
    invitation, token = services.invitation_create(
        actor=applicant, organization=organization, email="in@example.test"
    )
    services.invitation_accept(user=UserFactory(email="in@example.test"), token=token)

    response = applicant_client.delete(detail(organization, f"invitations/{invitation.pk}/"), **EN)

    assert (response.status_code, response.data) == (
        409,
        {"detail": "This invitation has already been accepted."},
    )


def test_invitation_of_another_organisation_cannot_be_revoked(applicant_client, applicant):
    mine = OrganizationFactory(owner=applicant)
    owner = UserFactory()
    other = OrganizationFactory(owner=owner)
    theirs, _ = services.invitation_create(actor=owner, organization=other, email="t@example.test")

    response = applicant_client.delete(detail(mine, f"invitations/{theirs.pk}/"))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_invitations_list_runs_a_constant_number_of_queries(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)
    inviters = [applicant, member_of(organization, MembershipRole.ADMIN)]
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            i = next(counter)
            services.invitation_create(
                actor=inviters[i % 2], organization=organization, email=f"p{i}@example.test"
            )

    def fetch():
        response = applicant_client.get(detail(organization, "invitations/"), {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=20)

    assert response.data["count"] == 20
    assert set(response.data["results"][0]) == {
        "id",
        "email",
        "role",
        "language",
        "status",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    }
    assert queries == 5  # token (2), organisation, count, invitations with their inviters


# Logo


def test_logo_upload_is_reencoded_to_webp_without_exif(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)

    response = applicant_client.post(
        detail(organization, "logo/"), {"file": png(exif=True)}, format="multipart"
    )

    assert response.status_code == 200, response.data
    assert response.data["logo"].startswith("http://testserver/media/logos/")
    assert response.data["logo"].endswith(".webp")
    assert response.data["logo_thumbnail"].endswith(".webp")
    organization.refresh_from_db()
    with organization.logo.open("rb") as handle:
        logo = Image.open(handle)
        logo.load()
    assert (logo.format, logo.size) == ("WEBP", (512, 256))
    assert "exif" not in logo.info
    assert not logo.getexif()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (bomb, "The image has too many pixels (at most 24 million)."),
        (
            lambda: SimpleUploadedFile("logo.png", b"%PDF-1.7\n" + b"x" * 500, "image/png"),
            "Upload a PNG, JPEG or WebP image (the file's content is not one).",
        ),
        (
            lambda: SimpleUploadedFile("logo.png", b"\x89PNG" + b"\0" * (2 * 1024 * 1024)),
            "The file is too large (2.0\xa0MB); the limit is 2.0\xa0MB.",
        ),
    ],
    ids=["decompression-bomb", "not-an-image", "oversized"],
)
def test_logo_bad_file_is_refused_and_nothing_stored(
    applicant_client, applicant, settings, upload, message
):
    organization = OrganizationFactory(owner=applicant)
    before = Organization.objects.values().get(pk=organization.pk)

    response = applicant_client.post(
        detail(organization, "logo/"), {"file": upload()}, format="multipart", **EN
    )

    assert response.status_code == 400
    assert response.data == {"logo": [message]}
    assert stored_files(settings.MEDIA_ROOT) == []
    assert Organization.objects.values().get(pk=organization.pk) == before
    assert not AuditEvent.objects.filter(action="organization.logo").exists()


def test_logo_upload_without_a_file(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)

    response = applicant_client.post(detail(organization, "logo/"), {}, format="multipart", **EN)

    assert (response.status_code, response.data) == (
        400,
        {"file": ["No file was submitted."]},
    )


def test_logo_upload_as_json_is_unsupported(applicant_client, applicant):
    organization = OrganizationFactory(owner=applicant)

    response = applicant_client.post(detail(organization, "logo/"), {"file": "x"})

    assert response.status_code == 415


def test_logo_removal_deletes_the_files(
    applicant_client, applicant, settings, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(owner=applicant)
    applicant_client.post(detail(organization, "logo/"), {"file": png()}, format="multipart")
    assert len(stored_files(settings.MEDIA_ROOT)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_client.delete(detail(organization, "logo/"))

    assert response.status_code == 200
    assert (response.data["logo"], response.data["logo_thumbnail"]) == (None, None)
    assert stored_files(settings.MEDIA_ROOT) == []


# Pitch deck


def test_pitch_deck_upload_and_download_by_a_member(
    applicant_client, applicant, client_for, settings
):
    organization = StartupFactory(owner=applicant)

    uploaded = applicant_client.post(
        detail(organization, "pitch-deck/"), {"file": pdf()}, format="multipart"
    )

    assert uploaded.status_code == 200, uploaded.data
    assert uploaded.data["startup_profile"]["has_pitch_deck"] is True
    assert uploaded.data["startup_profile"]["pitch_deck_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert [p.suffix for p in stored_files(settings.PRIVATE_MEDIA_ROOT)] == [".pdf"]
    assert stored_files(settings.MEDIA_ROOT) == []

    response = client_for(member_of(organization)).get(detail(organization, "pitch-deck/"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="pitch-deck-{organization.pk}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_pitch_deck_png_renamed_pdf_is_refused(applicant_client, applicant, settings):
    organization = StartupFactory(owner=applicant)

    response = applicant_client.post(
        detail(organization, "pitch-deck/"),
        {"file": png(name="deck.pdf")},
        format="multipart",
        **EN,
    )

    assert (response.status_code, response.data) == (
        400,
        {"pitch_deck": ["The file is not a PDF document (whatever its name says)."]},
    )
    assert stored_files(settings.PRIVATE_MEDIA_ROOT) == []
    assert StartupProfile.objects.get().pitch_deck_sha256 == ""


def test_pitch_deck_download_by_others(
    applicant, client_for, anon_client, manager_client, juror_client
):
    organization = StartupFactory(owner=applicant)
    services.startup_pitch_deck_set(actor=applicant, organization=organization, upload=pdf())
    outsider = OrganizationFactory(owner=UserFactory()).members.get()
    url = detail(organization, "pitch-deck/")

    assert client_for(outsider).get(url).status_code == 404
    assert juror_client.get(url).status_code == 404
    assert anon_client.get(url).status_code == 401
    # Programme managers check eligibility: they read it.
    staff = manager_client.get(url)
    assert staff.status_code == 200
    assert b"".join(staff.streaming_content) == PDF


def test_pitch_deck_missing_is_not_found(applicant_client, applicant):
    startup = StartupFactory(owner=applicant)
    firm = OrganizationFactory(owner=applicant)

    assert applicant_client.get(detail(startup, "pitch-deck/")).status_code == 404
    assert applicant_client.get(detail(firm, "pitch-deck/")).status_code == 404


# The signed-in user


def test_me_describes_the_user_memberships_and_roles(client_for):
    user = UserFactory(
        email="an@example.test", full_name="Nguyễn Văn An", preferred_language="en", role=Role.JUROR
    )
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    firm = OrganizationFactory(legal_name="B Công ty", short_name="", verified=True)
    MembershipFactory(organization=firm, user=user, role=MembershipRole.ADMIN)
    startup = StartupFactory(owner=user, legal_name="A Công ty", short_name="ACT")

    response = client_for(user).get(ME)

    assert response.status_code == 200
    assert response.data == {
        "id": user.pk,
        "email": "an@example.test",
        "full_name": "Nguyễn Văn An",
        "preferred_language": "en",
        "email_verified": True,
        "memberships": [
            {
                "organization": {
                    "id": startup.pk,
                    "name": "ACT",
                    "kind": "startup",
                    "verified": False,
                },
                "role": "owner",
            },
            {
                "organization": {
                    "id": firm.pk,
                    "name": "B Công ty",
                    "kind": "enterprise",
                    "verified": True,
                },
                "role": "admin",
            },
        ],
        "roles": [{"id": "jurors", "name": "Giám khảo"}],
    }


def test_me_role_names_follow_the_request_language(juror_client):
    response = juror_client.get(ME, **EN)

    assert response.data["roles"] == [{"id": "jurors", "name": "Jurors"}]
    assert (response.data["email_verified"], response.data["memberships"]) == (False, [])


def test_me_runs_a_constant_number_of_queries(applicant_client, applicant):
    def add(n):
        for _ in range(n):
            OrganizationFactory(owner=applicant)

    def fetch():
        response = applicant_client.get(ME)
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=10)

    assert len(response.data["memberships"]) == 10
    assert queries == 5  # token (2), memberships, groups, verified address


def test_old_me_path_is_gone(applicant_client):
    assert applicant_client.get("/api/v1/auth/me/").status_code == 404


# Concurrency (PostgreSQL)


def _in_parallel(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("move", ["demote", "leave"])
def test_two_owners_stepping_down_at_once_leave_an_owner(client_for, move):
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite serialises writes")
    first, second = UserFactory(), UserFactory()
    organization = OrganizationFactory(owner=first)
    MembershipFactory(organization=organization, user=second, role=MembershipRole.OWNER)
    clients = [client_for(first), client_for(second)]

    def step_down(client, target):
        url = detail(organization, f"members/{target.pk}/")
        if move == "demote":
            return client.patch(url, {"role": "admin"}).status_code
        return client.delete(url).status_code

    if move == "demote":  # each demotes the other
        statuses = _in_parallel(
            lambda: step_down(clients[0], second), lambda: step_down(clients[1], first)
        )
    else:  # each leaves
        statuses = _in_parallel(
            lambda: step_down(clients[0], first), lambda: step_down(clients[1], second)
        )

    owners = Membership.objects.filter(organization=organization, role="owner")
    assert owners.count() == 1
    ok = 200 if move == "demote" else 204
    # The loser sees the winner's change: no longer an owner (403), or the last one (409).
    assert sorted(statuses) == ([ok, 403] if move == "demote" else [ok, 409])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_firms_registering_one_tax_code_at_once_get_one_organisation(client_for):
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite serialises writes")
    clients = [client_for(UserFactory()), client_for(UserFactory())]
    data = {
        "kind": "enterprise",
        "legal_name": "Công ty Cổ phần Kinh Bắc",
        "tax_code": "0100233488",
        "sector": "software",
    }

    responses = _in_parallel(*(lambda c=c: c.post(ORGS, data) for c in clients))

    assert sorted(r.status_code for r in responses) == [201, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert list(refused.data) == ["tax_code"]
    assert Organization.objects.filter(tax_code="0100233488").count() == 1
    assert Membership.objects.count() == 1
