"""Judging in the Wagtail admin: rubrics, rounds, jurors, and each round's judging page
with its decisions, for programme managers only."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from challenges.enums import ProposalStatus
from challenges.judging import services
from challenges.judging.models import (
    Assignment,
    AssignmentStatus,
    JurorAffiliation,
    JurorProfile,
    RoundEntry,
    RoundJuror,
    RoundStatus,
    Rubric,
    Score,
    Winner,
)
from challenges.judging.results import round_start
from challenges.judging.seal import round_close
from portal.models import AuditEvent
from tests.factories import ChallengeFactory, OrganizationFactory
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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ROUNDS = "wagtailsnippets_challenges_round"
RUBRICS = "wagtailsnippets_challenges_rubric"


def url(name, *args):
    return reverse(f"{ROUNDS}:{name}", args=args)


def html(response, status=200):
    assert response.status_code == status, response.status_code
    return response.content.decode()


def actions():
    return list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))


def closed_challenge(**fields):
    now = timezone.now()
    return ChallengeFactory(
        opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=1), **fields
    )


def give(assignment, values):
    """Score and submit through the juror's services."""
    criteria = assignment.round.rubric.criteria.order_by("sort_order")
    services.sheet_save(
        assignment,
        actor=assignment.juror,
        scores=[{"criterion": c.pk, "value": v} for c, v in zip(criteria, values, strict=True)],
    )
    services.sheet_submit(assignment, actor=assignment.juror)


@pytest.fixture
def scoring(manager):
    """Round 1 of a closed challenge, started: two entries, two jurors each (k=2), one
    more juror affiliated with the first entry's organisation (a conflict), one sheet
    submitted."""
    challenge = closed_challenge(code="P7-2026")
    round_ = RoundFactory(challenge=challenge, status=RoundStatus.SETUP, reviewers_per_entry=2)
    first = SubmittedProposalFactory(
        challenge=challenge, title="Cảm biến nước thải", reference="P7-2026-0001"
    )
    second = SubmittedProposalFactory(
        challenge=challenge, title="Đèn giao thông thông minh", reference="P7-2026-0002"
    )
    jurors = [JurorFactory(full_name=name) for name in ("Trần An", "Lê Bình", "Phạm Chi")]
    JurorAffiliation.objects.create(
        user=jurors[2],
        tax_code=first.organization.tax_code,
        organization_name=first.organization.legal_name,
    )
    for juror in jurors:
        RoundJurorFactory(round=round_, user=juror)
    round_start(round_, actor=manager)
    sheet = Assignment.objects.filter(round=round_, entry__proposal=first).first()
    give(sheet, [5, 4, 3])
    round_.refresh_from_db()
    return round_, [first, second], jurors


# Who may see it


def test_judging_page_shows_progress_conflicts_and_the_ranking(client, manager, scoring):
    round_, (first, second), jurors = scoring
    client.force_login(manager)

    page = html(client.get(url("judging", round_.pk)))

    assert 'data-round-status="scoring"' in page
    for juror in jurors:
        assert juror.full_name in page
    # The affiliated juror's automatic conflict, with its reason.
    assert "Phạm Chi" in page and f"(tax code {first.organization.tax_code})" in page
    # The ranking: the scored entry first, with its organisation and numbers.
    assert page.index("P7-2026-0001") < page.index("P7-2026-0002")
    assert first.organization.legal_name in page
    assert "Ties are broken by the higher mean" in page
    assert url("entry", round_.pk, RoundEntry.objects.get(proposal=first).pk) in page
    for what in ("ranking-csv", "ranking-xlsx", "scores-csv", "scores-xlsx"):
        assert url("download", round_.pk, what) in page
    assert url("close", round_.pk) in page and url("assign", round_.pk) in page
    assert url("start", round_.pk) not in page


def test_a_juror_or_a_fund_officer_is_refused_every_judging_view(client, juror, officer, scoring):
    round_, _proposals, _jurors = scoring
    entry = round_.entries.first()
    views = [
        ("get", url("judging", round_.pk)),
        ("get", url("entry", round_.pk, entry.pk)),
        ("get", url("close", round_.pk)),
        ("get", url("download", round_.pk, "scores-csv")),
        ("post", url("assign", round_.pk)),
        ("post", url("close", round_.pk)),
        ("post", url("publish", round_.pk)),
        ("get", reverse(f"{RUBRICS}:list")),
    ]
    before = actions()
    # A juror has no admin access at all: Wagtail sends them to its login. A fund
    # officer has, without the judging permission: Wagtail's "permission denied"
    # sends them to the dashboard.
    for user, landing in ((juror, "/admin/login/?next="), (officer, "/admin/")):
        client.force_login(user)
        for method, path in views:
            response = getattr(client, method)(path)
            assert response.status_code == 302, (user, path)
            assert response["Location"].split(path)[0] == landing, (user, path)
    assert actions() == before
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCORING


