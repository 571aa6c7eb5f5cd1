"""The staff proposal lists (admin and API) show where judging stands: the reviews of
the latest round a proposal reached and their mean score."""

import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.judging.models import AssignmentStatus
from tests.factories.judging import AssignmentFactory, RoundEntryFactory, RoundFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def _reviewed(entry, *scores, pending=0):
    for score in scores:
        AssignmentFactory(
            entry=entry, status=AssignmentStatus.SUBMITTED, submitted_at=timezone.now(), score=score
        )
    for _ in range(pending):
        AssignmentFactory(entry=entry)


@pytest.fixture
def entry():
    first = RoundEntryFactory()
    _reviewed(first, 40.0, 90.0, 20.0)  # round 1: three reviews, mean 50
    final = RoundFactory(challenge=first.round.challenge, number=2, rubric=first.round.rubric)
    latest = RoundEntryFactory(round=final, proposal=first.proposal)
    _reviewed(latest, 55.0, 70.0, pending=1)  # round 2: two of three, mean 62.5
    return latest


def test_the_api_list_gives_the_latest_rounds_reviews_and_mean(client, manager, entry):
    client.force_login(manager)
    code = entry.round.challenge.code

    response = client.get(f"/api/v1/challenges/{code}/proposals/")

    row = response.json()["results"][0]
    assert (row["reviews_done"], row["reviews_pending"]) == (2, 1)
    assert row["mean_score"] == pytest.approx(62.5)


def test_the_admin_list_shows_them_and_runs_constant_queries(client, manager, entry):
    client.force_login(manager)
    challenge = entry.round.challenge

    def fetch():
        response = client.get(reverse("proposals:index"), {"challenge": challenge.pk})
        assert response.status_code == 200
        return response

    def add(n):
        for _ in range(n):
            _reviewed(RoundEntryFactory(round=entry.round), 10.0, pending=2)

    _, response = assert_constant_queries(fetch, add, few=1, many=5)
    html = response.content.decode()
    assert ">2/3<" in html
    assert ">62,50<" in html  # Vietnamese decimal comma
    assert html.count(">1/3<") == 5
