"""A newcomer's first visit, in Vietnamese: sign up, verify the e-mail address, land on
the dashboard, register an organisation and invite a colleague."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import translation
from playwright.sync_api import expect

from startups.models import Invitation, Membership, Organization
from tests.factories.startups import tax_code

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "mat-khau-rat-dai-2026"


def link_in(message, pattern: str) -> str:
    match = re.search(rf"https?://\S*{pattern}\S*", message.body)
    assert match, message.body
    return urlsplit(match.group(0)).path


def test_newcomer_signs_up_creates_an_organisation_and_invites_a_colleague(
    live_server, page, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []

    # Sign up, in Vietnamese.
    page.goto(live_server.url + "/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.locator("#id_full_name").fill("Nguyễn Thị Mai")
    page.get_by_label("E-mail", exact=True).fill("mai@sao-mai.example")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu", exact=True).fill(PASSWORD)
    page.locator("#id_privacy_consent").check()
    page.get_by_role("button", name="Đăng ký", exact=True).click()

    # Signed in and on the dashboard, told to verify before submitting.
    expect(page).to_have_url(live_server.url + "/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Trang của tôi")
    banner = page.get_by_role("region", name="Địa chỉ e-mail chưa được xác minh")
    expect(banner).to_contain_text("chưa thể nộp hồ sơ nào cho đến khi xác minh e-mail")

    # The verification e-mail's link, confirmed by a button (mail scanners only GET).
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mai@sao-mai.example"]
    page.goto(live_server.url + link_in(mail.outbox[0], "/accounts/confirm-email/"))
    page.get_by_role("button", name="Xác nhận").click()

    # Back on the dashboard, verified: the guide for a first-time user.
    expect(page).to_have_url(live_server.url + "/dashboard/")
    expect(banner).to_have_count(0)
    expect(page.get_by_role("heading", name="Tạo tổ chức của bạn")).to_be_visible()
    expect(page.get_by_role("heading", name="Đề nghị đồng nghiệp mời bạn")).to_be_visible()
    expect(page.get_by_text("Lời mời được gửi qua e-mail tới mai@sao-mai.example")).to_be_visible()
    page.get_by_role("link", name="Đăng ký tổ chức").last.click()

    # Register an enterprise with its tax code.
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký tổ chức")
    page.locator("#id_kind").select_option("enterprise")
    page.locator("#id_legal_name").fill("Công ty Cổ phần Sao Mai")
    page.locator("#id_tax_code").fill(tax_code(1))
    page.locator("#id_sector").select_option("software")
    page.locator("#id_province").select_option("bac-ninh")
    page.get_by_role("button", name="Đăng ký tổ chức").click()

    organization = Organization.objects.get(legal_name="Công ty Cổ phần Sao Mai")
    expect(page).to_have_url(f"{live_server.url}/dashboard/organizations/{organization.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Công ty Cổ phần Sao Mai")
    expect(
        page.get_by_text("Đã đăng ký Công ty Cổ phần Sao Mai và bạn là chủ sở hữu.")
    ).to_be_visible()
    expect(page.get_by_text("Chưa được xác minh").first).to_be_visible()
    assert Membership.objects.get(organization=organization).user.email == "mai@sao-mai.example"

    # It is on the dashboard too.
    page.get_by_role("link", name="Trang của tôi").first.click()
    expect(page.get_by_role("link", name="Công ty Cổ phần Sao Mai")).to_be_visible()
    page.get_by_role("link", name="Công ty Cổ phần Sao Mai").click()

    # Invite a colleague; the e-mail goes out in Vietnamese.
    page.get_by_role("link", name="Quản lý thành viên và lời mời").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thành viên của Công ty Cổ phần Sao Mai"
    )
    page.get_by_label("Địa chỉ e-mail").fill("dong.nghiep@sao-mai.example")
    expect(page.get_by_label("Ngôn ngữ của e-mail")).to_have_value("vi")
    page.get_by_role("button", name="Gửi lời mời").click()

    expect(page.get_by_text("Đã gửi lời mời tới dong.nghiep@sao-mai.example.")).to_be_visible()
    expect(page.get_by_role("cell", name="dong.nghiep@sao-mai.example")).to_be_visible()
    invitation = Invitation.objects.get(organization=organization)
    assert invitation.language == "vi"
    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.to == ["dong.nghiep@sao-mai.example"]
    # The link leads to the Vietnamese page, and the text is the Vietnamese catalogue's.
    assert link_in(message, "/invitations/").startswith("/dashboard/invitations/")
    english = (
        "Members draft and submit proposals and fund applications on behalf of the organisation."
    )
    with translation.override("vi"):
        vietnamese = translation.gettext(english)
    assert vietnamese != english
    assert vietnamese in message.body