@pytest.mark.parametrize("status", [RoundStatus.SETUP, RoundStatus.SCORING, RoundStatus.CLOSED])
def test_the_judging_page_runs_a_constant_number_of_queries(client, manager, status):
    round_ = RoundFactory(status=status)
    criteria = list(round_.rubric.criteria.all())
    client.force_login(manager)

    def add_rows(n):
        for _n in range(n):
            sheet = AssignmentFactory(
                entry=RoundEntryFactory(round=round_),
                status=AssignmentStatus.SUBMITTED,
                submitted_at=timezone.now(),
            )
            Score.objects.bulk_create(
                Score(assignment=sheet, criterion=c, value=3) for c in criteria
            )

    queries, response = assert_constant_queries(
        lambda: client.get(url("judging", round_.pk)), add_rows, few=1, many=30
    )

    page = response.content.decode()
    assert page.count("<tr data-entry=") == 30
    assert ("data-conflicts" in page) == (status != RoundStatus.CLOSED)
    assert ('name="winners-0-proposal"' in page) == (status == RoundStatus.CLOSED)
    assert queries <= 15, queries


# Decisions, each audited


def test_start_enters_the_submitted_proposals_and_assigns_them(client, manager):
    round_ = RoundFactory(
        challenge=closed_challenge(), status=RoundStatus.SETUP, reviewers_per_entry=1
    )
    proposal = SubmittedProposalFactory(challenge=round_.challenge)
    RoundJurorFactory(round=round_)
    client.force_login(manager)
    assert url("start", round_.pk) in html(client.get(url("judging", round_.pk)))

    response = client.post(url("start", round_.pk), follow=True)

    assert "The round is open for scoring." in html(response)
    assert "Assignment run: 1 assigned, 0 released, 0 kept." in html(response)
    round_.refresh_from_db()
    proposal.refresh_from_db()
    assert round_.status == RoundStatus.SCORING
    assert proposal.status == ProposalStatus.UNDER_REVIEW
    assert {"round.started", "assignment.run", "proposals.transition"} <= set(actions())


def test_start_while_submissions_are_open_is_refused_with_the_reason(client, manager):
    round_ = RoundFactory(status=RoundStatus.SETUP)  # the factory's challenge is open
    round_.challenge.closes_at = timezone.now() + timedelta(days=2)
    round_.challenge.save()
    RoundJurorFactory.create_batch(3, round=round_)
    client.force_login(manager)

    response = client.post(url("start", round_.pk), follow=True)

    assert "judging starts after the deadline" in html(response)
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SETUP
    assert "round.started" not in actions()


def test_panel_and_manual_overrides(client, manager, scoring):
    round_, (first, second), jurors = scoring
    newcomer = JurorFactory(full_name="Vũ Dung")
    client.force_login(manager)

    choices = html(client.get(url("panel_add", round_.pk)))
    assert f'<option value="{newcomer.pk}">' in choices
    assert f'<option value="{jurors[0].pk}">' not in choices  # already on the panel
    html(client.post(url("panel_add", round_.pk), {"user": newcomer.pk}, follow=True))
    assert RoundJuror.objects.filter(round=round_, user=newcomer, withdrawn_at=None).exists()

    entry = RoundEntry.objects.get(proposal=second)
    page = html(client.get(url("entry", round_.pk, entry.pk)))
    assert f'<option value="{newcomer.pk}">' in page
    html(client.post(url("entry_assign", round_.pk, entry.pk), {"user": newcomer.pk}, follow=True))
    pinned = Assignment.objects.get(entry=entry, juror=newcomer)
    assert (pinned.status, pinned.source) == (AssignmentStatus.ASSIGNED, Assignment.Source.MANUAL)

    page = html(client.post(url("entry_unassign", round_.pk, entry.pk, pinned.pk), follow=True))
    pinned.refresh_from_db()
    assert pinned.status == AssignmentStatus.RELEASED

    # The affiliated juror cannot be given the entry of the organisation they work for.
    conflicted = RoundEntry.objects.get(proposal=first)
    page = html(client.get(url("entry", round_.pk, conflicted.pk)))
    assert f'<option value="{jurors[2].pk}">' not in page
    assert "Works or worked for" in page
    client.post(url("entry_assign", round_.pk, conflicted.pk), {"user": jurors[2].pk})
    assert not Assignment.objects.filter(entry=conflicted, juror=jurors[2]).exists()

    html(client.post(url("panel_withdraw", round_.pk, newcomer.pk), follow=True))
    assert RoundJuror.objects.get(round=round_, user=newcomer).withdrawn_at is not None
    response = html(client.post(url("assign", round_.pk), follow=True))
    assert "Assignment run:" in response

    done = actions()
    for action in (
        "round.juror_joined",
        "assignment.manual_assign",
        "assignment.manual_unassign",
        "round.juror_withdrawn",
        "assignment.run",
    ):
        assert action in done, action


