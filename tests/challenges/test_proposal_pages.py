"""Proposals in the applicant dashboard (/dashboard/proposals/): drafting, documents, the
checklist, submit, the receipt, withdrawal, scoping and query counts. Text is checked on
the English pages, which do not depend on the Vietnamese catalogue."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from challenges.enums import ProposalStatus
from challenges.models import Attachment, Challenge, Proposal, Track
from portal.models import AuditEvent
from startups.enums import MembershipRole, OrganizationKind
from tests.challenges.test_proposal_services import verified
from tests.challenges.test_proposals_api import pdf, stored_files, zip_bomb
from tests.factories import ChallengeFactory, MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.challenges import ChallengePageFactory, ProposalFactory, translate
from tests.helpers import assert_constant_queries, count_queries

pytestmark = pytest.mark.django_db


def en(name, *args):
    with translation.override("en"):
        return reverse(f"dashboard:{name}", args=args)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    """The page's visible words, tags dropped and spaces squeezed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


@pytest.fixture
def member():
    return verified(UserFactory(email="thanh.vien@example.test", preferred_language="en"))


@pytest.fixture
def organization(member):
    return OrganizationFactory(legal_name="Công ty Cổ phần Sao Mai", owner=member, verified=True)


@pytest.fixture
def challenge():
    return ChallengeFactory(code="P1-2026", title="Giám sát môi trường khu công nghiệp")


@pytest.fixture
def draft(member, organization, challenge):
    return ProposalFactory(challenge=challenge, organization=organization, author=member)


@pytest.fixture
def outsider():
    user = verified(UserFactory(email="ngoai@example.test"))
    OrganizationFactory(owner=user)
    return user


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# Sign-in and the way in from a challenge page


@pytest.mark.parametrize(
    "name, args",
    [("proposals", ()), ("proposal_create", ()), ("proposal", (1,)), ("proposal_receipt", (1,))],
)
def test_pages_ask_anonymous_visitors_to_sign_in_first(name, args):
    path = en(name, *args)
    response = Client().get(path + "?challenge=P1-2026")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")
    assert "P1-2026" in response["Location"]


def test_open_challenge_page_links_to_submit_a_proposal(challenge):
    page = ChallengePageFactory(challenge=challenge)
    english = translate(page, "en", title="Industrial-park monitoring", slug="p1-2026")
    body = Client().get(english.url).content.decode()
    assert f'href="/en/dashboard/proposals/new/?challenge={challenge.code}"' in body
    vietnamese = Client().get(page.url).content.decode()
    assert f'href="/dashboard/proposals/new/?challenge={challenge.code}"' in vietnamese


