"""A firm answers a call, in Vietnamese: from the challenge page through sign-in to a
draft, a document, the submit and the receipt, whose hash the downloaded canonical form
reproduces."""

import hashlib
import io

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from challenges.enums import ProposalStatus
from challenges.models import Attachment, Proposal
from startups.enums import OrganizationKind
from tests.challenges.test_proposal_services import verified
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.challenges import ChallengeFactory, ChallengePageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "mat-khau-rat-dai-2026"


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (11, 83, 148)).save(buffer, format="PDF")
    return buffer.getvalue()


def test_a_firm_drafts_uploads_submits_and_keeps_its_receipt(live_server, page, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    user = verified(UserFactory(email="mai@sao-mai.example", preferred_language="vi"))
    user.set_password(PASSWORD)
    user.save()
    organization = OrganizationFactory(
        legal_name="Công ty Cổ phần Sao Mai",
        kind=OrganizationKind.ENTERPRISE,
        owner=user,
        verified=True,
    )
    challenge = ChallengeFactory(code="P1-2026", title="Giám sát môi trường khu công nghiệp")
    challenge_page = ChallengePageFactory(challenge=challenge)

    # The call's page leads to the proposal form, through sign-in.
    page.goto(live_server.url + challenge_page.url)
    page.get_by_role("link", name="Nộp đề xuất").click()
    expect(page).to_have_url(
        f"{live_server.url}/accounts/login/?next=/dashboard/proposals/new/%3Fchallenge%3DP1-2026"
    )
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # The draft: the only organisation is chosen; the amount typed with dots.
    expect(page).to_have_url(f"{live_server.url}/dashboard/proposals/new/?challenge=P1-2026")
    expect(page.get_by_role("heading", level=1)).to_have_text("Soạn đề xuất")
    expect(page.get_by_label("Thay mặt")).to_have_value(str(organization.pk))
    page.get_by_label("Tiêu đề", exact=True).fill("Mạng cảm biến chất lượng nước thải")
    page.get_by_label("Tóm tắt").fill("Cảm biến IoT đo liên tục và cảnh báo sớm.")
    page.get_by_label("Mô tả").fill("## Giải pháp\n\n- 40 trạm đo\n- Bảng điều khiển")
    page.get_by_label("Kinh phí (đồng)").fill("1.500.000.000")
    page.get_by_label("Thời gian thực hiện (tháng)").fill("12")
    page.get_by_label("Nhóm thực hiện").fill("Nguyễn Thị Mai, trưởng nhóm")
    page.get_by_role("button", name="Lưu bản nháp").click()

    proposal = Proposal.objects.get()
    expect(page).to_have_url(f"{live_server.url}/dashboard/proposals/{proposal.pk}/")
    expect(page.get_by_text("Đã lưu bản nháp.")).to_be_visible()
    expect(page.locator(".markdown li")).to_have_count(2)
    assert proposal.budget_vnd == 1_500_000_000

    # A document, checked from its content.
    page.get_by_label("Loại tài liệu").select_option("technical")
    page.get_by_label("Tệp", exact=True).set_input_files(
        {"name": "Thuyết minh kỹ thuật.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_role("button", name="Tải lên").click()
    expect(page.get_by_text("Đã đính kèm “Thuyết minh kỹ thuật.pdf”.")).to_be_visible()
    expect(page.get_by_role("link", name="Thuyết minh kỹ thuật.pdf")).to_be_visible()

    # Submit: the receipt, with the reference and the hash.
    page.get_by_role("button", name="Nộp đề xuất").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/proposals/{proposal.pk}/receipt/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Biên nhận đề xuất")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    expect(page.locator("#receipt-reference")).to_have_text("P1-2026-0001")
    expect(page.locator("#receipt-hash")).to_have_text(proposal.content_sha256)
    expect(page.get_by_text(Attachment.objects.get().sha256)).to_be_visible()

    # The canonical form, downloaded, hashes to the receipt's SHA-256.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải dữ liệu được băm (JSON)").click()
    download = download_info.value
    assert download.suggested_filename == "p1-2026-0001-receipt.json"
    with open(download.path(), "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == proposal.content_sha256

    # The e-mailed receipt carries the same reference and hash.
    assert len(mail.outbox) == 1
    assert "P1-2026-0001" in mail.outbox[0].subject + mail.outbox[0].body
    assert proposal.content_sha256 in mail.outbox[0].body

    # The list shows it as submitted.
    page.get_by_role("link", name="Đề xuất của tôi").first.click()
    row = page.get_by_role("row", name="Mạng cảm biến chất lượng nước thải")
    expect(row).to_contain_text("Đã nộp")
    expect(row).to_contain_text("P1-2026-0001")