def test_close_asks_for_confirmation_then_seals(client, manager, scoring):
    round_, _proposals, _jurors = scoring
    client.force_login(manager)

    confirm = html(client.get(url("close", round_.pk)))
    assert (
        "Submitted score sheets: 1. Reviews still pending, left out of the results: 3." in confirm
    )
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCORING

    page = html(client.post(url("close", round_.pk), follow=True))

    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    assert len(round_.sealed_digest) == 64
    assert f"<code data-digest>{round_.sealed_digest}</code>" in page
    assert url("download", round_.pk, "seal") in page
    assert "round.closed" in actions()
    seal = client.get(url("download", round_.pk, "seal"))
    assert seal.status_code == 200
    assert b'"format":"round-seal/1"' in b"".join(seal.streaming_content)


def test_seal_download_waits_for_the_seal(client, manager, scoring):
    round_, _proposals, _jurors = scoring
    client.force_login(manager)

    assert client.get(url("download", round_.pk, "seal")).status_code == 404
    ranking = client.get(url("download", round_.pk, "ranking-csv"))
    assert ranking.status_code == 200
    assert "P7-2026-0001" in b"".join(ranking.streaming_content).decode()


def test_advance_winners_and_publish_from_the_judging_pages(
    client, manager, scoring, django_capture_on_commit_callbacks
):
    round_, (first, second), _jurors = scoring
    round_close(round_, actor=manager)
    final = RoundFactory(
        challenge=round_.challenge,
        number=2,
        name="Chung kết",
        rubric=round_.rubric,
        status=RoundStatus.SETUP,
        reviewers_per_entry=1,
    )
    RoundJurorFactory(round=final)
    client.force_login(manager)

    page = html(client.get(url("judging", round_.pk)))
    assert 'name="proposals"' in page and "Chung kết" in page
    html(client.post(url("advance", round_.pk), {"proposals": [first.pk]}, follow=True))
    assert list(final.entries.values_list("proposal_id", flat=True)) == [first.pk]
    first.refresh_from_db()
    assert first.status == ProposalStatus.SHORTLISTED

    html(client.post(url("start", final.pk), follow=True))
    html(client.post(url("close", final.pk), follow=True))
    page = html(client.get(url("judging", final.pk)))
    assert 'name="winners-0-proposal"' in page and url("publish", final.pk) in page

    form = {
        "winners-TOTAL_FORMS": "2",
        "winners-INITIAL_FORMS": "0",
        "winners-0-proposal": str(first.pk),
        "winners-0-position": "1",
        "winners-0-prize": "Giải Nhất",
        "winners-0-prize_en": "First prize",
        "winners-0-amount_vnd": "100.000.000",
        "winners-1-proposal": "",
    }
    html(client.post(url("winners", final.pk), form, follow=True))
    (winner,) = Winner.objects.all()
    assert (winner.proposal_id, winner.prize_en, winner.amount_vnd) == (
        first.pk,
        "First prize",
        100_000_000,
    )

    confirm = html(client.get(url("publish", final.pk)))
    assert "Giải Nhất" in confirm and first.reference in confirm
    with django_capture_on_commit_callbacks(execute=True):
        html(client.post(url("publish", final.pk), follow=True))

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ProposalStatus.WINNER, ProposalStatus.NOT_SELECTED)
    assert round_.challenge.__class__.objects.get(pk=round_.challenge_id).results_published_at
    for action in ("round.advanced", "results.winners_set", "results.published"):
        assert action in actions(), action


