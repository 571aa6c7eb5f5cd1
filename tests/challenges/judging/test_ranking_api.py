"""The ranking endpoint for programme managers: who may read it, which round, what it
says, and how many queries it costs."""

import pytest
from django.utils import timezone

from challenges.judging.models import RankingMethod, RoundStatus
from challenges.judging.services import sheet_save, sheet_submit
from tests.factories import UserFactory
from tests.factories.challenges import ChallengeFactory
from tests.factories.judging import AssignmentFactory, JurorFactory, RoundEntryFactory, RoundFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def ranking_url(code, **params):
    query = "".join(f"?{k}={v}" for k, v in params.items())
    return f"/api/v1/challenges/{code}/ranking/{query}"


def review(entry, juror, values):
    """A submitted sheet: `values` are the criteria's scores in rubric order, None for
    an abstention."""
    assignment = AssignmentFactory(entry=entry, juror=juror)
    criteria = entry.round.rubric.criteria.order_by("sort_order")
    scores = [
        {"criterion": c.pk, "value": v}
        if v is not None
        else {"criterion": c.pk, "abstain": True, "reason": "Ngoài chuyên môn."}
        for c, v in zip(criteria, values, strict=True)
    ]
    sheet_save(assignment, actor=juror, scores=scores)
    sheet_submit(assignment, actor=juror)
    return assignment


@pytest.fixture
def scored():
    """Round 1 of C1-2026: two entries, two jurors, weights 50/30/20 out of 5.

    Juror A: first 5/5/5 = 100, second 3/3/3 = 60.
    Juror B: first 4/4/4 = 80, second abstains on the first criterion, 5/5 = 100.
    Means 90 and 80; spreads 20 and 40 (the threshold is 25); each juror's z-scores are
    +1 and -1, so both entries normalise to 0. A third entry has one pending review.
    """
    round_ = RoundFactory(challenge__code="C1-2026", disagreement_threshold=25)
    first = RoundEntryFactory(round=round_, proposal__title="Cảm biến nước thải")
    second = RoundEntryFactory(round=round_, proposal__title="Bản đồ tiếng ồn")
    waiting = RoundEntryFactory(round=round_, proposal__title="Chưa chấm")
    a, b = JurorFactory(), JurorFactory()
    review(first, a, [5, 5, 5])
    review(second, a, [3, 3, 3])
    review(first, b, [4, 4, 4])
    review(second, b, [None, 5, 5])
    AssignmentFactory(entry=waiting, juror=a)
    return round_, first, second, waiting


def test_ranking_lists_every_entry_with_its_scores(manager_client, scored):
    round_, first, second, waiting = scored

    response = manager_client.get(ranking_url("C1-2026"))

    assert response.status_code == 200
    data = response.json()
    assert data["challenge"] == "C1-2026"
    assert data["round"].pop("tie_break")  # its wording: see the next test
    assert data["round"] == {
        "id": round_.pk,
        "number": 1,
        "name": "Vòng sơ loại",
        "status": "scoring",
        "ranking_method": "mean",
        "disagreement_threshold": 25,
        "sealed_at": None,
        "sealed_digest": None,
    }

    def expected(entry, **numbers):
        organization = entry.proposal.organization
        return {
            "entry_id": entry.pk,
            "proposal_id": entry.proposal_id,
            "reference": entry.proposal.reference,
            "title": entry.proposal.title,
            "organization_name": organization.legal_name,
            "organization_tax_code": organization.tax_code,
            **numbers,
        }

    assert data["entries"] == [
        expected(
            first,
            rank=1,
            mean=90.0,
            normalised=0.0,
            trimmed=None,
            spread=20.0,
            disagreement=False,
            ranking_score=90.0,
            reviews_done=2,
            reviews_pending=0,
        ),
        expected(
            second,
            rank=2,
            mean=80.0,
            normalised=0.0,
            trimmed=None,
            spread=40.0,
            disagreement=True,
            ranking_score=80.0,
            reviews_done=2,
            reviews_pending=0,
        ),
        expected(
            waiting,
            rank=3,
            mean=None,
            normalised=None,
            trimmed=None,
            spread=None,
            disagreement=False,
            ranking_score=None,
            reviews_done=0,
            reviews_pending=1,
        ),
    ]


def test_tie_break_is_stated_in_the_request_language(manager_client, scored):
    english = manager_client.get(ranking_url("C1-2026"), HTTP_ACCEPT_LANGUAGE="en").data
    vietnamese = manager_client.get(ranking_url("C1-2026"), HTTP_ACCEPT_LANGUAGE="vi").data

    assert english["round"]["tie_break"] == (
        "Ties are broken by, in turn: the higher mean, more reviews done, the earlier "
        "submitted proposal, then the proposal reference."
    )
    assert english["round"]["name"] == "Screening"
    assert vietnamese["round"]["name"] == "Vòng sơ loại"


def test_the_latest_round_by_default_another_by_its_number(manager_client, scored):
    round_, *_entries = scored
    later = RoundFactory(
        challenge=round_.challenge,
        number=2,
        name="Chung kết",
        ranking_method=RankingMethod.NORMALISED,
        status=RoundStatus.CLOSED,
        sealed_at=timezone.now(),
        sealed_digest="ab" * 32,
    )
    RoundEntryFactory(round=later)

    latest = manager_client.get(ranking_url("c1-2026")).data
    first = manager_client.get(ranking_url("C1-2026", round=1)).data

    assert (latest["round"]["number"], latest["round"]["ranking_method"]) == (2, "normalised")
    assert latest["round"]["sealed_digest"] == "ab" * 32
    assert latest["round"]["sealed_at"] is not None
    assert len(latest["entries"]) == 1
    assert (first["round"]["number"], len(first["entries"])) == (1, 3)


def test_unknown_challenge_or_round_is_not_found(manager_client, scored):
    ChallengeFactory(code="EMPTY-2026")  # no round at all

    assert manager_client.get(ranking_url("NOPE-2026")).status_code == 404
    assert manager_client.get(ranking_url("C1-2026", round=7)).status_code == 404
    assert manager_client.get(ranking_url("EMPTY-2026")).status_code == 404
    bad = manager_client.get(ranking_url("C1-2026", round="first"))
    assert bad.status_code == 400
    assert list(bad.data) == ["round"]


def test_only_programme_managers_and_superusers_read_rankings(
    client_for, anon_client, applicant, juror, officer, auditor, scored
):
    superuser = UserFactory(is_superuser=True, is_staff=True)

    assert anon_client.get(ranking_url("C1-2026")).status_code == 401
    for user in (applicant, juror, officer, auditor):
        assert client_for(user).get(ranking_url("C1-2026")).status_code == 403
    assert client_for(superuser).get(ranking_url("C1-2026")).status_code == 200
    # A 403 says nothing of whether the challenge exists.
    assert client_for(juror).get(ranking_url("NOPE-2026")).status_code == 403


def test_ranking_runs_a_constant_number_of_queries(manager_client):
    round_ = RoundFactory(challenge__code="C2-2026")
    jurors = [JurorFactory() for _ in range(3)]

    def add(n):
        for _ in range(n):
            entry = RoundEntryFactory(round=round_)
            for index, juror in enumerate(jurors):
                review(entry, juror, [index + 1, 3, 2])

    def fetch():
        response = manager_client.get(ranking_url("C2-2026"))
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=12)

    assert len(response.data["entries"]) == 12
    # The token (two), the caller's groups, the round with its challenge, the ranking.
    assert queries == 5
