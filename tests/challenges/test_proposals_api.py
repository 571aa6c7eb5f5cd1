import io
import zipfile
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from challenges import services
from challenges.models import Attachment, Challenge, Proposal, Track
from startups.enums import MembershipRole
from tests.challenges.test_proposal_services import verified
from tests.factories import ChallengeFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.challenges import ProposalFactory
from tests.helpers import assert_constant_queries
from tests.portal.test_files import DOCX_MAIN, content_types, docx, picture, xlsx

pytestmark = pytest.mark.django_db

PROPOSALS = "/api/v1/proposals/"


def pdf() -> bytes:
    """A real PDF, written by Pillow."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (11, 83, 148)).save(buffer, format="PDF")
    return buffer.getvalue()


def zip_bomb() -> bytes:
    # 20 MB of zeros deflate to a few kB: refused from the directory, never unpacked.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types([("/word/document.xml", DOCX_MAIN)]))
        archive.writestr("word/document.xml", bytes(20 * 1024 * 1024))
    return buffer.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def stored_files() -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def url(proposal, suffix=""):
    return f"{PROPOSALS}{proposal.pk}/{suffix}"


@pytest.fixture
def member():
    return verified(UserFactory(email="thanh.vien@example.test", preferred_language="vi"))


@pytest.fixture
def member_client(client_for, member):
    return client_for(member)


@pytest.fixture
def draft(member):
    proposal = ProposalFactory(author=member)
    MembershipFactory(organization=proposal.organization, user=member, role=MembershipRole.MEMBER)
    return proposal


@pytest.fixture
def outsider_client(client_for):
    outsider = verified(UserFactory())
    OrganizationFactory(owner=outsider)
    return client_for(outsider)


def attach(client, proposal, name="Đề xuất.pdf", data=None, kind="technical", **extra):
    return client.post(
        url(proposal, "attachments/"),
        {"file": upload(name, pdf() if data is None else data), "kind": kind},
        format="multipart",
        **extra,
    )


# Drafts


def test_create_draft_returns_201_with_the_proposal(member_client, member):
    organization = OrganizationFactory(owner=member)
    challenge = ChallengeFactory(code="P1-2026")
    Track.objects.create(challenge=challenge, code="iot", name="IoT")

    response = member_client.post(
        PROPOSALS,
        {
            "challenge": "P1-2026",
            "organization": organization.pk,
            "title": " Cảm biến ",
            "summary": "Tóm tắt",
            "description": "## Mô tả",
            "budget_vnd": 900_000_000,
            "duration_months": 9,
            "team": "Nhóm A",
            "track": "iot",
        },
    )

    assert response.status_code == 201, response.data
    proposal = Proposal.objects.get()
    assert response.data["id"] == proposal.pk
    assert set(response.data) == {
        "id",
        "challenge",
        "track",
        "organization",
        "author",
        "title",
        "summary",
        "description",
        "description_html",
        "budget_vnd",
        "duration_months",
        "team",
        "status",
        "reference",
        "submitted_at",
        "content_sha256",
        "attachments",
        "created_at",
        "updated_at",
    }
    assert response.data["description_html"] == "<h2>Mô tả</h2>\n"
    assert (response.data["challenge"], response.data["track"]) == ("P1-2026", "iot")
    assert (response.data["organization"], response.data["author"]) == (organization.pk, member.pk)
    assert (response.data["title"], response.data["status"]) == ("Cảm biến", "draft")
    assert response.data["reference"] is None
    assert response.data["attachments"] == []
    assert response.data["created_at"].endswith("+07:00")


def test_create_for_an_organisation_one_is_not_in_is_a_400_on_organization(member_client):
    ChallengeFactory(code="P1-2026")
    response = member_client.post(
        PROPOSALS,
        {"challenge": "P1-2026", "organization": OrganizationFactory().pk, "title": "X"},
    )

    assert response.status_code == 400
    assert set(response.data) == {"organization"}
    assert not Proposal.objects.exists()


def test_create_for_an_unknown_or_unpublished_challenge_is_a_400(member_client, member):
    organization = OrganizationFactory(owner=member)
    ChallengeFactory(code="HIDDEN-1", is_published=False)

    for code in ("NOPE-1", "HIDDEN-1"):
        response = member_client.post(
            PROPOSALS, {"challenge": code, "organization": organization.pk, "title": "X"}
        )
        assert response.status_code == 400
        assert set(response.data) == {"challenge"}


def test_create_with_another_challenges_track_is_a_400_on_track(member_client, member):
    organization = OrganizationFactory(owner=member)
    ChallengeFactory(code="P1-2026")
    Track.objects.create(challenge=ChallengeFactory(), code="iot", name="IoT")

    response = member_client.post(
        PROPOSALS,
        {"challenge": "P1-2026", "organization": organization.pk, "title": "X", "track": "iot"},
    )

    assert response.status_code == 400
    assert set(response.data) == {"track"}


def test_anonymous_calls_are_401(anon_client, draft):
    assert anon_client.get(PROPOSALS).status_code == 401
    assert anon_client.get(url(draft)).status_code == 401


def test_list_holds_my_organisations_proposals_only(member_client, draft):
    ProposalFactory()  # another organisation's

    response = member_client.get(PROPOSALS)

    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [draft.pk]
    assert response.data["count"] == 1
    # Rows carry the Markdown; its rendering is the detail's (it would slow the list).
    row = response.data["results"][0]
    assert row["description"] == draft.description
    assert "description_html" not in row


def test_list_filters_and_ordering(member_client, member, draft):
    other = ProposalFactory(
        author=member, organization=draft.organization, challenge=draft.challenge, title="Aa"
    )
    track = Track.objects.create(challenge=draft.challenge, code="iot", name="IoT")
    Proposal.objects.filter(pk=other.pk).update(track=track)
    elsewhere = ProposalFactory(author=member, title="Zz")
    MembershipFactory(organization=elsewhere.organization, user=member)

    def ids(**params):
        response = member_client.get(PROPOSALS, params)
        assert response.status_code == 200, response.data
        return [row["id"] for row in response.data["results"]]

    assert set(ids(challenge=draft.challenge.code.lower())) == {draft.pk, other.pk}
    assert ids(track="iot") == [other.pk]
    assert ids(organization=elsewhere.organization_id) == [elsewhere.pk]
    assert ids(status="submitted") == []
    assert ids(ordering="title")[0] == other.pk
    assert ids(ordering="-title")[0] == elsewhere.pk
    assert len(ids(status="draft")) == 3
    response = member_client.get(PROPOSALS, {"status": "lost"})
    assert response.status_code == 400


def test_list_filters_by_submission_time(member_client, member, draft):
    services.proposal_submit(actor=member, proposal=draft)
    draft.refresh_from_db()
    moment = draft.submitted_at

    def ids(**params):
        return [row["id"] for row in member_client.get(PROPOSALS, params).data["results"]]

    before = (moment - timedelta(minutes=1)).isoformat()
    after = (moment + timedelta(minutes=1)).isoformat()
    assert ids(submitted_after=before) == [draft.pk]
    assert ids(submitted_after=after) == []
    assert ids(submitted_before=after) == [draft.pk]
    assert ids(submitted_before=before) == []


def test_retrieve_and_another_organisations_proposal_is_404(member_client, draft):
    assert member_client.get(url(draft)).data["title"] == draft.title
    other = ProposalFactory()
    assert member_client.get(url(other)).status_code == 404
    assert member_client.patch(url(other), {"title": "X"}).status_code == 404
    assert member_client.delete(url(other)).status_code == 404
    assert member_client.post(url(other, "submit/")).status_code == 404


def test_patch_changes_a_draft(member_client, draft):
    response = member_client.patch(url(draft), {"title": "Tên mới", "budget_vnd": 700_000_000})

    assert response.status_code == 200, response.data
    assert (response.data["title"], response.data["budget_vnd"]) == ("Tên mới", 700_000_000)
    draft.refresh_from_db()
    assert draft.title == "Tên mới"


def test_patch_with_invalid_fields_is_a_400(member_client, draft):
    response = member_client.patch(url(draft), {"budget_vnd": 0, "duration_months": "x"})

    assert response.status_code == 400
    assert set(response.data) == {"budget_vnd", "duration_months"}


def test_patch_and_delete_after_submit_are_409(member_client, member, draft):
    services.proposal_submit(actor=member, proposal=draft)

    assert member_client.patch(url(draft), {"title": "X"}).status_code == 409
    assert member_client.delete(url(draft)).status_code == 409
    assert Proposal.objects.filter(pk=draft.pk).exists()


def test_delete_removes_a_draft_and_its_files(
    member_client, draft, django_capture_on_commit_callbacks
):
    assert attach(member_client, draft).status_code == 201
    assert len(stored_files()) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.delete(url(draft))

    assert response.status_code == 204
    assert not Proposal.objects.filter(pk=draft.pk).exists()
    assert stored_files() == []


# Attachments


@pytest.mark.parametrize(
    ("name", "make", "content_type", "extension"),
    [
        ("Thuyết minh.pdf", pdf, "application/pdf", "pdf"),
        (
            "Dự toán.xlsx",
            xlsx,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    ],
)
def test_attachment_upload_is_accepted(member_client, draft, name, make, content_type, extension):
    data = make()

    response = attach(member_client, draft, name=name, data=data, kind="budget")

    assert response.status_code == 201, response.data
    attachment = Attachment.objects.get()
    assert response.data == {
        "id": attachment.pk,
        "kind": "budget",
        "display_name": name,
        "content_type": content_type,
        "size": len(data),
        "sha256": attachment.sha256,
        "uploaded_at": response.data["uploaded_at"],
        "url": f"http://testserver{PROPOSALS}{draft.pk}/attachments/{attachment.pk}/file/",
    }
    assert attachment.file.name.startswith("attachments/")
    assert attachment.file.name.endswith(f".{extension}")
    assert name not in attachment.file.name
    assert len(stored_files()) == 1
    assert member_client.get(url(draft)).data["attachments"][0]["id"] == attachment.pk


def test_png_named_docx_is_stored_as_png(member_client, draft):
    response = attach(member_client, draft, name="sơ đồ.docx", data=picture("PNG"))

    assert response.status_code == 201, response.data
    assert response.data["content_type"] == "image/png"
    assert response.data["display_name"] == "sơ đồ.docx.png"
    assert Attachment.objects.get().file.name.endswith(".png")


def test_path_characters_in_the_name_are_sanitised(member_client, draft):
    response = attach(member_client, draft, name="..\\..\\etc\\pa:ss*wd<1>.pdf")

    assert response.status_code == 201, response.data
    name = response.data["display_name"]
    assert name.endswith(".pdf")
    assert not set(name) & set('/\\:*?"<>|')
    assert ".." not in name


def _refused(client, proposal, name, data):
    response = attach(client, proposal, name=name, data=data)
    assert response.status_code == 400, response.data
    assert set(response.data) == {"file"}
    assert not Attachment.objects.exists()
    assert stored_files() == []
    return response.data["file"]


def test_oversized_file_is_refused_and_nothing_stored(member_client, draft, monkeypatch):
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 100)

    messages = _refused(member_client, draft, "big.pdf", pdf())

    assert "too large" in messages[0] or "quá lớn" in messages[0]


def test_empty_file_is_refused(member_client, draft):
    # DRF's FileField refuses an empty upload itself, before the service sees it.
    _refused(member_client, draft, "empty.pdf", b"")


def test_zip_bomb_dressed_as_docx_is_refused(member_client, draft):
    _refused(member_client, draft, "report.docx", zip_bomb())


def test_unknown_kind_is_a_400(member_client, draft):
    response = attach(member_client, draft, kind="selfie")

    assert response.status_code == 400
    assert set(response.data) == {"kind"}
    assert stored_files() == []


def test_per_proposal_file_count_is_limited(member_client, draft, monkeypatch):
    monkeypatch.setattr(services, "ATTACHMENTS_MAX_COUNT", 2)
    assert attach(member_client, draft).status_code == 201
    assert attach(member_client, draft, data=docx(), name="a.docx").status_code == 201

    response = attach(member_client, draft, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.data == {"file": ["A proposal takes at most 2 files; delete one first."]}
    assert Attachment.objects.count() == 2
    assert len(stored_files()) == 2


def test_per_proposal_total_size_is_limited(member_client, draft, monkeypatch):
    data = pdf()
    monkeypatch.setattr(services, "ATTACHMENTS_MAX_TOTAL_BYTES", len(data) * 2 - 1)
    assert attach(member_client, draft, data=data).status_code == 201

    response = attach(member_client, draft, data=data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert set(response.data) == {"file"}
    assert "at most" in response.data["file"][0]
    assert Attachment.objects.count() == 1
    assert len(stored_files()) == 1


def test_attachment_download_by_members_only(member_client, outsider_client, anon_client, draft):
    data = pdf()
    attachment_url = attach(member_client, draft, name="Thuyết minh.pdf", data=data).data["url"]

    response = member_client.get(attachment_url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Thuy%E1%BA%BFt%20minh.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert outsider_client.get(attachment_url).status_code == 404
    assert anon_client.get(attachment_url).status_code == 401


def test_another_organisations_attachment_is_404(member_client, member, draft):
    other = ProposalFactory()
    owner = UserFactory()
    MembershipFactory(organization=other.organization, user=owner)
    attachment = services.attachment_add(
        actor=owner, proposal=other, upload=upload("x.pdf", pdf()), kind="other"
    )

    file_url = f"{PROPOSALS}{other.pk}/attachments/{attachment.pk}/file/"
    assert member_client.get(file_url).status_code == 404
    # Nor through one's own proposal's URL.
    assert member_client.get(url(draft, f"attachments/{attachment.pk}/file/")).status_code == 404
    assert member_client.delete(url(draft, f"attachments/{attachment.pk}/")).status_code == 404
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_attachment_delete_while_draft(member_client, draft, django_capture_on_commit_callbacks):
    attachment_id = attach(member_client, draft).data["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.delete(url(draft, f"attachments/{attachment_id}/"))

    assert response.status_code == 204
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_attachments_are_refused_after_submit(member_client, member, draft):
    attachment_id = attach(member_client, draft).data["id"]
    services.proposal_submit(actor=member, proposal=draft)

    assert attach(member_client, draft).status_code == 409
    assert member_client.delete(url(draft, f"attachments/{attachment_id}/")).status_code == 409
    assert Attachment.objects.count() == 1
    assert len(stored_files()) == 1


# Submission and withdrawal


def test_submit_returns_the_receipt_and_emails_it(
    member_client, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(url(draft, "submit/"))

    assert response.status_code == 200, response.data
    draft.refresh_from_db()
    assert response.data == {
        "id": draft.pk,
        "status": "submitted",
        "reference": f"{draft.challenge.code}-0001",
        "submitted_at": response.data["submitted_at"],
        "content_sha256": draft.content_sha256,
    }
    assert response.data["submitted_at"].endswith("+07:00")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["thanh.vien@example.test"]

    again = member_client.post(url(draft, "submit/"))

    assert again.status_code == 200
    assert again.data == response.data


def test_submit_after_the_deadline_is_409(member_client, draft):
    now = timezone.now()
    Challenge.objects.filter(pk=draft.challenge_id).update(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(minutes=1)
    )

    response = member_client.post(url(draft, "submit/"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert response.data["detail"].startswith("The deadline has passed: this call closed at ")
    assert Proposal.objects.get(pk=draft.pk).status == "draft"


def test_submit_with_an_unverified_email_is_403(client_for, draft):
    unverified = UserFactory()
    MembershipFactory(organization=draft.organization, user=unverified)

    response = client_for(unverified).post(url(draft, "submit/"))

    assert response.status_code == 403


def test_submit_of_an_incomplete_draft_is_a_400(member_client, draft):
    Proposal.objects.filter(pk=draft.pk).update(summary="")

    response = member_client.post(url(draft, "submit/"))

    assert response.status_code == 400
    assert set(response.data) == {"summary"}


def test_withdraw_a_submitted_proposal(member_client, member, draft):
    services.proposal_submit(actor=member, proposal=draft)

    response = member_client.post(url(draft, "withdraw/"), {"note": "Nộp nhầm"})

    assert response.status_code == 200, response.data
    assert response.data["status"] == "withdrawn"
    assert member_client.post(url(draft, "withdraw/"), {}).status_code == 200


def test_withdraw_a_draft_is_409(member_client, draft):
    assert member_client.post(url(draft, "withdraw/"), {}).status_code == 409


# Query counts


def test_list_runs_a_constant_number_of_queries(member_client, member, draft):
    owner = UserFactory()
    MembershipFactory(organization=draft.organization, user=owner)

    def add(n):
        for _ in range(n):
            proposal = ProposalFactory(
                author=member, organization=draft.organization, challenge=draft.challenge
            )
            Attachment.objects.create(
                proposal=proposal,
                kind="other",
                file="attachments/x.pdf",
                display_name="x.pdf",
                content_type="application/pdf",
                size=10,
                sha256="0" * 64,
                uploaded_by=owner,
            )

    def fetch():
        response = member_client.get(PROPOSALS, {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=30)

    assert response.data["count"] == 31
    # The token and its user, knox's purge of expired tokens, the count, the proposals
    # with their challenge, track and organisation, their attachments.
    assert queries == 5


def test_list_exact_query_count(member_client, member, draft, django_assert_num_queries):
    for _ in range(4):
        ProposalFactory(author=member, organization=draft.organization)

    with django_assert_num_queries(5):
        response = member_client.get(PROPOSALS)

    assert len(response.data["results"]) == 5


def test_list_rows_match_the_declared_serializer_fields(member_client, member, draft):
    # The list writes its rows by hand for speed: they must be what DRF's declared fields
    # (the documented schema) give, with and without a track, files and a receipt.
    from rest_framework.serializers import ModelSerializer

    from challenges.api.serializers import ProposalListSerializer
    from challenges.selectors import proposals_for_user

    track = Track.objects.create(challenge=draft.challenge, code="iot", name="IoT")
    sent = ProposalFactory(challenge=draft.challenge, organization=draft.organization, track=track)
    attach(member_client, sent)
    attach(member_client, sent, name="Bảng tính.xlsx", data=xlsx(), kind="budget")
    services.proposal_submit(actor=member, proposal=sent)
    response = member_client.get(PROPOSALS)
    request = response.wsgi_request

    serializer = ProposalListSerializer(context={"request": request})
    rows = list(proposals_for_user(user=member))
    assert len(rows) == 2
    for proposal in rows:
        generic = ModelSerializer.to_representation(serializer, proposal)
        assert serializer.to_representation(proposal) == generic
        assert list(serializer.to_representation(proposal)) == list(generic)
    by_id = {row["id"]: row for row in response.data["results"]}
    assert len(by_id[sent.pk]["attachments"]) == 2
    assert by_id[sent.pk]["attachments"][0]["url"].startswith("http://testserver/api/v1/")
