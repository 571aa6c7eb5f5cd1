"""Managers' decisions: starting a round, advancing entries, winners and publication,
and what the public results page then shows."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from wagtail.models import Locale

from challenges.enums import ProposalStatus
from challenges.judging.models import (
    Assignment,
    AssignmentStatus,
    Criterion,
    RoundEntry,
    RoundStatus,
    Winner,
)
from challenges.judging.results import (
    WinnersError,
    advance_entries,
    publish_results,
    round_start,
    rubric_check,
    set_winners,
    status_path,
)
from challenges.judging.seal import round_close
from challenges.models import Proposal
from cms.models import ResultsPage, ResultsPageWinner
from portal.cache import GENERATION_KEY
from portal.errors import Conflict
from portal.models import AuditEvent
from tests.factories import ChallengeFactory, MembershipFactory, UserFactory
from tests.factories.challenges import ProposalFactory, challenge_index, translate
from tests.factories.judging import (
    RoundFactory,
    RoundJurorFactory,
    RubricFactory,
    SubmittedProposalFactory,
)
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def closed_challenge(**fields):
    """A challenge whose deadline passed yesterday."""
    now = timezone.now()
    return ChallengeFactory(
        opens_at=now - timedelta(days=40), closes_at=now - timedelta(days=1), **fields
    )


def setup_round(challenge=None, *, number=1, jurors=3, k=2, **fields):
    """A round being set up, with a panel of `jurors`."""
    challenge = challenge or closed_challenge()
    round_ = RoundFactory(
        challenge=challenge,
        number=number,
        status=RoundStatus.SETUP,
        reviewers_per_entry=k,
        **fields,
    )
    for _n in range(jurors):
        RoundJurorFactory(round=round_)
    return round_


def submitted(challenge, n=1, **fields):
    return [SubmittedProposalFactory(challenge=challenge, **fields) for _n in range(n)]


def statuses(proposals):
    by_pk = dict(
        Proposal.objects.filter(pk__in=[p.pk for p in proposals]).values_list("pk", "status")
    )
    return [by_pk[p.pk] for p in proposals]


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("sequence"))


# Rubrics


@pytest.mark.parametrize(
    ("weights", "total"), [([(50, 5), (30, 5), (10, 5)], 90), ([(60, 5), (50, 5)], 110)]
)
def test_rubric_check_names_the_sum_of_the_weights(weights, total):
    rubric = RubricFactory(criteria=weights)

    with pytest.raises(ValidationError) as error, translation.override("en"):
        rubric_check(rubric)

    assert error.value.message_dict == {
        "criteria": [f"The criteria's weights add up to {total}; they must add up to 100."]
    }


def test_rubric_check_needs_a_criterion_and_accepts_weights_of_100():
    rubric = RubricFactory()
    rubric_check(rubric)  # 50 + 30 + 20

    Criterion.objects.filter(rubric=rubric).delete()
    with pytest.raises(ValidationError) as error, translation.override("en"):
        rubric_check(rubric)
    assert error.value.message_dict == {"criteria": ["A rubric needs at least one criterion."]}


# Starting a round


def test_round_start_enters_every_submitted_proposal_and_assigns_them(manager):
    round_ = setup_round(k=2)
    sent = submitted(round_.challenge, 3)
    draft = ProposalFactory(challenge=round_.challenge)
    withdrawn = SubmittedProposalFactory(
        challenge=round_.challenge, status=ProposalStatus.WITHDRAWN
    )
    elsewhere = submitted(closed_challenge())[0]

    run = round_start(round_, actor=manager)

    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCORING
    assert set(round_.entries.values_list("proposal_id", flat=True)) == {p.pk for p in sent}
    assert statuses(sent) == [ProposalStatus.UNDER_REVIEW] * 3
    assert statuses([draft, withdrawn, elsewhere]) == [
        ProposalStatus.DRAFT,
        ProposalStatus.WITHDRAWN,
        ProposalStatus.SUBMITTED,
    ]
    assert len(run.created) == 6 and run.unfilled == []
    for entry in round_.entries.all():
        assert entry.assignments.filter(status=AssignmentStatus.ASSIGNED).count() == 2
    started = events("round.started")
    assert len(started) == 1
    assert started[0].actor == manager
    assert started[0].data == {
        "from": "setup",
        "to": "scoring",
        "challenge": round_.challenge.code,
        "number": 1,
        "entries": 3,
        "jurors": 3,
    }
    # One event for the batch, naming every proposal it moved.
    (moved,) = events("proposals.transition")
    assert sorted(moved.data["proposals"]) == sorted(p.pk for p in sent)
    assert (moved.data["from"], moved.data["to"], moved.data["round"]) == (
        "submitted",
        "under_review",
        1,
    )
    assert len(events("assignment.run")) == 1


def test_round_start_is_refused_while_submissions_are_open(manager):
    now = timezone.now()
    challenge = ChallengeFactory(
        opens_at=now - timedelta(days=5), closes_at=now + timedelta(hours=2)
    )
    round_ = setup_round(challenge)
    sent = submitted(challenge, 2)

    with pytest.raises(Conflict) as error, translation.override("en"):
        round_start(round_, actor=manager)

    assert "judging starts after the deadline" in error.value.message
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SETUP
    assert not RoundEntry.objects.exists()
    assert statuses(sent) == [ProposalStatus.SUBMITTED] * 2
    assert not AuditEvent.objects.filter(action__in=["round.started", "proposals.transition"])


def test_round_start_is_refused_twice_with_a_short_panel_or_a_bad_rubric(manager):
    started = setup_round(k=1)
    submitted(started.challenge)
    round_start(started, actor=manager)
    with pytest.raises(Conflict):
        round_start(started, actor=manager)

    short = setup_round(jurors=1, k=2)
    submitted(short.challenge)
    with pytest.raises(Conflict) as error, translation.override("en"):
        round_start(short, actor=manager)
    assert error.value.message == "The panel has 1 juror; each entry needs 2. Add jurors first."

    bad = setup_round(rubric__criteria=[(40, 5), (40, 5)])
    submitted(bad.challenge)
    with pytest.raises(ValidationError) as error:
        round_start(bad, actor=manager)
    assert list(error.value.message_dict) == ["criteria"]
    assert not RoundEntry.objects.filter(round__in=[short, bad]).exists()


def test_a_later_round_starts_with_the_entries_advanced_into_it(manager):
    first = setup_round(k=1)
    proposals = submitted(first.challenge, 3)
    round_start(first, actor=manager)
    second = setup_round(first.challenge, number=2, jurors=2, k=1, rubric=first.rubric)

    with pytest.raises(Conflict):  # round 1 is still being scored
        round_start(second, actor=manager)

    round_close(first, actor=manager)
    with pytest.raises(Conflict):  # nothing advanced yet
        round_start(second, actor=manager)

    advance_entries(first, proposals[:2], actor=manager, to_round=second)
    round_start(second, actor=manager)

    assert set(second.entries.values_list("proposal_id", flat=True)) == {
        p.pk for p in proposals[:2]
    }
    assert Assignment.objects.filter(round=second).count() == 2


# Advancing


@pytest.fixture
def two_rounds(manager):
    """Round 1 closed with three entries; round 2 being set up."""
    first = setup_round(k=1)
    proposals = submitted(first.challenge, 3)
    round_start(first, actor=manager)
    round_close(first, actor=manager)
    second = setup_round(first.challenge, number=2, jurors=2, k=1, rubric=first.rubric)
    return first, second, proposals


def test_advancing_shortlists_entries_into_the_next_round(manager, two_rounds):
    first, second, proposals = two_rounds

    created = advance_entries(
        first, [proposals[0], proposals[2].pk], actor=manager, to_round=second
    )

    assert {e.proposal_id for e in created} == {proposals[0].pk, proposals[2].pk}
    assert statuses(proposals) == [
        ProposalStatus.SHORTLISTED,
        ProposalStatus.UNDER_REVIEW,
        ProposalStatus.SHORTLISTED,
    ]
    (event,) = events("round.advanced")
    assert event.actor == manager
    assert event.data == {
        "challenge": first.challenge.code,
        "from_round": 1,
        "to_round": 2,
        "proposals": sorted([proposals[0].reference, proposals[2].reference]),
    }
    # Advancing one again changes nothing.
    assert advance_entries(first, [proposals[0]], actor=manager, to_round=second) == []
    assert second.entries.count() == 2


def test_advancing_only_from_a_sealed_round_into_the_next_one_being_set_up(manager, two_rounds):
    first, second, proposals = two_rounds
    third = setup_round(first.challenge, number=3, rubric=first.rubric)
    stranger = submitted(first.challenge)[0]  # never entered round 1

    with pytest.raises(ValidationError) as error:
        advance_entries(first, proposals[:1], actor=manager, to_round=third)
    assert list(error.value.message_dict) == ["to_round"]
    with pytest.raises(ValidationError) as error:
        advance_entries(first, [stranger], actor=manager, to_round=second)
    assert list(error.value.message_dict) == ["proposals"]
    with pytest.raises(ValidationError):
        advance_entries(first, [], actor=manager, to_round=second)
    with pytest.raises(Conflict):  # round 2 is not closed
        advance_entries(second, proposals[:1], actor=manager, to_round=third)

    advance_entries(first, proposals[:1], actor=manager, to_round=second)
    round_start(second, actor=manager)
    with pytest.raises(Conflict):  # round 2 has started
        advance_entries(first, proposals[1:2], actor=manager, to_round=second)
    assert statuses(proposals[1:]) == [ProposalStatus.UNDER_REVIEW] * 2
    assert len(events("round.advanced")) == 1


# Winners and publication


def member(organization, language):
    user = UserFactory(preferred_language=language)
    MembershipFactory(organization=organization, user=user)
    return user


@pytest.fixture
def judged(manager):
    """One round, closed, with three entries from three organisations."""
    round_ = setup_round(k=1, challenge=closed_challenge(code="STARTUP-2026"))
    proposals = [
        SubmittedProposalFactory(challenge=round_.challenge, title=title)
        for title in ("AgriTrace", "Cảng thông minh", "Học STEM")
    ]
    round_start(round_, actor=manager)
    round_close(round_, actor=manager)
    return round_, proposals


def test_set_winners_replaces_the_winners_with_entries_of_the_last_closed_round(manager, judged):
    round_, proposals = judged
    challenge = round_.challenge
    set_winners(
        challenge,
        [{"proposal": proposals[2], "position": 3, "prize": "Giải Ba"}],
        actor=manager,
    )

    set_winners(
        challenge,
        [
            {
                "proposal": proposals[0],
                "position": 1,
                "prize": "Giải Nhất",
                "prize_en": "First prize",
                "amount_vnd": 100_000_000,
            },
            {"proposal": proposals[1].pk, "position": 2, "prize": "Giải Nhì"},
        ],
        actor=manager,
    )

    assert list(
        Winner.objects.filter(challenge=challenge)
        .order_by("position")
        .values_list("proposal_id", "prize", "prize_en", "amount_vnd")
    ) == [
        (proposals[0].pk, "Giải Nhất", "First prize", 100_000_000),
        (proposals[1].pk, "Giải Nhì", "", None),
    ]
    last = events("results.winners_set")[-1]
    assert last.actor == manager
    assert last.data["winners"] == [
        [proposals[0].reference, 1, "Giải Nhất", 100_000_000],
        [proposals[1].reference, 2, "Giải Nhì", None],
    ]


def test_bad_winners_are_field_errors_per_row_and_nothing_changes(manager, judged):
    round_, proposals = judged
    stranger = submitted(round_.challenge)[0]
    set_winners(round_.challenge, [{"proposal": proposals[0], "prize": "Giải Nhất"}], actor=manager)

    with pytest.raises(WinnersError) as error, translation.override("en"):
        set_winners(
            round_.challenge,
            [
                {"proposal": proposals[1], "prize": "Giải Nhì", "amount_vnd": 5_000_000},
                {"proposal": stranger, "prize": "Giải Ba"},
                {"proposal": proposals[2], "prize": "", "amount_vnd": -5},
                {"proposal": proposals[1], "prize": "Giải Nhì", "amount_vnd": 1.5},
            ],
            actor=manager,
        )

    assert error.value.item_errors[0] == {}
    assert list(error.value.item_errors[1]) == ["proposal"]
    assert set(error.value.item_errors[2]) == {"prize", "amount_vnd"}
    assert set(error.value.item_errors[3]) == {"proposal", "amount_vnd"}
    assert error.value.message_dict["winners"][0] == (
        "Row 2: Choose an entry of the last closed round, “Vòng sơ loại”."
    )
    assert list(Winner.objects.values_list("proposal_id", flat=True)) == [proposals[0].pk]


def test_winners_wait_for_a_closed_round(manager):
    round_ = setup_round(k=1)
    proposal = submitted(round_.challenge)[0]
    round_start(round_, actor=manager)

    with pytest.raises(Conflict):
        set_winners(round_.challenge, [{"proposal": proposal, "prize": "Giải"}], actor=manager)


def test_publish_needs_every_round_closed_and_a_winner(manager, judged):
    round_, proposals = judged
    challenge = round_.challenge
    with pytest.raises(Conflict):  # no winner yet
        publish_results(challenge, actor=manager)

    set_winners(challenge, [{"proposal": proposals[0], "prize": "Giải Nhất"}], actor=manager)
    later = setup_round(challenge, number=2, rubric=round_.rubric)
    with pytest.raises(Conflict) as error, translation.override("en"):
        publish_results(challenge, actor=manager)
    assert error.value.message == f"Close and seal every round first: {later.name}."

    challenge.refresh_from_db()
    assert challenge.results_published_at is None
    assert statuses(proposals) == [ProposalStatus.UNDER_REVIEW] * 3


def test_publishing_settles_every_proposal_and_tells_each_organisation_in_its_language(
    manager, judged, django_capture_on_commit_callbacks
):
    round_, proposals = judged
    challenge = round_.challenge
    vietnamese = member(proposals[0].organization, "vi")
    english = member(proposals[0].organization, "en")
    loser = member(proposals[1].organization, "en")
    set_winners(
        challenge,
        [
            {
                "proposal": proposals[0],
                "prize": "Giải Nhất",
                "prize_en": "First prize",
                "amount_vnd": 100_000_000,
            }
        ],
        actor=manager,
    )
    generation = cache.get(GENERATION_KEY)

    with django_capture_on_commit_callbacks(execute=True):
        publish_results(challenge, actor=manager)

    challenge.refresh_from_db()
    assert challenge.results_published_at is not None
    assert timezone.now() - challenge.results_published_at < timedelta(minutes=1)
    # A one-round contest's winner goes straight from review to WINNER.
    assert statuses(proposals) == [
        ProposalStatus.WINNER,
        ProposalStatus.NOT_SELECTED,
        ProposalStatus.NOT_SELECTED,
    ]
    steps = [
        (e.data["from"], e.data["to"])
        for e in events("proposals.transition")
        if proposals[0].pk in e.data["proposals"]
    ]
    assert steps[-1] == ("under_review", "winner")
    (published,) = events("results.published")
    assert published.actor == manager
    assert published.data == {
        "code": "STARTUP-2026",
        "winners": [proposals[0].reference],
        "not_selected": 2,
    }
    assert cache.get(GENERATION_KEY) != generation  # public pages dropped

    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {vietnamese.email, english.email, loser.email}
    vi = by_address[vietnamese.email]
    # Vietnamese: the prize's own name, amounts the Vietnamese way, no language prefix.
    assert "Giải Nhất" in vi.body and "100.000.000 đồng" in vi.body
    assert "First prize" not in vi.body
    assert "/dashboard/proposals/" in vi.body and "/en/" not in vi.body
    en = by_address[english.email]
    assert en.subject == "The results of STARTUP-2026 are published"
    assert f"{proposals[0].reference} · AgriTrace: winner, First prize (100,000,000 VND)" in en.body
    assert "/en/dashboard/proposals/" in en.body
    assert (
        f"{proposals[1].reference} · Cảng thông minh: not selected" in by_address[loser.email].body
    )
    assert "AgriTrace" not in by_address[loser.email].body

    with pytest.raises(Conflict):
        publish_results(challenge, actor=manager)
    with pytest.raises(Conflict):
        set_winners(challenge, [], actor=manager)


def test_publishing_after_two_rounds_crowns_the_shortlisted_winner(manager, two_rounds):
    first, second, proposals = two_rounds
    advance_entries(first, proposals[:2], actor=manager, to_round=second)
    round_start(second, actor=manager)
    round_close(second, actor=manager)

    with pytest.raises(WinnersError):  # winners come from the last round
        set_winners(first.challenge, [{"proposal": proposals[2], "prize": "Giải"}], actor=manager)
    set_winners(first.challenge, [{"proposal": proposals[1], "prize": "Giải Nhất"}], actor=manager)
    publish_results(first.challenge, actor=manager)

    assert statuses(proposals) == [
        ProposalStatus.NOT_SELECTED,
        ProposalStatus.WINNER,
        ProposalStatus.NOT_SELECTED,
    ]


def test_status_path_follows_the_transition_table():
    assert status_path("under_review", "not_selected") == ["not_selected"]
    assert status_path("under_review", "winner") == ["winner"]
    assert status_path("submitted", "winner") == ["under_review", "winner"]
    assert status_path("withdrawn", "winner") is None


# The public results page


def results_pages(challenge):
    page = challenge_index(Locale.objects.get(language_code="vi")).add_child(
        instance=ResultsPage(challenge=challenge, title="Kết quả", slug="ket-qua")
    )
    page.winner_rows = [
        ResultsPageWinner(prize="Giải biên tập", name="Dự án cũ", organization_name="Cũ")
    ]
    page.save_revision().publish()
    challenge_index(Locale.objects.get(language_code="en"))  # a live parent in English
    english = translate(page, "en", title="Results", slug="results")
    return page, ResultsPage.objects.get(pk=english.pk)


def test_results_page_shows_the_judged_winners_in_both_languages(client, manager, judged):
    round_, proposals = judged
    challenge = round_.challenge
    page, english = results_pages(challenge)
    organization = proposals[0].organization
    challenge.results_published_at = timezone.now()
    challenge.save()

    def render(url):
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    # Until judging chose winners, the editors' rows; the query count is the same after.
    render(page.url)  # warm per-process caches (site root paths, locales)
    queries_before, response = count_queries(client.get, page.url)
    assert "Dự án cũ" in response.content.decode()

    challenge.results_published_at = None
    challenge.save()
    set_winners(
        challenge,
        [
            {
                "proposal": proposals[1],
                "position": 2,
                "prize": "Giải Nhì",
                "prize_en": "Second prize",
            },
            {
                "proposal": proposals[0],
                "position": 1,
                "prize": "Giải Nhất",
                "prize_en": "First prize",
                "amount_vnd": 100_000_000,
            },
        ],
        actor=manager,
    )
    publish_results(challenge, actor=manager)

    vi = render(page.url)
    en = render(english.url)
    queries_after, _response = count_queries(client.get, page.url)

    assert "Dự án cũ" not in vi
    assert (
        f'<th scope="row">Giải Nhất</th><td>AgriTrace</td><td>{organization.legal_name}</td>' in vi
    )
    assert "100.000.000 đồng" in vi
    assert vi.index("Giải Nhất") < vi.index("Giải Nhì")
    assert (
        f'<th scope="row">First prize</th><td>AgriTrace</td><td>{organization.legal_name}</td>'
        in en
    )
    assert "Second prize" in en and "Giải Nhì" not in en
    assert queries_after == queries_before
    # The judging record: the closed round's seal, which anyone can check.
    round_.refresh_from_db()
    assert len(round_.sealed_digest) == 64
    assert f'<code class="hash">{round_.sealed_digest}</code>' in vi
    assert round_.sealed_digest in en and "Judging record" in en