def test_a_winner_outside_the_round_is_shown_beside_its_row(client, manager, scoring):
    round_, (first, _second), _jurors = scoring
    round_close(round_, actor=manager)
    stranger = SubmittedProposalFactory(challenge=round_.challenge)
    client.force_login(manager)

    form = {
        "winners-TOTAL_FORMS": "1",
        "winners-INITIAL_FORMS": "0",
        "winners-0-proposal": str(first.pk),
        "winners-0-prize": "",
        "winners-0-amount_vnd": "5.000.000",
    }
    page = html(client.post(url("winners", round_.pk), form), status=400)

    assert "The winners could not be saved" in page
    assert '<p class="error-message">Name the prize.</p>' in page
    assert not Winner.objects.exists()
    form |= {"winners-0-prize": "Giải Ba", "winners-0-amount_vnd": "0"}
    html(client.post(url("winners", round_.pk), form), status=400)
    form |= {"winners-0-proposal": str(stranger.pk), "winners-0-amount_vnd": ""}  # not an entry
    html(client.post(url("winners", round_.pk), form), status=400)
    assert not Winner.objects.exists()
    assert "results.winners_set" not in actions()


# Rubrics, rounds and jurors


def rubric_form(challenge, weights, **extra):
    data = {
        "challenge": str(challenge.pk),
        "name": "Tiêu chí vòng chung kết",
        "criteria-TOTAL_FORMS": str(len(weights)),
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for n, weight in enumerate(weights):
        data |= {
            f"criteria-{n}-name": f"Tiêu chí {n + 1}",
            f"criteria-{n}-name_en": f"Criterion {n + 1}",
            f"criteria-{n}-description": "",
            f"criteria-{n}-weight": str(weight),
            f"criteria-{n}-max_score": "5",
            f"criteria-{n}-guidance_low": "",
            f"criteria-{n}-guidance_mid": "",
            f"criteria-{n}-guidance_high": "",
            f"criteria-{n}-ORDER": str(n + 1),
            f"criteria-{n}-id": "",
            f"criteria-{n}-DELETE": "",
        }
    return data | extra


def test_rubric_weights_must_add_up_to_100_in_the_admin(client, manager):
    challenge = ChallengeFactory()
    client.force_login(manager)

    assert "criteria-TOTAL_FORMS" in html(client.get(reverse(f"{RUBRICS}:add")))
    refused = client.post(reverse(f"{RUBRICS}:add"), rubric_form(challenge, [60, 30]))

    assert "The criteria&#x27;s weights add up to 90; they must add up to 100." in html(refused)
    assert not Rubric.objects.exists()

    saved = client.post(reverse(f"{RUBRICS}:add"), rubric_form(challenge, [60, 30, 10]))

    assert saved.status_code == 302
    rubric = Rubric.objects.get()
    assert list(rubric.criteria.order_by("sort_order").values_list("weight", flat=True)) == [
        60,
        30,
        10,
    ]
    listing = html(client.get(reverse(f"{RUBRICS}:list")))
    assert "Tiêu chí vòng chung kết" in listing
    assert re.search(r"<td[^>]*>\s*100\s*</td>", listing)  # the weights' total


def test_a_scored_rubric_is_locked_and_says_so(client, manager, scoring):
    round_, _proposals, _jurors = scoring
    rubric = round_.rubric
    criteria = list(rubric.criteria.order_by("sort_order"))
    client.force_login(manager)
    edit = reverse(f"{RUBRICS}:edit", args=[rubric.pk])

    assert "data-rubric-locked" in html(client.get(edit))
    data = rubric_form(round_.challenge, [40, 40, 20], name="Đổi tên")
    data["criteria-INITIAL_FORMS"] = "3"
    for n, criterion in enumerate(criteria):
        data[f"criteria-{n}-id"] = str(criterion.pk)
    page = html(client.post(edit, data))

    assert "This rubric is locked: jurors have scored against it." in page
    rubric.refresh_from_db()
    assert rubric.name != "Đổi tên"
    assert sorted(rubric.criteria.values_list("weight", flat=True)) == [20, 30, 50]
    # A rubric nobody has scored against shows no lock.
    fresh = RubricFactory(challenge=round_.challenge)
    assert "data-rubric-locked" not in html(client.get(reverse(f"{RUBRICS}:edit", args=[fresh.pk])))


def test_a_round_uses_a_rubric_of_its_own_challenge(client, manager):
    challenge = ChallengeFactory()
    foreign = RubricFactory()
    own = RubricFactory(challenge=challenge)
    client.force_login(manager)
    local = timezone.localtime()
    data = {
        "challenge": str(challenge.pk),
        "number": "1",
        "name": "Vòng sơ loại",
        "name_en": "Screening",
        "rubric": str(foreign.pk),
        "reviewers_per_entry": "3",
        "opens_at": (local + timedelta(days=41)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (local + timedelta(days=60)).strftime("%Y-%m-%d %H:%M"),
        "ranking_method": "normalised",
        "disagreement_threshold": "25",
    }

    assert 'name="rubric"' in html(client.get(url("add")))
    refused = client.post(url("add"), data)

    assert "Choose one of this challenge&#x27;s rubrics." in html(refused)
    response = client.post(url("add"), data | {"rubric": str(own.pk)})
    assert response.status_code == 302
    round_ = challenge.rounds.get()
    assert (round_.rubric, round_.status, round_.ranking_method) == (own, "setup", "normalised")
    # The round's listing links to its judging page; the challenge's to its rounds.
    assert url("judging", round_.pk) in html(client.get(url("list")))
    challenges = html(client.get("/admin/snippets/challenges/challenge/"))
    assert f"{url('list')}?challenge={challenge.pk}" in challenges


def test_a_sealed_round_shows_its_seal_and_keeps_its_rubric_and_dates(client, manager, scoring):
    round_, _proposals, _jurors = scoring
    round_close(round_, actor=manager)
    round_.refresh_from_db()
    client.force_login(manager)

    page = html(client.get(url("edit", round_.pk)))

    assert round_.sealed_digest in page
    assert re.search(r'<select name="rubric"[^>]*disabled', page)
    other = RubricFactory(challenge=round_.challenge)
    data = {
        "challenge": str(round_.challenge_id),
        "number": "1",
        "name": "Vòng sơ loại (đổi tên)",
        "name_en": "Screening",
        "rubric": str(other.pk),
        "reviewers_per_entry": "5",
        "opens_at": "2020-01-01 08:00",
        "closes_at": "2020-01-02 08:00",
        "ranking_method": "trimmed",
        "disagreement_threshold": "10",
    }
    client.post(url("edit", round_.pk), data)
    before = round_
    round_ = type(round_).objects.get(pk=round_.pk)
    assert round_.name == "Vòng sơ loại (đổi tên)"
    assert (round_.rubric_id, round_.reviewers_per_entry, round_.ranking_method) == (
        before.rubric_id,
        before.reviewers_per_entry,
        before.ranking_method,
    )
    assert (round_.closes_at, round_.status, round_.sealed_digest) == (
        before.closes_at,
        RoundStatus.CLOSED,
        before.sealed_digest,
    )


def test_a_started_round_cannot_be_deleted(client, manager, scoring):
    round_, _proposals, _jurors = scoring
    client.force_login(manager)

    client.post(url("delete", round_.pk))

    assert type(round_).objects.filter(pk=round_.pk).exists()


def test_juror_profiles_take_sectors_and_affiliations_normalised_tax_codes(client, manager):
    juror = JurorFactory.create(expertise=None)
    JurorProfile.objects.filter(user=juror).delete()
    organization = OrganizationFactory()
    client.force_login(manager)

    form = html(client.get("/admin/snippets/challenges/jurorprofile/add/"))
    assert 'type="checkbox" name="expertise" value="agriculture"' in form
    response = client.post(
        "/admin/snippets/challenges/jurorprofile/add/",
        {"user": str(juror.pk), "expertise": ["agriculture", "transport"]},
    )
    assert response.status_code == 302
    assert JurorProfile.objects.get(user=juror).expertise == ["agriculture", "transport"]

    typed = organization.tax_code.replace("", " ").strip()  # "0 1 0 ..." as people type
    response = client.post(
        "/admin/snippets/challenges/juroraffiliation/add/",
        {"user": str(juror.pk), "tax_code": typed, "organization_name": "", "until": ""},
    )
    assert response.status_code == 302, response.context["form"].errors
    assert JurorAffiliation.objects.get(user=juror).tax_code == organization.tax_code

    refused = client.post(
        "/admin/snippets/challenges/juroraffiliation/add/",
        {"user": str(juror.pk), "tax_code": "12345", "organization_name": "", "until": ""},
    )
    assert refused.status_code == 200
    assert JurorAffiliation.objects.count() == 1
    assert organization.tax_code in html(client.get("/admin/snippets/challenges/juroraffiliation/"))
    listing = html(client.get("/admin/snippets/challenges/jurorprofile/"))
    assert juror.email in listing
