"""The public site as a visitor meets it, on the demo content: from the home page to a
problem's deadline and on to sign-in; no page scrolls sideways on a phone; axe-core finds
no serious or critical accessibility violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import expect
from wagtail.models import Locale

from challenges.enums import ChallengeKind, ChallengeStatus
from cms.models import (
    ChallengeIndexPage,
    ChallengePage,
    FundPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    ResultsPage,
    StandardPage,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 375, "height": 812}


@pytest.fixture
def site():
    call_command("seed_demo", verbosity=0)


def first_url(model, language="vi", **filters):
    page = (
        model.objects.live()
        .filter(locale__language_code=language, **filters)
        .order_by("path")
        .first()
    )
    assert page is not None, f"seed_demo made no {model.__name__} in {language}"
    return page.url


def open_problem() -> ChallengePage:
    for page in ChallengePage.objects.live().filter(
        locale__language_code="vi", challenge__kind=ChallengeKind.PROBLEM
    ):
        if page.challenge.status == ChallengeStatus.OPEN:
            return page
    raise AssertionError("seed_demo made no open problem")


def open_problem_url():
    return open_problem().url


def test_a_visitor_finds_a_problem_its_deadline_and_the_way_to_submit(live_server, page, site):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    page.get_by_role("navigation", name="Ngôn ngữ").get_by_role("link", name="English").click()
    expect(page).to_have_url(live_server.url + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    problem = open_problem()
    english = problem.get_translation(Locale.objects.get(language_code="en"))
    page.goto(live_server.url + english.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(english.title)
    deadline = page.locator("time[datetime]").filter(has_text=str(problem.challenge.closes_at.year))
    expect(deadline.first).to_be_visible()
    expect(page.get_by_text("UTC+07:00").first).to_be_visible()

    page.get_by_role("link", name="Submit a proposal").click()
    expect(page).to_have_url(
        f"{live_server.url}/en/accounts/login/?next=/en/dashboard/proposals/new/"
        f"%3Fchallenge%3D{problem.challenge.code}"
    )


def test_no_public_page_scrolls_sideways_on_a_phone(live_server, browser, site):
    paths = [
        "/",
        "/en/",
        first_url(ChallengeIndexPage),
        open_problem_url(),
        first_url(ChallengePage, "en"),
        first_url(NewsIndexPage),
        first_url(NewsPage),
        first_url(ResultsPage),
        first_url(StandardPage),
        first_url(FundPage),
        "/tim-kiem/?q=giam+sat",
        "/accounts/login/",
    ]
    context = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    phone = context.new_page()
    try:
        wide = {}
        for path in paths:
            response = phone.goto(live_server.url + path)
            assert response.status == 200, path
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                wide[path] = overflow
        assert wide == {}, f"pages wider than the phone (px too wide): {wide}"
    finally:
        context.close()


def test_axe_finds_no_serious_or_critical_violation(live_server, page, site):
    axe = Axe()
    paths = [
        "/",
        first_url(ChallengeIndexPage),
        open_problem_url(),
        first_url(NewsIndexPage),
        first_url(NewsPage),
        first_url(ResultsPage),
        "/en/",
        first_url(ChallengePage, "en"),
    ]
    found = {}
    for path in paths:
        page.goto(live_server.url + path)
        results = axe.run(page)
        serious = [
            f"{violation['id']} ({violation['impact']}): "
            + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
            for violation in results.response["violations"]
            if violation["impact"] in {"serious", "critical"}
        ]
        if serious:
            found[path] = serious
    assert found == {}, found
    assert HomePage.objects.live().count() == 2


def test_axe_would_see_a_violation(page):
    # The check above can fail: an image without text is a critical violation to axe.
    page.set_content('<html lang="vi"><body><main><img src="data:,"></main></body></html>')
    impacts = {v["id"]: v["impact"] for v in Axe().run(page).response["violations"]}
    assert impacts.get("image-alt") == "critical"
