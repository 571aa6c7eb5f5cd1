"""The juror's workspace (/dashboard/reviews/): the list of what is left to score, the
score sheet beside the entry, drafts (by button and autosave), validation, submit and its
lock, conflicts of interest, blind review, scoping and query counts. Text is checked on
the English pages, which do not depend on the Vietnamese catalogue."""

import hashlib
import html
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader, PdfWriter

from challenges.enums import ProposalStatus
from challenges.judging.models import AssignmentStatus, RoundStatus, Score
from challenges.models import Attachment
from tests.factories import ChallengeFactory, OrganizationFactory, UserFactory
from tests.factories.judging import (
    AssignmentFactory,
    JurorFactory,
    RoundEntryFactory,
    RoundFactory,
    RoundJurorFactory,
    RubricFactory,
    SubmittedProposalFactory,
)
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

ORGANISATION = "Công ty Cổ phần Sao Mai"
AUTHOR = "Nguyễn Thị Mai"


def en(name, *args):
    with translation.override("en"):
        return reverse(f"dashboard:{name}", args=args)


def vi(name, *args):
    with translation.override("vi"):
        return reverse(f"dashboard:{name}", args=args)


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def text(response) -> str:
    """The page's visible words, tags dropped, entities read and spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def criterion_html(response, criterion) -> str:
    """The HTML of one criterion's fieldset on the sheet."""
    body = response.content.decode()
    match = re.search(rf'<fieldset[^>]*id="criterion-{criterion.pk}".*?</fieldset>', body, re.S)
    assert match, f"no fieldset for criterion {criterion.pk}"
    return match.group(0)