def test_closed_and_upcoming_challenge_pages_offer_no_submit_link():
    now = timezone.now()
    closed = ChallengeFactory(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    upcoming = ChallengeFactory(
        opens_at=now + timedelta(days=3), closes_at=now + timedelta(days=30)
    )
    for challenge, words in [
        (closed, "This call is closed"),
        (upcoming, "Proposals can be submitted from"),
    ]:
        page = translate(
            ChallengePageFactory(challenge=challenge), "en", slug=challenge.code.lower()
        )
        response = Client().get(page.url)
        assert words in text(response)
        assert "/dashboard/proposals/new/" not in response.content.decode()


# Drafting


def test_a_newcomer_without_organisation_is_shown_how_to_get_one(challenge):
    client = browser(verified(UserFactory()))
    response = client.get(en("proposal_create") + f"?challenge={challenge.code}")
    assert response.status_code == 200
    assert "Register an organisation" in text(response)
    assert 'href="/en/dashboard/organizations/new/"' in response.content.decode()


def test_without_a_challenge_the_open_calls_are_offered(challenge, member, organization):
    closed = ChallengeFactory(closes_at=timezone.now() - timedelta(hours=1))
    response = browser(member).get(en("proposal_create"))
    assert response.status_code == 200
    assert f"?challenge={challenge.code}" in response.content.decode()
    assert f"?challenge={closed.code}" not in response.content.decode()


def test_drafting_creates_a_draft_with_the_amount_as_people_type_it(
    challenge, member, organization
):
    Track.objects.create(challenge=challenge, code="iot", name="IoT", name_en="Sensors and IoT")
    client = browser(member)
    path = en("proposal_create") + f"?challenge={challenge.code}"
    form = client.get(path)
    assert form.status_code == 200
    assert "Sensors and IoT" in text(form)
    # The only organisation is chosen already.
    assert re.search(rf'<option value="{organization.pk}" selected>', form.content.decode())
    response = client.post(
        path,
        {
            "organization": organization.pk,
            "track": "iot",
            "title": "  Cảm biến chất lượng nước  ",
            "summary": "Đo liên tục.",
            "budget_vnd": "1.500.000.000 ₫",
            "duration_months": "12",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == en("proposal", proposal.pk)
    assert proposal.title == "Cảm biến chất lượng nước"
    assert proposal.budget_vnd == 1_500_000_000
    assert proposal.track.code == "iot"
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.author == member
    assert AuditEvent.objects.filter(action="proposal.create").count() == 1


def test_a_draft_without_title_is_refused_with_the_field_marked_and_nothing_written(
    challenge, member, organization
):
    response = browser(member).post(
        en("proposal_create") + f"?challenge={challenge.code}",
        {"organization": organization.pk, "title": "", "budget_vnd": "nhiều"},
    )
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert "Enter a whole number." in text(response)
    assert not Proposal.objects.exists()


def test_a_draft_for_someone_elses_organisation_is_refused(
    challenge, member, organization, outsider
):
    theirs = outsider.memberships.get().organization
    response = browser(member).post(
        en("proposal_create") + f"?challenge={challenge.code}",
        {"organization": theirs.pk, "title": "Chen ngang"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert not Proposal.objects.exists()


def test_an_unknown_call_is_404_and_a_closed_one_409_with_the_deadline(member, organization):
    client = browser(member)
    assert client.get(en("proposal_create") + "?challenge=NOPE").status_code == 404
    closes = timezone.now() - timedelta(minutes=5)
    closed = ChallengeFactory(opens_at=closes - timedelta(days=30), closes_at=closes)
    response = client.post(
        en("proposal_create") + f"?challenge={closed.code}",
        {"organization": organization.pk, "title": "Muộn"},
    )
    assert response.status_code == 409
    local = timezone.localtime(closes)
    assert f"{local:%H:%M} on {local:%d/%m/%Y} (UTC+07:00)" in text(response)
    assert not Proposal.objects.exists()


def test_editing_a_draft_saves_through_the_service(draft, member):
    client = browser(member)
    form = client.get(en("proposal_edit", draft.pk))
    assert draft.title in form.content.decode()
    response = client.post(
        en("proposal_edit", draft.pk),
        {"title": "Tên mới", "summary": "", "description": "", "budget_vnd": "", "team": ""},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.summary, draft.budget_vnd) == ("Tên mới", "", None)


def test_a_sent_proposal_cannot_be_edited_or_deleted(draft, member):
    client = browser(member)
    client.post(en("proposal_submit", draft.pk))
    assert client.get(en("proposal_edit", draft.pk))["Location"] == en("proposal", draft.pk)
    response = client.post(en("proposal_edit", draft.pk), {"title": "Sửa sau khi nộp"})
    assert response.status_code == 409
    assert client.post(en("proposal_delete", draft.pk)).status_code == 409
    draft.refresh_from_db()
    assert draft.title != "Sửa sau khi nộp"


def test_deleting_a_draft_removes_it_and_its_files(
    draft, member, django_capture_on_commit_callbacks
):
    client = browser(member)
    client.post(
        en("attachment_add", draft.pk), {"kind": "technical", "file": upload("a.pdf", pdf())}
    )
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(en("proposal_delete", draft.pk))
    assert response["Location"] == en("proposals")
    assert not Proposal.objects.exists()
    assert stored_files() == []


# Scoping


def test_another_organisations_proposal_and_files_are_404(draft, member, outsider):
    browser(member).post(
        en("attachment_add", draft.pk), {"kind": "technical", "file": upload("a.pdf", pdf())}
    )
    attachment = Attachment.objects.get()
    client = browser(outsider)
    for path in [
        en("proposal", draft.pk),
        en("proposal_edit", draft.pk),
        en("attachment_file", draft.pk, attachment.pk),
        en("proposal_receipt", draft.pk),
    ]:
        assert client.get(path).status_code == 404, path
    for path in [
        en("proposal_submit", draft.pk),
        en("attachment_delete", draft.pk, attachment.pk),
        en("proposal_delete", draft.pk),
    ]:
        assert client.post(path).status_code == 404, path
    assert Proposal.objects.get().status == ProposalStatus.DRAFT
    assert Attachment.objects.count() == 1


def test_a_file_of_one_proposal_is_not_served_under_another(draft, member, organization):
    other = ProposalFactory(challenge=draft.challenge, organization=organization, author=member)
    client = browser(member)
    client.post(en("attachment_add", other.pk), {"kind": "other", "file": upload("b.pdf", pdf())})
    attachment = Attachment.objects.get()
    assert client.get(en("attachment_file", draft.pk, attachment.pk)).status_code == 404


# Documents


def test_uploading_lists_the_document_and_serves_it_to_members(draft, member, organization):
    colleague = UserFactory()
    MembershipFactory(organization=organization, user=colleague, role=MembershipRole.MEMBER)
    client = browser(member)
    data = pdf()
    response = client.post(
        en("attachment_add", draft.pk),
        {"kind": "technical", "file": upload("../../Thuyết minh kỹ thuật.pdf", data)},
    )
    assert response.status_code == 302
    page = client.get(en("proposal", draft.pk))
    assert "Thuyết minh kỹ thuật.pdf" in text(page)
    attachment = Attachment.objects.get()
    download = browser(colleague).get(en("attachment_file", draft.pk, attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("setup.pdf", b"MZ\x90\x00" + bytes(200), "Upload a PDF"),
        ("bao-cao.docx", zip_bomb(), ""),
        ("rong.pdf", b"", "empty"),
    ],
)
def test_a_refused_document_is_a_400_on_the_file_and_stores_nothing(
    draft, member, name, data, words
):
    response = browser(member).post(
        en("attachment_add", draft.pk), {"kind": "technical", "file": upload(name, data)}
    )
    assert response.status_code == 400
    assert 'id="upload-form"' in response.content.decode()
    assert "field-invalid" in response.content.decode()
    assert words in text(response)
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_removing_a_document(draft, member):
    client = browser(member)
    client.post(en("attachment_add", draft.pk), {"kind": "budget", "file": upload("a.pdf", pdf())})
    attachment = Attachment.objects.get()
    response = client.post(en("attachment_delete", draft.pk, attachment.pk))
    assert response["Location"] == en("proposal", draft.pk)
    assert not Attachment.objects.exists()


# The checklist and submit


def test_the_checklist_says_what_is_missing_and_hides_the_submit_button(
    challenge, member, organization
):
    Track.objects.create(challenge=challenge, code="iot", name="IoT")
    incomplete = Proposal.objects.create(
        challenge=challenge, organization=organization, author=member, title="Chưa xong"
    )
    page = browser(member).get(en("proposal", incomplete.pk))
    words = text(page)
    assert "Before this draft can be submitted" in words
    assert "Summary: Fill this in before you submit." in words
    assert "Track: Choose a track before you submit." in words
    assert en("proposal_submit", incomplete.pk) not in page.content.decode()


def test_the_checklist_asks_an_unverified_member_to_verify_first(draft, organization):
    unverified = UserFactory(preferred_language="en")
    MembershipFactory(organization=organization, user=unverified, role=MembershipRole.MEMBER)
    client = browser(unverified)
    assert "Verify your e-mail address before you submit" in text(
        client.get(en("proposal", draft.pk))
    )
    response = client.post(en("proposal_submit", draft.pk))
    assert response.status_code == 403
    assert Proposal.objects.get().status == ProposalStatus.DRAFT


def test_the_checklist_names_an_ineligible_organisation(draft, member, challenge):
    Challenge.objects.filter(pk=challenge.pk).update(eligible_kinds=[OrganizationKind.SCHOOL])
    page = browser(member).get(en("proposal", draft.pk))
    assert "This call is not open to organisations of the kind" in text(page)


def test_submitting_gives_the_receipt_page_and_the_hash_it_proves(
    draft, member, django_capture_on_commit_callbacks
):
    client = browser(member)
    client.post(
        en("attachment_add", draft.pk), {"kind": "technical", "file": upload("a.pdf", pdf())}
    )
    page = client.get(en("proposal", draft.pk))
    assert en("proposal_submit", draft.pk) in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(en("proposal_submit", draft.pk))
    draft.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == en("proposal_receipt", draft.pk)
    assert draft.status == ProposalStatus.SUBMITTED
    assert draft.reference == "P1-2026-0001"

    receipt = client.get(response["Location"])
    words = text(receipt)
    assert "P1-2026-0001" in words
    assert draft.content_sha256 in words
    local = timezone.localtime(draft.submitted_at)
    assert f"{local:%H:%M} on {local:%d/%m/%Y} (UTC+07:00)" in words
    assert Attachment.objects.get().sha256 in words

    canonical = client.get(en("proposal_receipt_file", draft.pk))
    assert canonical["Content-Disposition"] == 'attachment; filename="p1-2026-0001-receipt.json"'
    assert hashlib.sha256(canonical.content).hexdigest() == draft.content_sha256
    assert canonical.content.decode().startswith('{"attachments":[{"kind":"technical"')

    assert len(mail.outbox) == 1
    assert draft.content_sha256 in mail.outbox[0].body


def test_a_double_click_on_submit_makes_one_submission(
    draft, member, django_capture_on_commit_callbacks
):
    client = browser(member)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(en("proposal_submit", draft.pk))
        second = client.post(en("proposal_submit", draft.pk))
    assert first["Location"] == second["Location"] == en("proposal_receipt", draft.pk)
    assert Proposal.objects.get().reference == "P1-2026-0001"
    assert Challenge.objects.get().last_reference_number == 1
    assert len(mail.outbox) == 1


def test_an_incomplete_submit_is_400_with_what_is_missing(challenge, member, organization):
    incomplete = Proposal.objects.create(
        challenge=challenge, organization=organization, author=member, title="Chưa xong"
    )
    response = browser(member).post(en("proposal_submit", incomplete.pk))
    assert response.status_code == 400
    assert "Fill this in before you submit." in text(response)
    assert Proposal.objects.get().status == ProposalStatus.DRAFT


def test_a_submit_after_the_deadline_is_409_with_the_deadline_in_vietnam_time(draft, member):
    closes = timezone.now() - timedelta(seconds=1)
    Challenge.objects.filter(pk=draft.challenge_id).update(closes_at=closes)
    response = browser(member).post(en("proposal_submit", draft.pk))
    assert response.status_code == 409
    local = timezone.localtime(closes)
    assert f"The deadline has passed: this call closed at {local:%H:%M} on" in text(response)
    assert Proposal.objects.get().reference is None


def test_a_vietnamese_member_reads_the_pages_in_vietnamese(draft, organization):
    reader = verified(UserFactory(preferred_language="vi"))
    MembershipFactory(organization=organization, user=reader, role=MembershipRole.MEMBER)
    with translation.override("vi"):
        path = reverse("dashboard:proposal", args=[draft.pk])
    assert path == f"/dashboard/proposals/{draft.pk}/"
    response = browser(reader).get(path)
    assert response.status_code == 200
    assert "Đề xuất của tôi" in text(response)


# Withdrawal


def test_withdrawing_before_the_deadline(draft, member):
    client = browser(member)
    client.post(en("proposal_submit", draft.pk))
    page = client.get(en("proposal", draft.pk))
    assert "Withdraw the proposal" in text(page)
    response = client.post(en("proposal_withdraw", draft.pk), {"note": "Nộp nhầm bản"})
    assert response["Location"] == en("proposal", draft.pk)
    draft.refresh_from_db()
    assert draft.status == ProposalStatus.WITHDRAWN
    event = AuditEvent.objects.filter(action="proposal.transition").latest("id")
    assert event.data["note"] == "Nộp nhầm bản"
    # The receipt stays: it proves what was sent, and when.
    assert client.get(en("proposal_receipt", draft.pk)).status_code == 200


def test_no_withdrawal_after_the_deadline(draft, member):
    client = browser(member)
    client.post(en("proposal_submit", draft.pk))
    Challenge.objects.filter(pk=draft.challenge_id).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    assert "Withdraw the proposal" not in text(client.get(en("proposal", draft.pk)))
    assert client.post(en("proposal_withdraw", draft.pk)).status_code == 409
    assert Proposal.objects.get().status == ProposalStatus.SUBMITTED


# The list and query counts


def test_the_list_shows_my_organisations_proposals_only_with_filters(
    draft, member, organization, outsider
):
    client = browser(member)
    sent = ProposalFactory(challenge=draft.challenge, organization=organization, author=member)
    client.post(en("proposal_submit", sent.pk))
    theirs = ProposalFactory(
        challenge=draft.challenge, organization=outsider.memberships.get().organization
    )
    page = text(client.get(en("proposals")))
    assert draft.title in page and sent.title in page
    assert theirs.title not in page
    drafts = text(client.get(en("proposals") + "?show=drafts"))
    assert draft.title in drafts and sent.title not in drafts
    sent_only = text(client.get(en("proposals") + "?show=sent"))
    assert sent.title in sent_only and "P1-2026-0001" in sent_only


def test_the_list_runs_the_same_queries_for_1_and_60_proposals(member, organization):
    client = browser(member)

    def add(n):
        for _ in range(n):
            ProposalFactory(organization=organization, author=member)

    queries, response = assert_constant_queries(
        lambda: client.get(en("proposals")), add, few=1, many=60
    )
    assert response.status_code == 200
    assert queries <= 10


def test_the_detail_runs_the_same_queries_for_1_and_15_documents(draft, member):
    client = browser(member)

    def add(n):
        for _ in range(n):
            client.post(
                en("attachment_add", draft.pk), {"kind": "other", "file": upload("a.pdf", pdf())}
            )

    queries, response = assert_constant_queries(
        lambda: client.get(en("proposal", draft.pk)), add, few=1, many=15
    )
    assert response.status_code == 200
    # The page's own reads and the site's chrome (menus and settings: two queries).
    assert queries <= 12
    client.post(en("proposal_submit", draft.pk))
    receipt_queries, _ = count_queries(lambda: client.get(en("proposal_receipt", draft.pk)))
    assert receipt_queries <= 12


def test_the_list_names_each_call_by_its_page_in_the_readers_language(
    draft, member, organization, challenge
):
    ProposalFactory(challenge=challenge, organization=organization, author=member)
    translate(ChallengePageFactory(challenge=challenge), "en", title="Industrial-park monitoring")
    page = text(browser(member).get(en("proposals")))
    assert page.count("P1-2026 · Industrial-park monitoring") == 2
