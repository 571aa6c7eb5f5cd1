"""What the browser tests share: people who sign in, and the phone-width check."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.challenges.test_proposal_services import verified
from tests.factories import UserFactory

PASSWORD = "mat-khau-rat-dai-2026"
PHONE = {"width": 375, "height": 812}


def person(email: str, name: str, role: str | None = None):
    """A user with a verified e-mail address and PASSWORD."""
    user = verified(UserFactory(email=email, full_name=name, role=role))
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(browser, live_server, user, next_path: str):
    """A new English-speaking browser context in Vietnam's time zone, signed in as `user`
    through the login form and sent on to `next_path`; returns its page."""
    context = browser.new_context(locale="en-GB", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/en/accounts/login/?next={next_path}")
    page.locator("#id_login").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(live_server.url + next_path)
    return page


def overflow(page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 or less: it does not)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def check_on_a_phone(browser, live_server, signed_in, paths) -> None:
    """Each page at 375 px, with the session of the page `signed_in`: served, no sideways
    scrolling, and no violation axe-core finds, of any impact (a moderate one such as two
    landmarks of one name too)."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, storage_state=signed_in.context.storage_state()
    )
    phone = context.new_page()
    try:
        for path in paths:
            response = phone.goto(live_server.url + path)
            assert response.status == 200, path
            assert overflow(phone) <= 0, path
            violations = Axe().run(phone).response["violations"]
            assert [(v["id"], v["impact"]) for v in violations] == [], path
    finally:
        context.close()
