import pytest
from playwright.sync_api import expect

from tests.factories import ChallengeFactory, ChallengePageFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_home_page_shows_the_portal_and_an_open_challenge(live_server, page):
    challenge = ChallengeFactory(code="P1-2026", title="Giám sát môi trường")
    ChallengePageFactory(challenge=challenge, title="Giám sát môi trường khu công nghiệp")

    page.goto(live_server.url + "/")

    expect(page).to_have_title("Cổng đổi mới sáng tạo mở")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cổng đổi mới sáng tạo mở")
    expect(page.get_by_role("heading", name="Đang nhận đề xuất")).to_be_visible()
    card_link = page.get_by_role("link", name="Giám sát môi trường khu công nghiệp")
    expect(card_link).to_be_visible()
    # The skip link is the first stop for keyboard users.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Bỏ qua, đến nội dung chính")).to_be_focused()

    card_link.click()
    expect(page).to_have_url(live_server.url + "/bai-toan/p1-2026/")
    expect(page).to_have_title("Giám sát môi trường khu công nghiệp · Cổng đổi mới sáng tạo mở")
    expect(page.get_by_text("giờ Việt Nam, UTC+07:00")).to_be_visible()


def test_swagger_ui_lists_the_challenges_endpoint(live_server, page):
    page.goto(live_server.url + "/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Open Innovation Portal API")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/challenges/").first
    expect(operation).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
