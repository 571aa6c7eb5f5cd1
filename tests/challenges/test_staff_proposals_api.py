import pytest

from challenges import services
from tests.challenges.test_proposal_services import verified
from tests.factories import ChallengeFactory, MembershipFactory, UserFactory
from tests.factories.challenges import ProposalFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def url(code):
    return f"/api/v1/challenges/{code}/proposals/"


def sent(challenge, **fields):
    member = verified(UserFactory())
    proposal = ProposalFactory(challenge=challenge, **fields)
    MembershipFactory(organization=proposal.organization, user=member)
    return services.proposal_submit(actor=member, proposal=proposal)


@pytest.fixture
def call():
    return ChallengeFactory(code="P1-2026", max_proposals_per_organization=5)


def test_manager_reads_the_proposals_sent_to_one_challenge(manager_client, call):
    first = sent(call, title="Trạm quan trắc")
    second = sent(call)
    ProposalFactory(challenge=call)  # a draft: the applicants' own business
    sent(ChallengeFactory())  # another challenge's

    response = manager_client.get(url("p1-2026"))

    assert response.status_code == 200
    assert [row["reference"] for row in response.data["results"]] == [
        second.reference,
        first.reference,
    ]
    row = response.data["results"][1]
    assert row["title"] == "Trạm quan trắc"
    assert row["organization_name"] == first.organization.legal_name
    assert row["organization_tax_code"] == first.organization.tax_code
    assert (row["status"], row["attachments_count"]) == ("submitted", 0)
    assert row["content_sha256"] == first.content_sha256


def test_filters_by_status(manager_client, call):
    kept = sent(call)
    withdrawn = sent(call)
    member = withdrawn.organization.memberships.get().user
    services.proposal_withdraw(actor=member, proposal=withdrawn)

    response = manager_client.get(url("P1-2026"), {"status": "withdrawn"})

    assert [row["id"] for row in response.data["results"]] == [withdrawn.pk]
    assert kept.pk not in [row["id"] for row in response.data["results"]]


def test_applicants_are_refused_and_anonymous_callers_must_log_in(
    applicant_client, anon_client, call
):
    sent(call)

    assert applicant_client.get(url("P1-2026")).status_code == 403
    assert anon_client.get(url("P1-2026")).status_code == 401


def test_auditors_read_too_and_an_unknown_challenge_is_404(auditor_client, call):
    assert auditor_client.get(url("P1-2026")).status_code == 200
    assert auditor_client.get(url("NOPE-1")).status_code == 404


def test_the_list_runs_a_constant_number_of_queries(manager_client, call):
    def add(n):
        for _ in range(n):
            sent(call)

    def fetch():
        response = manager_client.get(url("P1-2026"), {"page_size": 100})
        assert response.status_code == 200
        return response

    queries, response = assert_constant_queries(fetch, add, few=1, many=5)
    assert response.data["count"] == 5