def pdf_with_properties(author: str) -> bytes:
    """A real PDF whose document properties name its author."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author, "/Creator": author})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def attach(proposal, data: bytes, *, name: str, kind: str = "technical") -> Attachment:
    return Attachment.objects.create(
        proposal=proposal,
        kind=kind,
        file=ContentFile(data, name="stored.pdf"),
        display_name=name,
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=proposal.author,
    )


@pytest.fixture
def juror():
    return JurorFactory(email="giam.khao@example.test", full_name="Lê Minh Châu")


@pytest.fixture
def organization():
    return OrganizationFactory(legal_name=ORGANISATION, short_name="Sao Mai")


@pytest.fixture
def round_():
    return RoundFactory(
        challenge=ChallengeFactory(
            code="P1-2026",
            title="Giám sát môi trường khu công nghiệp",
            opens_at=timezone.now() - timedelta(days=40),
            closes_at=timezone.now() - timedelta(days=1),
        )
    )


def entry_of(round_, organization=None, **proposal):
    return RoundEntryFactory(
        round=round_,
        proposal=SubmittedProposalFactory(
            challenge=round_.challenge,
            status=ProposalStatus.UNDER_REVIEW,
            **({"organization": organization} if organization else {}),
            **proposal,
        ),
    )


@pytest.fixture
def sheet(round_, juror, organization):
    entry = entry_of(
        round_,
        organization,
        title="Mạng cảm biến nước thải",
        reference="P1-2026-0001",
        author=UserFactory(full_name=AUTHOR),
        team=f"{AUTHOR}, trưởng nhóm",
        description="## Giải pháp\n\n- 40 trạm đo\n- Bảng điều khiển",
    )
    return AssignmentFactory(entry=entry, juror=juror)


def criteria(sheet):
    return list(sheet.round.rubric.criteria.order_by("sort_order"))


def answers(sheet, **values) -> dict:
    """Form data for the sheet: `c1=4`, `c2="abstain:why"`, `comment="..."`."""
    data = {"comment": values.pop("comment", "")}
    for index, criterion in enumerate(criteria(sheet), start=1):
        given = values.get(f"c{index}")
        if isinstance(given, str) and given.startswith("abstain"):
            data[f"abstain_{criterion.pk}"] = "on"
            data[f"reason_{criterion.pk}"] = given.partition(":")[2]
        elif given is not None:
            data[f"score_{criterion.pk}"] = str(given)
    return data


# Who comes in


@pytest.mark.parametrize("name, args", [("reviews", ()), ("review", (1,))])
def test_anonymous_visitors_are_sent_to_sign_in(name, args):
    response = Client().get(en(name, *args))
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=/en/dashboard/reviews/")


def test_people_outside_the_jurors_group_are_refused(sheet):
    applicant = UserFactory()
    client = browser(applicant)
    for response in (
        client.get(en("reviews")),
        client.get(en("review", sheet.pk)),
        client.post(en("review_save", sheet.pk), answers(sheet, c1=3)),
    ):
        assert response.status_code == 403
        assert "This workspace is for the department's jurors" in text(response)
    assert not Score.objects.exists()


def test_the_reviews_tab_is_shown_to_jurors_only(juror):
    assert 'href="/en/dashboard/reviews/"' in browser(juror).get(en("home")).content.decode()
    outsider = browser(UserFactory()).get(en("home")).content.decode()
    assert "/dashboard/reviews/" not in outsider


def test_another_jurors_assignment_is_not_found(sheet):
    other = browser(JurorFactory())
    attachment = attach(sheet.entry.proposal, pdf_with_properties("x"), name="a.pdf")
    assert other.get(en("review", sheet.pk)).status_code == 404
    assert other.get(en("review_document", sheet.pk, attachment.pk)).status_code == 404
    for name in ("review_save", "review_submit", "review_conflict"):
        data = answers(sheet, c1=3, c2=3, c3=3) | {"reason": "Tôi quen họ."}
        assert other.post(en(name, sheet.pk), data).status_code == 404
    assert not Score.objects.exists()
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.ASSIGNED


def test_a_file_of_another_entry_is_not_found_through_my_sheet(sheet, round_):
    elsewhere = entry_of(round_)
    attachment = attach(elsewhere.proposal, pdf_with_properties("x"), name="b.pdf")
    response = browser(sheet.juror).get(en("review_document", sheet.pk, attachment.pk))
    assert response.status_code == 404


# The list


def test_the_list_shows_each_rounds_progress_deadline_and_entries(
    sheet, round_, juror, organization
):
    first, second, _third = criteria(sheet)
    done = AssignmentFactory(entry=entry_of(round_, title="Trạm quan trắc không khí"), juror=juror)
    browser(juror).post(en("review_submit", done.pk), answers(done, c1=4, c2=3, c3=2))
    drafted = AssignmentFactory(entry=entry_of(round_, title="Bản đồ tiếng ồn"), juror=juror)
    browser(juror).post(en("review_save", drafted.pk), answers(drafted, c1=4))
    AssignmentFactory(entry=entry_of(round_), juror=JurorFactory())  # someone else's

    response = browser(juror).get(en("reviews"))
    page = text(response)

    assert response.status_code == 200
    assert "2 entries are left to score." in page
    assert "Screening" in page and "1 of 3 submitted" in page
    deadline = timezone.localtime(round_.closes_at)
    assert f"Scoring closes at {deadline:%H:%M} on {deadline:%d/%m/%Y} (UTC+07:00)" in page
    assert "13 days left" in page
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)[1:]
    assert len(rows) == 3
    # What is left to do first: to score, then the draft, then what is submitted.
    assert "Mạng cảm biến nước thải" in rows[0] and "To score" in rows[0] and "0/3" in rows[0]
    assert "Bản đồ tiếng ồn" in rows[1] and "Draft" in rows[1] and "1/3" in rows[1]
    assert "Trạm quan trắc không khí" in rows[2] and "Submitted" in rows[2] and "3/3" in rows[2]
    assert f'href="/en/dashboard/reviews/{sheet.pk}/"' in rows[0]
    assert organization.display_name in rows[0]  # not a blind challenge


def test_rounds_with_work_left_come_first(juror):
    now = timezone.now()
    finished = AssignmentFactory(
        entry=RoundEntryFactory(round=RoundFactory(name_en="Final", closes_at=now + timedelta(2))),
        juror=juror,
    )
    browser(juror).post(en("review_submit", finished.pk), answers(finished, c1=1, c2=1, c3=1))
    AssignmentFactory(
        entry=RoundEntryFactory(
            round=RoundFactory(name_en="Shortlist", closes_at=now + timedelta(9))
        ),
        juror=juror,
    )
    page = text(browser(juror).get(en("reviews")))
    assert page.index("Shortlist") < page.index("Final")
    assert "less than" not in page and "8 days left" in page


def test_the_list_runs_the_same_queries_for_1_and_30_assignments(juror):
    rounds = [RoundFactory(), RoundFactory(), RoundFactory(challenge__blind_review=True)]
    client = browser(juror)

    def add(n):
        for index in range(n):
            AssignmentFactory(entry=RoundEntryFactory(round=rounds[index % 3]), juror=juror)

    queries, response = assert_constant_queries(
        lambda: client.get(en("reviews")), add, few=1, many=30
    )
    assert response.status_code == 200
    assert len(re.findall(r"<tr>", response.content.decode())) == 30 + 3  # and 3 headers
    # Session, user, groups, the rows, the counts per round, and the site's chrome
    # (menus, permissions twice, verified address, settings).
    assert queries <= 10


def test_a_juror_without_assignments_is_told_so(juror):
    page = text(browser(juror).get(en("reviews")))
    assert "No entry is assigned to you at the moment." in page


# Blind review


def test_a_blind_challenge_never_names_the_entrant(round_, juror, organization):
    round_.challenge.blind_review = True
    round_.challenge.save(update_fields=["blind_review"])
    proposal = SubmittedProposalFactory(
        challenge=round_.challenge,
        organization=organization,
        status=ProposalStatus.UNDER_REVIEW,
        author=UserFactory(full_name=AUTHOR),
        team=f"{AUTHOR}, trưởng nhóm",
        title="Mạng cảm biến nước thải",
    )
    sheet = AssignmentFactory(entry=RoundEntryFactory(round=round_, proposal=proposal), juror=juror)
    secret = f"{organization.tax_code} Sao Mai"
    attachment = attach(proposal, pdf_with_properties(secret), name="Sao Mai - thuyết minh.pdf")
    client = browser(juror)

    pages = [client.get(en("reviews")), client.get(en("review", sheet.pk))]
    pages.append(client.post(en("review_save", sheet.pk), answers(sheet, c1="abstain:")))
    for response in pages:
        body = response.content.decode()
        assert "Mạng cảm biến nước thải" in body
        for leak in (ORGANISATION, "Sao Mai", organization.tax_code, AUTHOR):
            assert leak not in body
    assert "technical-1.pdf" in pages[1].content.decode()

    download = client.get(en("review_document", sheet.pk, attachment.pk))
    content = b"".join(download.streaming_content)
    assert download.status_code == 200
    assert 'filename="technical-1.pdf"' in download["Content-Disposition"]
    assert organization.tax_code.encode() not in content
    assert PdfReader(io.BytesIO(content)).metadata in (None, {})


def test_an_open_challenge_shows_the_entrant_and_the_files_as_sent(sheet, organization):
    attachment = attach(
        sheet.entry.proposal, pdf_with_properties(organization.tax_code), name="Thuyết minh.pdf"
    )
    client = browser(sheet.juror)
    page = text(client.get(en("review", sheet.pk)))
    assert organization.display_name in page and f"{AUTHOR}, trưởng nhóm" in page
    download = client.get(en("review_document", sheet.pk, attachment.pk))
    assert "Thuy%E1%BA%BFt%20minh.pdf" in download["Content-Disposition"]
    assert organization.tax_code.encode() in b"".join(download.streaming_content)


# The score sheet


def test_the_sheet_shows_the_entry_beside_the_rubric(sheet):
    first, second, third = criteria(sheet)
    response = browser(sheet.juror).get(en("review", sheet.pk))
    page = text(response)
    body = response.content.decode()

    assert response.status_code == 200
    assert "Mạng cảm biến nước thải" in page and "P1-2026-0001" in page
    assert "1.500.000.000 VND" in page or "1,500,000,000 VND" in page
    assert "12 months" in page
    assert body.count("<li>40 trạm đo</li>") == 1  # the description's Markdown, rendered
    assert "1. Criterion 1 (weight 50%)" in page and "Đáp ứng một phần." in page
    assert "Low (1)" in page and "Middle (3)" in page and "High (5)" in page
    one = criterion_html(response, first)
    assert len(re.findall(r'type="radio"', one)) == 6  # 0 to 5
    assert f'<label for="id_score_{first.pk}_3">' in one
    assert f'for="id_abstain_{first.pk}"' in one and f'for="id_reason_{first.pk}"' in one
    # The first criterion not answered yet has the focus.
    assert "autofocus" in one
    assert "autofocus" not in criterion_html(response, second)
    assert 'id="autosave-status" role="status" aria-live="polite"' in body
    assert "challenges/js/score-sheet.js" in body


def test_a_criterion_scored_above_ten_takes_a_number(juror):
    rubric = RubricFactory(criteria=[(60, 100), (40, 5)])
    round_ = RoundFactory(challenge=rubric.challenge, rubric=rubric)
    sheet = AssignmentFactory(entry=RoundEntryFactory(round=round_), juror=juror)
    wide, narrow = criteria(sheet)
    response = browser(juror).get(en("review", sheet.pk))
    body = criterion_html(response, wide)
    assert 'type="number"' in body and 'max="100"' in body and 'type="radio"' not in body
    assert 'type="radio"' in criterion_html(response, narrow)

    response = browser(juror).post(
        en("review_save", sheet.pk), {f"score_{wide.pk}": "101", f"score_{narrow.pk}": "4"}
    )
    assert response.status_code == 400
    assert "Scores for this criterion run from 0 to 100." in criterion_html(response, wide)
    assert not Score.objects.exists()


def test_a_half_filled_draft_is_saved(sheet):
    first, second, third = criteria(sheet)
    client = browser(sheet.juror)

    response = client.post(
        en("review_save", sheet.pk), answers(sheet, c1=4, c3="abstain:Ngoài chuyên môn.")
    )

    assert response.status_code == 302
    assert response["Location"] == en("review", sheet.pk)
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.DRAFT
    rows = {score.criterion_id: score for score in sheet.scores.all()}
    assert rows[first.pk].value == 4 and second.pk not in rows
    assert rows[third.pk].abstain and rows[third.pk].reason == "Ngoài chuyên môn."
    page = client.get(response["Location"])
    assert "Draft saved at" in text(page)
    assert re.search(rf'id="id_score_{first.pk}_4" value="4" checked', page.content.decode())
    assert "autofocus" in criterion_html(page, second)  # the next one to answer
    assert "autofocus" not in criterion_html(page, first)
    assert "2 of 3 criteria answered" in text(page)


def test_bad_answers_are_shown_next_to_their_fields_and_nothing_is_written(sheet):
    first, second, third = criteria(sheet)
    response = browser(sheet.juror).post(
        en("review_save", sheet.pk),
        answers(sheet, c1=4, c2=9, c3="abstain:", comment="Khá tốt."),
    )

    assert response.status_code == 400
    assert "Nothing was saved" in text(response)
    assert "Scores for this criterion run from 0 to 5." in criterion_html(response, second)
    assert "Say why you abstain." in criterion_html(response, third)
    assert "field-invalid" in criterion_html(response, third)
    assert "Say why you abstain." not in criterion_html(response, first)
    # What the juror typed is still there.
    assert re.search(r'value="4" checked', criterion_html(response, first))
    assert "Khá tốt." in response.content.decode()
    assert not Score.objects.exists()
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.ASSIGNED and sheet.comment == ""


def test_autosave_answers_json(sheet):
    first, second, _third = criteria(sheet)
    client = browser(sheet.juror)

    response = client.post(
        en("review_save", sheet.pk),
        answers(sheet, c1=2, comment="Đang đọc."),
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 200
    data = response.json()
    saved_at = timezone.localtime(timezone.now())
    assert re.fullmatch(r"Saved at \d\d:\d\d\.", data["message"])
    assert data["message"][9:14] in {
        f"{saved_at:%H:%M}",
        f"{saved_at - timedelta(minutes=1):%H:%M}",
    }
    assert data["status"] == "draft" and data["answered"] == 1 and data["total"] == 3
    assert data["progress"] == "1 of 3 criteria answered"
    sheet.refresh_from_db()
    assert sheet.comment == "Đang đọc."

    bad = client.post(
        en("review_save", sheet.pk), answers(sheet, c2="abstain:"), HTTP_ACCEPT="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == {f"reason_{second.pk}": ["Say why you abstain."]}
    assert sheet.scores.count() == 1


def test_submit_locks_the_sheet(sheet):
    client = browser(sheet.juror)

    response = client.post(
        en("review_submit", sheet.pk), answers(sheet, c1=4, c2=0, c3="abstain:Ngoài chuyên môn.")
    )

    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.SUBMITTED and sheet.submitted_at
    page = client.get(en("review", sheet.pk))
    body = page.content.decode()
    assert "is submitted. It can no longer be changed." in text(page)
    assert "Submitted at" in text(page) and "Abstained: Ngoài chuyên môn." in text(page)
    assert 'id="score-sheet"' not in body and "conflict-form" not in body
    assert 'type="radio"' not in body

    again = client.post(en("review_save", sheet.pk), answers(sheet, c1=1))
    assert again.status_code == 409
    assert "This score sheet is submitted and locked." in text(again)
    as_json = client.post(
        en("review_save", sheet.pk), answers(sheet, c1=1), HTTP_ACCEPT="application/json"
    )
    assert as_json.status_code == 409
    assert as_json.json() == {"detail": "This score sheet is submitted and locked."}
    assert sheet.scores.get(criterion=criteria(sheet)[0]).value == 4


def test_an_incomplete_sheet_is_not_submitted_nor_saved(sheet):
    first, second, third = criteria(sheet)
    response = browser(sheet.juror).post(en("review_submit", sheet.pk), answers(sheet, c1=4))

    assert response.status_code == 400
    assert "Give a score or abstain with a reason." in criterion_html(response, second)
    assert "Give a score or abstain with a reason." in criterion_html(response, third)
    assert "Give a score or abstain" not in criterion_html(response, first)
    assert not Score.objects.exists()
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.ASSIGNED


def test_a_sheet_of_abstentions_only_is_not_submitted(sheet):
    response = browser(sheet.juror).post(
        en("review_submit", sheet.pk),
        answers(sheet, c1="abstain:a", c2="abstain:b", c3="abstain:c"),
    )
    assert response.status_code == 400
    assert "Score at least one criterion." in text(response)
    assert not Score.objects.exists()


def test_a_closed_round_shows_the_sheet_read_only_and_refuses_changes(sheet):
    round_ = sheet.round
    round_.opens_at = timezone.now() - timedelta(days=10)
    round_.closes_at = timezone.now() - timedelta(hours=1)
    round_.save(update_fields=["opens_at", "closes_at"])
    client = browser(sheet.juror)

    page = client.get(en("review", sheet.pk))
    assert "the round is not taking scores" in text(page)
    assert "Scoring closed at" in text(page)
    assert 'id="score-sheet"' not in page.content.decode()
    response = client.post(en("review_save", sheet.pk), answers(sheet, c1=3))
    assert response.status_code == 409
    assert "Scoring closed at" in text(response)
    assert not Score.objects.exists()


# Conflicts of interest


def test_declaring_a_conflict_takes_the_entry_off_my_list(sheet, round_):
    colleague = JurorFactory()
    RoundJurorFactory(round=round_, user=colleague)
    client = browser(sheet.juror)
    client.post(en("review_save", sheet.pk), answers(sheet, c1=4))

    response = client.post(en("review_conflict", sheet.pk), {"reason": "Tôi từng tư vấn cho họ."})

    assert response.status_code == 302 and response["Location"] == en("reviews")
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.CONFLICT
    assert sheet.conflict_reason == "Tôi từng tư vấn cho họ."
    assert colleague.assignments.filter(entry=sheet.entry).exists()
    page = client.get(response["Location"])
    assert "You declared a conflict of interest on P1-2026-0001" in text(page)
    assert "reassigned to another juror" in text(page)
    assert "Mạng cảm biến nước thải" not in text(page)
    assert client.get(en("review", sheet.pk)).status_code == 404


def test_a_conflict_needs_a_reason(sheet):
    response = browser(sheet.juror).post(en("review_conflict", sheet.pk), {"reason": "  "})
    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(r'<details class="panel" open>.*This field is required', body, re.S)
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.ASSIGNED


# Languages


def test_the_pages_speak_both_languages(sheet):
    first = criteria(sheet)[0]
    client = browser(sheet.juror)
    vietnamese = client.get(vi("reviews"))
    english = client.get(en("reviews"))
    assert vi("reviews") == "/dashboard/reviews/" and en("reviews") == "/en/dashboard/reviews/"
    assert '<html lang="vi">' in vietnamese.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert "Vòng sơ loại" in text(vietnamese) and "Screening" in text(english)
    assert f'href="/dashboard/reviews/{sheet.pk}/"' in vietnamese.content.decode()
    sheet_vi = client.get(vi("review", sheet.pk))
    sheet_en = client.get(en("review", sheet.pk))
    assert f"1. {first.name} " in text(sheet_vi) and f"1. {first.name_en} " in text(sheet_en)
    assert f'action="/dashboard/reviews/{sheet.pk}/save/"' in sheet_vi.content.decode()
    assert f'action="/en/dashboard/reviews/{sheet.pk}/save/"' in sheet_en.content.decode()

    saved = client.post(
        vi("review_save", sheet.pk), answers(sheet, c1=3), HTTP_ACCEPT="application/json"
    )
    assert saved.status_code == 200 and json.loads(saved.content)["answered"] == 1


def test_a_round_not_yet_scoring_is_not_listed(juror):
    AssignmentFactory(
        entry=RoundEntryFactory(round=RoundFactory(status=RoundStatus.SETUP)), juror=juror
    )
    assert "No entry is assigned to you at the moment." in text(browser(juror).get(en("reviews")))
