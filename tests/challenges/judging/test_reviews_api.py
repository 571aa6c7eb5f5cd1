"""The jurors' API: their assignments, the entry as they may see it, their score sheet,
conflicts of interest, and blind review leaking nothing."""

import hashlib
import io
import json
from datetime import datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from challenges.judging.models import Assignment, AssignmentStatus, RoundStatus, Score
from challenges.judging.services import sheet_save, sheet_submit
from challenges.models import Attachment, Track
from portal.files import ATTACHMENT_CONTENT_TYPES, random_name
from portal.models import AuditEvent
from startups.enums import MembershipRole
from tests.challenges.judging.test_blind import (
    AUTHOR,
    EMAIL,
    NEEDLES,
    ORG,
    TAX_CODE,
    docx_with_properties,
    found,
    pdf_with_properties,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.challenges import ChallengeFactory
from tests.factories.judging import (
    AssignmentFactory,
    JurorFactory,
    RoundEntryFactory,
    RoundFactory,
    RoundJurorFactory,
)
from tests.helpers import assert_constant_queries, count_queries

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/reviews/assignments/"


def url(assignment, suffix=""):
    return f"{REVIEWS}{assignment.pk}/{suffix}"


def attach(proposal, data: bytes, *, kind="technical", extension="pdf", name=None):
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        display_name=name or f"tài liệu.{extension}",
        content_type=ATTACHMENT_CONTENT_TYPES[extension],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=proposal.author,
    )
    attachment.file.save(random_name(extension), ContentFile(data), save=False)
    attachment.save()
    return attachment


def pdf() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (11, 83, 148)).save(buffer, format="PDF")
    return buffer.getvalue()


def criteria(assignment):
    return list(assignment.round.rubric.criteria.order_by("sort_order"))


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def mine(juror):
    return AssignmentFactory(juror=juror)


# The list


def test_list_shows_my_live_assignments_only(juror, juror_client, mine):
    first, _second, _third = criteria(mine)
    sheet_save(mine, actor=juror, scores=[{"criterion": first.pk, "value": 4}])
    proposal = mine.entry.proposal
    AssignmentFactory(entry=mine.entry)  # another juror's review of the same entry
    AssignmentFactory(juror=juror, status=AssignmentStatus.CONFLICT)
    AssignmentFactory(juror=juror, status=AssignmentStatus.RELEASED)
    AssignmentFactory(juror=juror, entry__round__status=RoundStatus.SETUP)  # not open yet

    response = juror_client.get(REVIEWS)

    assert response.status_code == 200
    assert response.data["count"] == 1
    row = response.json()["results"][0]
    assert when(row["round"].pop("closes_at")) == mine.round.closes_at
    assert row == {
        "id": mine.pk,
        "status": "draft",
        "challenge": mine.round.challenge.code,
        "blind_review": False,
        "round": {"id": mine.round_id, "number": 1, "name": "Vòng sơ loại"},
        "entry": {
            "reference": proposal.reference,
            "title": proposal.title,
            "organization_name": proposal.organization.legal_name,
        },
        "answered": 1,
        "total": 3,
    }


def test_list_is_in_the_request_language_and_filters_by_status(juror, juror_client, mine):
    done = AssignmentFactory(juror=juror)
    for criterion in criteria(done):
        sheet_save(done, actor=juror, scores=[{"criterion": criterion.pk, "value": 3}])
    sheet_submit(done, actor=juror)

    response = juror_client.get(REVIEWS, {"status": "assigned"}, HTTP_ACCEPT_LANGUAGE="en")

    assert [row["id"] for row in response.data["results"]] == [mine.pk]
    assert response.data["results"][0]["round"]["name"] == "Screening"
    both = juror_client.get(REVIEWS, {"status": ["assigned", "submitted"]}).data
    assert {row["id"] for row in both["results"]} == {mine.pk, done.pk}
    assert juror_client.get(REVIEWS, {"status": "conflict"}).status_code == 400


