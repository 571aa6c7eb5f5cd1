"""An application's documents through the API: multipart upload, private download."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from fund import services
from fund.enums import ApplicationStatus
from fund.models import FundApplication, FundDocument
from tests.challenges.test_proposals_api import pdf
from tests.fund.api.conftest import application_url
from tests.fund.test_documents import EXE
from tests.portal.test_files import xlsx

pytestmark = pytest.mark.django_db


def stored_files() -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def attach(client, application, name="Kế hoạch kinh doanh.pdf", data=None, kind="business_plan"):
    return client.post(
        application_url(application, "documents/"),
        {
            "file": SimpleUploadedFile(name, pdf() if data is None else data),
            "kind": kind,
        },
        format="multipart",
    )


def test_a_member_uploads_a_document_to_a_draft(member_client, application_in):
    application = application_in()
    data = xlsx()

    response = attach(
        member_client, application, name="Dự toán.xlsx", data=data, kind="budget_detail"
    )

    assert response.status_code == 201, response.data
    document = FundDocument.objects.get()
    assert response.data == {
        "id": document.pk,
        "kind": "budget_detail",
        "display_name": "Dự toán.xlsx",
        "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "size": len(data),
        "sha256": document.sha256,
        "uploaded_at": response.data["uploaded_at"],
        "url": f"http://testserver/api/v1/fund/applications/{application.pk}/documents/{document.pk}/file/",
    }
    listed = member_client.get(application_url(application)).data["documents"]
    assert [row["id"] for row in listed] == [document.pk]


def test_a_renamed_program_is_refused_storing_nothing(member_client, application_in):
    application = application_in()

    response = attach(member_client, application, name="bao-cao-tai-chinh.pdf", data=EXE)

    assert response.status_code == 400
    assert response.data == {
        "file": [
            "Upload a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), PNG or JPEG file "
            "(the file's content is not one)."
        ]
    }
    assert not FundDocument.objects.exists()
    assert stored_files() == []


def test_an_unknown_kind_or_no_file_is_a_400(member_client, application_in):
    application = application_in()

    wrong_kind = attach(member_client, application, kind="selfie")
    no_file = member_client.post(
        application_url(application, "documents/"), {"kind": "other"}, format="multipart"
    )
    as_json = member_client.post(
        application_url(application, "documents/"), {"kind": "other", "file": "x"}
    )

    assert (wrong_kind.status_code, set(wrong_kind.data)) == (400, {"kind"})
    assert (no_file.status_code, set(no_file.data)) == (400, {"file"})
    assert as_json.status_code == 415
    assert stored_files() == []


def test_the_count_limit_is_a_400(member_client, application_in, monkeypatch):
    monkeypatch.setattr(services, "DOCUMENTS_MAX_COUNT", 1)
    application = application_in()
    assert attach(member_client, application).status_code == 201

    response = attach(member_client, application)

    assert response.status_code == 400
    assert response.data == {"file": ["An application takes at most 1 files; delete one first."]}
    assert len(stored_files()) == 1


def test_documents_only_while_draft(member_client, application_in):
    application = application_in()
    document_id = attach(member_client, application).data["id"]
    FundApplication.objects.filter(pk=application.pk).update(
        status=ApplicationStatus.SUBMITTED, submitted_at=application.created_at
    )

    added = attach(member_client, application)
    deleted = member_client.delete(application_url(application, f"documents/{document_id}/"))

    message = {"detail": "Documents can be added or removed only while the application is a draft."}
    assert (added.status_code, added.data) == (409, message)
    assert (deleted.status_code, deleted.data) == (409, message)
    assert FundDocument.objects.count() == 1


def test_a_member_deletes_a_document(
    member_client, application_in, django_capture_on_commit_callbacks
):
    application = application_in()
    document_id = attach(member_client, application).data["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.delete(application_url(application, f"documents/{document_id}/"))

    assert response.status_code == 204
    assert not FundDocument.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("who", ["officer_client", "auditor_client"])
def test_staff_who_read_the_application_cannot_change_its_documents(
    request, who, member, member_client, application_in
):
    application = application_in()
    document_id = attach(member_client, application).data["id"]
    services.application_submit(application, actor=member)
    client = request.getfixturevalue(who)

    assert attach(client, application).status_code == 403
    assert (
        client.delete(application_url(application, f"documents/{document_id}/")).status_code == 403
    )
    assert FundDocument.objects.count() == 1


def test_download_for_members_and_staff_only(
    member,
    member_client,
    officer_client,
    auditor_client,
    outsider_client,
    anon_client,
    application_in,
):
    application = application_in()
    data = pdf()
    file_url = attach(member_client, application, data=data).data["url"]

    response = member_client.get(file_url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "K%E1%BA%BF%20ho%E1%BA%A1ch" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    # Staff read it once it is sent; a draft is the applicants' business.
    assert officer_client.get(file_url).status_code == 404
    services.application_submit(application, actor=member)
    assert officer_client.get(file_url).status_code == 200
    assert auditor_client.get(file_url).status_code == 200
    assert outsider_client.get(file_url).status_code == 404
    assert anon_client.get(file_url).status_code == 401


def test_another_organisations_documents_are_404(
    member_client, outsider, outsider_client, application_in
):
    mine = application_in()
    document_id = attach(member_client, mine).data["id"]
    theirs = application_in(organization=outsider.memberships.get().organization)

    assert attach(outsider_client, mine).status_code == 404
    assert (
        outsider_client.delete(application_url(mine, f"documents/{document_id}/")).status_code
        == 404
    )
    # Nor through one's own application's URL.
    own_url = application_url(theirs, f"documents/{document_id}/")
    assert outsider_client.get(own_url + "file/").status_code == 404
    assert outsider_client.delete(own_url).status_code == 404
    assert FundDocument.objects.count() == 1
