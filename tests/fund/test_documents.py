"""Documents of a fund application: the same file rules as proposal attachments."""

import threading

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from fund import services
from fund.enums import ApplicationStatus
from fund.models import FundDocument
from portal.errors import Conflict
from portal.models import AuditEvent
from tests.challenges.test_proposals_api import pdf
from tests.factories import UserFactory
from tests.factories.fund import FundApplicationFactory
from tests.portal.test_files import docx, picture

pytestmark = pytest.mark.django_db

S = ApplicationStatus

# The start of a Windows program: what a renamed .exe carries whatever its name.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(512)


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored_files() -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def add(member, application, name="Kế hoạch kinh doanh.pdf", data=None, kind="business_plan"):
    return services.document_add(
        actor=member,
        application=application,
        upload=upload(name, pdf() if data is None else data),
        kind=kind,
    )


def test_a_member_adds_a_document_to_a_draft(member, application_in):
    application = application_in()
    data = pdf()

    document = add(member, application, data=data)

    assert document.application == application
    assert (document.kind, document.display_name) == ("business_plan", "Kế hoạch kinh doanh.pdf")
    assert (document.content_type, document.size) == ("application/pdf", len(data))
    assert document.file.name.startswith("fund/documents/")
    assert document.file.name.endswith(".pdf")
    assert "Kế hoạch" not in document.file.name
    assert len(document.sha256) == 64
    assert document.uploaded_by == member
    assert [path.read_bytes() for path in stored_files()] == [data]
    event = AuditEvent.objects.get(action="fund_document.add")
    assert event.data == {
        "application": application.pk,
        "document": document.pk,
        "kind": "business_plan",
        "size": len(data),
        "sha256": document.sha256,
    }


def test_the_content_decides_the_type_not_the_name(member, application_in):
    application = application_in()

    document = add(member, application, name="sơ đồ.pdf", data=picture("PNG"))

    assert document.content_type == "image/png"
    assert document.display_name == "sơ đồ.pdf.png"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("bao-cao-tai-chinh.pdf", EXE),
        ("ke-hoach.docx", EXE),
        ("ngan-sach.xlsx", b"ten,amount\nA,1\n"),
        ("empty.pdf", b""),
    ],
)
def test_a_renamed_program_or_other_content_is_refused_storing_nothing(
    member, application_in, name, data
):
    application = application_in()

    with pytest.raises(ValidationError) as error:
        add(member, application, name=name, data=data)

    assert set(error.value.message_dict) == {"file"}
    assert not FundDocument.objects.exists()
    assert stored_files() == []
    assert not AuditEvent.objects.filter(action="fund_document.add").exists()


def test_an_unknown_kind_is_refused(member, application_in):
    with pytest.raises(ValidationError) as error:
        add(member, application_in(), kind="selfie")

    assert error.value.message_dict == {"kind": ["Choose among the kinds of document."]}
    assert stored_files() == []


def test_size_count_and_total_are_limited(member, application_in, monkeypatch):
    application = application_in()
    data = pdf()
    monkeypatch.setattr(services, "DOCUMENT_MAX_BYTES", len(data) - 1)
    with pytest.raises(ValidationError) as too_large:
        add(member, application, data=data)
    assert "too large" in too_large.value.message_dict["file"][0]

    monkeypatch.setattr(services, "DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
    monkeypatch.setattr(services, "DOCUMENTS_MAX_COUNT", 2)
    add(member, application)
    add(member, application, name="a.docx", data=docx(), kind="other")
    with pytest.raises(ValidationError) as too_many:
        add(member, application)
    assert too_many.value.message_dict == {
        "file": ["An application takes at most 2 files; delete one first."]
    }

    monkeypatch.setattr(services, "DOCUMENTS_MAX_COUNT", 20)
    held = sum(document.size for document in FundDocument.objects.all())
    monkeypatch.setattr(services, "DOCUMENTS_MAX_TOTAL_BYTES", held + len(data) - 1)
    with pytest.raises(ValidationError) as too_big:
        add(member, application, data=data)
    assert too_big.value.message_dict["file"][0].startswith(
        "An application's files may take at most "
    )
    assert FundDocument.objects.count() == 2
    assert len(stored_files()) == 2


@pytest.mark.parametrize("status", [S.SUBMITTED, S.SCREENING, S.APPROVED, S.WITHDRAWN])
def test_only_a_draft_takes_or_loses_documents(member, application_in, status):
    application = application_in()
    document = add(member, application)
    application.status = status
    application.submitted_at = application.created_at
    application.save()

    with pytest.raises(Conflict):
        add(member, application)
    with pytest.raises(Conflict):
        services.document_delete(actor=member, document=document)

    assert FundDocument.objects.count() == 1
    assert len(stored_files()) == 1


def test_only_members_of_the_organisation_add_or_delete(member, officer, application_in):
    application = application_in()
    document = add(member, application)

    for outsider in (officer, UserFactory()):
        with pytest.raises(PermissionDenied):
            add(outsider, application)
        with pytest.raises(PermissionDenied):
            services.document_delete(actor=outsider, document=document)

    assert FundDocument.objects.count() == 1


def test_delete_removes_the_file_once_committed(
    member, application_in, django_capture_on_commit_callbacks
):
    application = application_in()
    document = add(member, application)

    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=member, document=document)

    assert not FundDocument.objects.exists()
    assert stored_files() == []
    assert AuditEvent.objects.filter(action="fund_document.delete").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_uploads_never_exceed_the_count(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    from tests.factories import OrganizationFactory

    owner = UserFactory()
    application = FundApplicationFactory(organization=OrganizationFactory(owner=owner))
    monkeypatch.setattr(services, "DOCUMENTS_MAX_COUNT", 3)
    data = pdf()
    start = threading.Barrier(8)
    outcomes = []

    def run():
        try:
            start.wait()
            add(owner, application, data=data)
            outcomes.append("added")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["added"] * 3 + ["refused"] * 5
    assert FundDocument.objects.filter(application=application).count() == 3
    assert len(stored_files()) == 3