def test_list_runs_a_constant_number_of_queries(juror, juror_client):
    def add(n):
        for index in range(n):
            assignment = AssignmentFactory(
                juror=juror, entry__round__challenge__blind_review=bool(index % 2)
            )
            first = criteria(assignment)[0]
            sheet_save(assignment, actor=juror, scores=[{"criterion": first.pk, "value": 2}])

    def fetch():
        response = juror_client.get(REVIEWS, {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=20)

    assert response.data["count"] == 20
    assert {row["answered"] for row in response.data["results"]} == {1}
    # The token (knox reads it, then the user's tokens), the caller's groups, the
    # count, the page.
    assert queries == 5


def test_list_is_for_jurors_only(client_for, anon_client, applicant, manager):
    assert anon_client.get(REVIEWS).status_code == 401
    assert client_for(applicant).get(REVIEWS).status_code == 403
    assert client_for(manager).get(REVIEWS).status_code == 403


# The detail


def test_detail_shows_the_entry_the_rubric_and_my_sheet(juror, juror_client, mine):
    proposal = mine.entry.proposal
    proposal.track = Track.objects.create(
        challenge=proposal.challenge, code="a", name="Hạng A", name_en="Track A"
    )
    proposal.save(update_fields=["track"])
    report = attach(proposal, pdf(), name="Thuyết minh.pdf")
    budget = attach(proposal, pdf(), kind="budget", name="Dự toán.pdf")
    first, second, third = criteria(mine)
    sheet_save(
        mine,
        actor=juror,
        scores=[
            {"criterion": second.pk, "value": 3},
            {"criterion": first.pk, "abstain": True, "reason": "Ngoài chuyên môn."},
        ],
        comment="Cần làm rõ chi phí.",
    )

    data = juror_client.get(url(mine)).json()

    assert data["id"] == mine.pk
    assert data["status"] == "draft"
    assert data["blind_review"] is False
    assert data["entry"] == {
        "reference": proposal.reference,
        "title": proposal.title,
        "summary": proposal.summary,
        "description_html": "<h2>Bối cảnh</h2>\n<p>Mô tả chi tiết giải pháp.</p>\n",
        "budget_vnd": 1_500_000_000,
        "duration_months": 12,
        "track": {"code": "a", "name": "Hạng A"},
        "organization_name": proposal.organization.legal_name,
        "team": "Nguyễn Văn A (trưởng nhóm)",
        "attachments": [
            {
                "id": attachment.pk,
                "kind": attachment.kind,
                "name": attachment.display_name,
                "size": attachment.size,
                "url": f"http://testserver{url(mine)}attachments/{attachment.pk}/file/",
            }
            for attachment in (report, budget)
        ],
    }
    assert data["criteria"][0] == {
        "id": first.pk,
        "name": "Tiêu chí 1",
        "weight": 50,
        "max_score": 5,
        "description": "Mức độ đáp ứng yêu cầu.",
        "guidance_low": "Không đáp ứng.",
        "guidance_mid": "Đáp ứng một phần.",
        "guidance_high": "Đáp ứng đầy đủ.",
    }
    assert [c["id"] for c in data["criteria"]] == [first.pk, second.pk, third.pk]
    assert data["scores"] == [
        {"criterion": first.pk, "value": None, "abstain": True, "reason": "Ngoài chuyên môn."},
        {"criterion": second.pk, "value": 3, "abstain": False, "reason": ""},
    ]
    assert (data["comment"], data["answered"], data["total"]) == ("Cần làm rõ chi phí.", 2, 3)
    assert data["submitted_at"] is None
    english = juror_client.get(url(mine), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["entry"]["track"]["name"] == "Track A"
    assert english["criteria"][0]["name"] == "Criterion 1"


def test_detail_runs_a_constant_number_of_queries(juror_client, mine):
    attach(mine.entry.proposal, pdf())
    juror_client.get(url(mine))
    few, _ = count_queries(juror_client.get, url(mine))
    for _n in range(5):
        attach(mine.entry.proposal, pdf())

    many, response = count_queries(juror_client.get, url(mine))

    assert len(response.data["entry"]["attachments"]) == 6
    # The token (two), the groups, the sheet, its scores, the rubric's criteria, the files.
    assert few == many == 7


def test_the_file_is_served_to_the_assigned_juror(juror_client, mine):
    data = pdf()
    attachment = attach(mine.entry.proposal, data, name="Thuyết minh.pdf")

    response = juror_client.get(url(mine, f"attachments/{attachment.pk}/file/"))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert "Thuy%E1%BA%BFt%20minh.pdf" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


# Scope


def test_another_jurors_assignment_is_not_found(juror_client, mine):
    theirs = AssignmentFactory(entry=mine.entry)
    attachment = attach(mine.entry.proposal, pdf())
    first = criteria(theirs)[0]

    assert juror_client.get(url(theirs)).status_code == 404
    assert juror_client.get(url(theirs, f"attachments/{attachment.pk}/file/")).status_code == 404
    score = {"scores": [{"criterion": first.pk, "value": 1}]}
    assert juror_client.put(url(theirs, "scores/"), score).status_code == 404
    assert juror_client.post(url(theirs, "submit/")).status_code == 404
    assert juror_client.post(url(theirs, "conflict/"), {"reason": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert (theirs.status, theirs.scores.count()) == (AssignmentStatus.ASSIGNED, 0)


def test_an_entry_not_assigned_to_me_is_not_found(juror, juror_client, mine):
    elsewhere = RoundEntryFactory(round=mine.round)  # same round, not given to me
    theirs = attach(elsewhere.proposal, pdf())
    released = AssignmentFactory(juror=juror, status=AssignmentStatus.RELEASED)

    assert juror_client.get(url(mine, f"attachments/{theirs.pk}/file/")).status_code == 404
    assert juror_client.get(url(released)).status_code == 404
    assert juror_client.get(f"{REVIEWS}999999/").status_code == 404


def test_the_detail_and_writes_are_for_jurors_only(client_for, anon_client, manager, mine):
    for client, status in ((anon_client, 401), (client_for(manager), 403)):
        assert client.get(url(mine)).status_code == status
        assert client.post(url(mine, "submit/")).status_code == status
        assert client.put(url(mine, "scores/"), {"scores": []}).status_code == status


# A juror never reads another juror's scores


def test_a_juror_never_reads_another_jurors_scores(juror, juror_client, mine):
    other = AssignmentFactory(entry=mine.entry)
    rubric = criteria(other)
    sheet_save(
        other,
        actor=other.juror,
        scores=[{"criterion": c.pk, "value": 1} for c in rubric],
        comment="Nhận xét bí mật của giám khảo khác.",
    )
    sheet_submit(other, actor=other.juror)
    sheet_save(mine, actor=juror, scores=[{"criterion": rubric[0].pk, "value": 5}])

    body = juror_client.get(url(mine)).content.decode()
    data = json.loads(body)

    assert data["scores"] == [
        {"criterion": rubric[0].pk, "value": 5, "abstain": False, "reason": ""}
    ]
    assert "Nhận xét bí mật" not in body
    assert '"value": 1' not in body and '"value":1' not in body
    assert juror_client.get(url(other)).status_code == 404
    listing = juror_client.get(REVIEWS).json()["results"]
    assert [(row["id"], row["answered"]) for row in listing] == [(mine.pk, 1)]


# Blind review


@pytest.fixture
def blind():
    """A blind challenge's entry from an organisation whose name, tax code and people
    are written all over its files' properties and names."""
    author = UserFactory(full_name=AUTHOR, email=EMAIL)
    organization = OrganizationFactory(legal_name=ORG, tax_code=TAX_CODE, owner=author)
    MembershipFactory(organization=organization, role=MembershipRole.MEMBER)
    challenge = ChallengeFactory(
        blind_review=True,
        opens_at=timezone.now() - timedelta(days=40),
        closes_at=timezone.now() - timedelta(days=1),
    )
    entry = RoundEntryFactory(
        round=RoundFactory(challenge=challenge),
        proposal__organization=organization,
        proposal__author=author,
        proposal__team=f"{AUTHOR} ({EMAIL}), {ORG}",
    )
    proposal = entry.proposal
    files = [
        attach(proposal, docx_with_properties(), extension="docx", name=f"{ORG} thuyết minh.docx"),
        attach(proposal, pdf_with_properties(), name=f"MST {TAX_CODE}.pdf"),
        attach(proposal, pdf_with_properties(), kind="pitch_deck", name=f"{AUTHOR}.pdf"),
    ]
    return entry, files


def needles(entry):
    organization = entry.proposal.organization
    people = [m.user for m in organization.memberships.select_related("user")]
    return {
        ORG,
        TAX_CODE,
        organization.short_name,
        *(person.full_name for person in people),
        *(person.email for person in people),
    }


def leaks(text: str, entry) -> set[str]:
    folded = text.casefold()
    return {needle for needle in needles(entry) if needle.casefold() in folded}


def test_blind_review_leaks_nothing_through_the_api_or_the_files(juror, juror_client, blind):
    entry, files = blind
    assignment = AssignmentFactory(entry=entry, juror=juror)
    assert {AUTHOR, EMAIL, ORG, TAX_CODE} <= needles(entry)
    assert len(needles(entry)) == 7  # the short name and a second member too

    listing = juror_client.get(REVIEWS)
    detail = juror_client.get(url(assignment))

    assert leaks(listing.content.decode(), entry) == set()
    assert leaks(detail.content.decode(), entry) == set()
    assert "organization_name" not in listing.data["results"][0]["entry"]
    data = detail.json()
    assert data["blind_review"] is True
    assert {"organization_name", "team", "author", "organization"}.isdisjoint(data["entry"])
    assert [a["name"] for a in data["entry"]["attachments"]] == [
        "technical-1.docx",
        "technical-2.pdf",
        "pitch-deck-1.pdf",
    ]
    for described, attachment in zip(data["entry"]["attachments"], files, strict=True):
        with attachment.file.open("rb") as handle:
            assert found(handle.read()) == set(NEEDLES)  # the stored file names them all
        response = juror_client.get(described["url"])
        assert response.status_code == 200
        served = b"".join(response.streaming_content)
        assert found(served, needles(entry)) == set()
        disposition = response["Content-Disposition"]
        assert disposition == f'attachment; filename="{described["name"]}"'
        assert response["Content-Type"] == attachment.content_type


def test_a_file_that_cannot_be_cleaned_is_refused_on_a_blind_challenge(juror_client, blind):
    entry, _files = blind
    assignment = AssignmentFactory(entry=entry, juror=juror_client.user)
    broken = attach(entry.proposal, b"%PDF-1.7\n" + ORG.encode(), kind="other")

    response = juror_client.get(url(assignment, f"attachments/{broken.pk}/file/"))

    assert response.status_code == 409
    assert ORG not in response.content.decode()


def test_a_challenge_that_is_not_blind_shows_the_organisation(juror, juror_client):
    organization = OrganizationFactory(legal_name=ORG, tax_code=TAX_CODE)
    assignment = AssignmentFactory(juror=juror, entry__proposal__organization=organization)
    named = attach(assignment.entry.proposal, pdf(), name=f"{ORG}.pdf")

    row = juror_client.get(REVIEWS).data["results"][0]
    detail = juror_client.get(url(assignment)).data

    assert row["entry"]["organization_name"] == ORG
    assert detail["entry"]["organization_name"] == ORG
    assert detail["entry"]["attachments"][0]["name"] == f"{ORG}.pdf"
    assert named.display_name == f"{ORG}.pdf"


# The score sheet


def test_scores_are_saved_as_a_draft(juror_client, mine):
    first, second, third = criteria(mine)

    response = juror_client.put(
        url(mine, "scores/"),
        {
            "scores": [
                {"criterion": first.pk, "value": 5},
                {"criterion": third.pk, "abstain": True, "reason": "Ngoài chuyên môn."},
            ],
            "comment": "Tốt.",
        },
    )

    assert response.status_code == 200, response.data
    assert response.data == {
        "id": mine.pk,
        "status": "draft",
        "scores": [
            {"criterion": first.pk, "value": 5, "abstain": False, "reason": ""},
            {"criterion": third.pk, "value": None, "abstain": True, "reason": "Ngoài chuyên môn."},
        ],
        "comment": "Tốt.",
        "answered": 2,
        "total": 3,
        "submitted_at": None,
    }
    # A later save changes the criteria it names and keeps the comment if it has none.
    again = juror_client.put(
        url(mine, "scores/"), {"scores": [{"criterion": second.pk, "value": 0}]}
    )
    assert again.data["answered"] == 3
    assert again.data["comment"] == "Tốt."


def test_bad_scores_are_field_errors_and_nothing_is_written(juror_client, mine):
    first, second, third = criteria(mine)

    response = juror_client.put(
        url(mine, "scores/"),
        {
            "scores": [
                {"criterion": first.pk, "value": 4},
                {"criterion": second.pk, "value": 6},
                {"criterion": third.pk, "abstain": True},
                {"criterion": 999999, "value": 1},
            ],
            "comment": "Không được lưu.",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    errors = response.data["scores"]
    assert errors[0] == {}
    assert list(errors[1]) == ["value"] and "0 to 5" in str(errors[1]["value"][0])
    assert list(errors[2]) == ["reason"]
    assert list(errors[3]) == ["criterion"]
    mine.refresh_from_db()
    assert (mine.status, mine.comment, mine.scores.count()) == (AssignmentStatus.ASSIGNED, "", 0)


@pytest.mark.parametrize(
    "body",
    [
        {"scores": [{"criterion": "first", "value": 1}]},
        {"scores": [{"criterion": 1, "value": "high"}]},
        {"scores": [{"criterion": 1, "value": 2.5}]},
        {"scores": "5"},
        {"comment": "no scores"},
    ],
)
def test_malformed_sheets_are_field_errors(juror_client, mine, body):
    response = juror_client.put(url(mine, "scores/"), body)

    assert response.status_code == 400
    assert list(response.data) == ["scores"]
    assert not Score.objects.exists()


def test_submit_locks_the_sheet(juror, juror_client, mine):
    first, second, third = criteria(mine)
    juror_client.put(url(mine, "scores/"), {"scores": [{"criterion": first.pk, "value": 4}]})

    incomplete = juror_client.post(url(mine, "submit/"))
    assert incomplete.status_code == 400
    assert list(incomplete.data) == ["scores"]

    juror_client.put(
        url(mine, "scores/"),
        {
            "scores": [
                {"criterion": second.pk, "value": 3},
                {"criterion": third.pk, "value": 5},
            ]
        },
    )
    response = juror_client.post(url(mine, "submit/"))

    assert response.status_code == 200
    assert response.data["status"] == "submitted"
    assert when(response.data["submitted_at"]) <= timezone.now()
    late = juror_client.put(url(mine, "scores/"), {"scores": [{"criterion": first.pk, "value": 1}]})
    assert late.status_code == 409
    assert juror_client.post(url(mine, "submit/")).status_code == 409
    assert Score.objects.get(assignment=mine, criterion=first).value == 4
    assert AuditEvent.objects.filter(action="review.submitted").count() == 1
    # Still the juror's to read.
    assert juror_client.get(url(mine)).data["status"] == "submitted"


def test_a_round_not_open_for_scoring_takes_no_scores(juror_client, mine):
    mine.round.status = RoundStatus.CLOSED
    mine.round.save(update_fields=["status"])
    first = criteria(mine)[0]

    response = juror_client.put(
        url(mine, "scores/"), {"scores": [{"criterion": first.pk, "value": 1}]}
    )

    assert response.status_code == 409
    assert not Score.objects.exists()


# Conflicts of interest


def test_declaring_a_conflict_hands_the_entry_to_another_juror(juror, juror_client, mine):
    free = JurorFactory()
    RoundJurorFactory(round=mine.round, user=free)
    first = criteria(mine)[0]
    sheet_save(mine, actor=juror, scores=[{"criterion": first.pk, "value": 2}])

    missing = juror_client.post(url(mine, "conflict/"), {})
    assert missing.status_code == 400
    assert list(missing.data) == ["reason"]

    response = juror_client.post(url(mine, "conflict/"), {"reason": "Tôi từng làm cố vấn cho họ."})

    assert response.status_code == 200
    assert response.data == {"id": mine.pk, "status": "conflict"}
    mine.refresh_from_db()
    assert (mine.status, mine.scores.count()) == (AssignmentStatus.CONFLICT, 0)
    assert Assignment.objects.filter(entry=mine.entry, juror=free).exists()
    assert juror_client.get(url(mine)).status_code == 404
    assert juror_client.get(REVIEWS).data["count"] == 0


def test_no_conflict_after_submitting(juror, juror_client, mine):
    for criterion in criteria(mine):
        sheet_save(mine, actor=juror, scores=[{"criterion": criterion.pk, "value": 3}])
    sheet_submit(mine, actor=juror)

    response = juror_client.post(url(mine, "conflict/"), {"reason": "Quá muộn."})

    assert response.status_code == 409
    mine.refresh_from_db()
    assert mine.status == AssignmentStatus.SUBMITTED


# The challenge's detail names the criteria entries are scored against


def test_challenge_detail_lists_the_first_rounds_criteria(anon_client):
    first = RoundFactory(challenge__code="C9-2026")
    RoundFactory(challenge=first.challenge, number=2, rubric__criteria=[(100, 10)])

    vi = anon_client.get("/api/v1/challenges/C9-2026/").data
    en = anon_client.get("/api/v1/challenges/C9-2026/", HTTP_ACCEPT_LANGUAGE="en").data

    ids = list(first.rubric.criteria.order_by("sort_order").values_list("pk", flat=True))
    assert vi["criteria"] == [
        {"id": ids[0], "name": "Tiêu chí 1", "weight": 50, "max_score": 5},
        {"id": ids[1], "name": "Tiêu chí 2", "weight": 30, "max_score": 5},
        {"id": ids[2], "name": "Tiêu chí 3", "weight": 20, "max_score": 5},
    ]
    assert [c["name"] for c in en["criteria"]] == ["Criterion 1", "Criterion 2", "Criterion 3"]
    assert "criteria" not in anon_client.get("/api/v1/challenges/").data["results"][0]


def test_challenge_detail_before_any_round_uses_its_first_rubric(anon_client):
    from tests.factories.judging import RubricFactory

    rubric = RubricFactory(challenge__code="C8-2026", criteria=[(60, 5), (40, 10)])
    RubricFactory(challenge=rubric.challenge, criteria=[(100, 3)])

    data = anon_client.get("/api/v1/challenges/C8-2026/").data

    assert [(c["weight"], c["max_score"]) for c in data["criteria"]] == [(60, 5), (40, 10)]
    assert anon_client.get(f"/api/v1/challenges/{ChallengeFactory().code}/").data["criteria"] == []


# The OpenAPI document

ASSIGNMENT = "/api/v1/reviews/assignments/{id}/"
REVIEW_STATUSES = {
    ("/api/v1/reviews/assignments/", "get"): {"200", "400", "401", "403"},
    (ASSIGNMENT, "get"): {"200", "401", "403", "404"},
    (ASSIGNMENT + "scores/", "put"): {"200", "400", "401", "403", "404", "409"},
    (ASSIGNMENT + "submit/", "post"): {"200", "400", "401", "403", "404", "409"},
    (ASSIGNMENT + "conflict/", "post"): {"200", "400", "401", "403", "404", "409"},
    (ASSIGNMENT + "attachments/{attachment_id}/file/", "get"): {
        "200",
        "401",
        "403",
        "404",
        "409",
    },
}


def test_review_operations_document_their_shapes_and_error_statuses(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]

    documented = {
        (path, method): set(operation["responses"])
        for path, operations in paths.items()
        for method, operation in operations.items()
        if path.startswith("/api/v1/reviews/")
    }

    assert documented == REVIEW_STATUSES
    components = schema["components"]["schemas"]
    entry = components["ReviewEntry"]
    # Absent on a blind challenge, so not required.
    assert {"organization_name", "team"} <= set(entry["properties"])
    assert {"organization_name", "team"}.isdisjoint(entry["required"])
    body = paths[ASSIGNMENT + "scores/"]["put"]["requestBody"]["content"]["application/json"]
    sheet = components[body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(sheet["properties"]) == {"scores", "comment"}
    ranking = paths["/api/v1/challenges/{code}/ranking/"]["get"]
    assert set(ranking["responses"]) == {"200", "400", "401", "403", "404"}
    assert {p["name"] for p in ranking["parameters"]} == {"code", "round"}
    detail = paths["/api/v1/challenges/{code}/"]["get"]["responses"]["200"]
    challenge = components[detail["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
    assert "criteria" in challenge["properties"]
