"""A juror's round, in English: sign in, find the entries to score, declare a conflict of
interest on one, score another from the keyboard and the mouse while the draft saves
itself, submit it, and see it submitted; the pages fit a phone's width and pass axe-core."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from challenges.enums import ProposalStatus
from challenges.judging.models import AssignmentStatus
from tests.browser.helpers import PASSWORD, check_on_a_phone
from tests.challenges.test_proposal_services import verified
from tests.factories import ChallengeFactory
from tests.factories.judging import (
    AssignmentFactory,
    JurorFactory,
    RoundEntryFactory,
    RoundFactory,
    RoundJurorFactory,
    SubmittedProposalFactory,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def entry(round_, title: str, reference: str):
    return RoundEntryFactory(
        round=round_,
        proposal=SubmittedProposalFactory(
            challenge=round_.challenge,
            status=ProposalStatus.UNDER_REVIEW,
            title=title,
            reference=reference,
            description="## Giải pháp\n\n- 40 trạm đo\n- Bảng điều khiển " + "rất-dài-" * 30,
        ),
    )


def test_a_juror_declares_a_conflict_then_scores_and_submits(live_server, page, browser):
    juror = verified(JurorFactory(email="chau@example.test", full_name="Lê Minh Châu"))
    juror.set_password(PASSWORD)
    juror.save()
    round_ = RoundFactory(
        challenge=ChallengeFactory(
            code="P1-2026",
            opens_at=timezone.now() - timedelta(days=40),
            closes_at=timezone.now() - timedelta(days=1),
        )
    )
    conflicted = AssignmentFactory(
        entry=entry(round_, "Mạng cảm biến nước thải", "P1-2026-0001"), juror=juror
    )
    scored = AssignmentFactory(
        entry=entry(round_, "Bản đồ tiếng ồn khu công nghiệp", "P1-2026-0002"), juror=juror
    )
    colleague = JurorFactory()
    RoundJurorFactory(round=round_, user=colleague)
    first, second, third = scored.round.rubric.criteria.order_by("sort_order")

    # Sign in, straight to the reviews.
    page.goto(f"{live_server.url}/en/accounts/login/?next=/en/dashboard/reviews/")
    page.locator("#id_login").fill(juror.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/en/dashboard/reviews/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reviews")
    expect(page.get_by_text("0 of 2 submitted")).to_be_visible()
    expect(page.get_by_role("link", name="Reviews", exact=True).first).to_be_visible()

    # A conflict of interest on the first entry, with a reason.
    page.get_by_role("link", name="P1-2026-0001 · Mạng cảm biến nước thải").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mạng cảm biến nước thải")
    page.get_by_text("Declare a conflict of interest").click()
    page.get_by_label("Why you have a conflict of interest").fill("Tôi từng tư vấn cho đơn vị này.")
    page.get_by_role("button", name="Declare the conflict").click()
    expect(page).to_have_url(f"{live_server.url}/en/dashboard/reviews/")
    expect(page.get_by_text("reassigned to another juror")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Mạng cảm biến"))).to_have_count(0)
    expect(page.get_by_text("0 of 1 submitted")).to_be_visible()
    conflicted.refresh_from_db()
    assert conflicted.status == AssignmentStatus.CONFLICT
    assert colleague.assignments.filter(entry=conflicted.entry).exists()

    # Scoring the other: the first criterion has the focus; a digit picks a score.
    page.get_by_role("link", name="P1-2026-0002 · Bản đồ tiếng ồn khu công nghiệp").click()
    expect(page.locator(f"#id_score_{first.pk}_0")).to_be_focused()
    page.keyboard.press("4")
    expect(page.locator(f"#id_score_{first.pk}_4")).to_be_checked()
    status = page.locator("#autosave-status")
    expect(status).to_have_text(re.compile(r"^Saved at \d\d:\d\d\.$"))
    expect(page.locator("#sheet-progress")).to_have_text("1 of 3 criteria answered")
    # On to the next criterion with Tab (past the abstain box), and a score typed.
    page.keyboard.press("Tab")
    expect(page.locator(f"#id_abstain_{first.pk}")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(f"#id_score_{second.pk}_0")).to_be_focused()
    page.keyboard.press("3")
    # The mouse for the third: an abstention, with its reason.
    page.get_by_label("Abstain on this criterion").nth(2).check()
    expect(page.locator(f"#id_reason_{third.pk}")).to_be_focused()
    page.locator(f"#id_reason_{third.pk}").fill("Ngoài chuyên môn của tôi.")
    page.get_by_label("Comment").fill("Giải pháp khả thi, chi phí hợp lý.")
    expect(page.locator("#sheet-progress")).to_have_text("3 of 3 criteria answered")
    expect(status).to_have_text(re.compile(r"^Saved at \d\d:\d\d\.$"))
    scored.refresh_from_db()
    assert scored.status == AssignmentStatus.DRAFT
    assert scored.comment == "Giải pháp khả thi, chi phí hợp lý."

    # Submit, confirmed: the sheet is locked and read-only.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page.get_by_text("is submitted. It can no longer be changed.")).to_be_visible()
    expect(page.get_by_text("Abstained: Ngoài chuyên môn của tôi.")).to_be_visible()
    expect(page.locator("#score-sheet")).to_have_count(0)
    scored.refresh_from_db()
    assert scored.status == AssignmentStatus.SUBMITTED
    values = dict(scored.scores.values_list("criterion_id", "value"))
    assert values == {first.pk: 4, second.pk: 3, third.pk: None}

    # The list shows it submitted.
    page.get_by_role("link", name="Reviews", exact=True).first.click()
    expect(page.get_by_text("1 of 1 submitted")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("P1-2026-0002"))
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("3/3")

    # On a phone, neither the list nor a sheet (open or submitted) scrolls sideways, and
    # axe-core finds no accessibility violation.
    still_open = AssignmentFactory(
        entry=entry(round_, "Trạm quan trắc", "P1-2026-0003"), juror=juror
    )
    check_on_a_phone(
        browser,
        live_server,
        page,
        [
            "/en/dashboard/reviews/",
            f"/en/dashboard/reviews/{scored.pk}/",
            f"/en/dashboard/reviews/{still_open.pk}/",
            f"/dashboard/reviews/{still_open.pk}/",
        ],
    )
