"""The assignment run, the panel joining and leaving, and managers' manual overrides."""

import os
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from challenges.judging import services
from challenges.judging.assignment import (
    assign_manually,
    juror_join,
    juror_withdraw,
    run_assignment,
    unassign_manually,
)
from challenges.judging.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    RoundJuror,
    RoundStatus,
)
from portal.errors import Conflict
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory
from tests.factories.judging import JurorFactory, RoundEntryFactory, RoundFactory
from tests.helpers import count_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# Building rounds


@pytest.fixture
def manager():
    return UserFactory(role=Role.PROGRAMME_MANAGER)


def seat(round_, expertise=()):
    """A new juror on the round's panel."""
    juror = JurorFactory(expertise=list(expertise))
    RoundJuror.objects.create(round=round_, user=juror)
    return juror


def entries(round_, n, sector=None):
    extra = {"proposal__organization__sector": sector} if sector else {}
    return [RoundEntryFactory(round=round_, **extra) for _ in range(n)]


def build(*, n_entries, n_jurors, k, status=RoundStatus.SCORING):
    round_ = RoundFactory(reviewers_per_entry=k, status=status)
    return round_, entries(round_, n_entries), [seat(round_) for _ in range(n_jurors)]


def active(round_):
    return Assignment.objects.filter(round=round_, status__in=ACTIVE_ASSIGNMENT_STATUSES)


def pairs(round_):
    return set(active(round_).values_list("entry_id", "juror_id"))


def per_entry(round_):
    return Counter(active(round_).values_list("entry_id", flat=True))


def loads(round_, jurors):
    counts = Counter(active(round_).values_list("juror_id", flat=True))
    return {juror.pk: counts[juror.pk] for juror in jurors}


def snapshot(round_):
    return set(
        Assignment.objects.filter(round=round_).values_list(
            "pk", "entry_id", "juror_id", "status", "source", "updated_at"
        )
    )


def draft(assignment):
    criterion = assignment.round.rubric.criteria.first()
    return services.sheet_save(
        assignment, actor=assignment.juror, scores=[{"criterion": criterion.pk, "value": 3}]
    )


def submit(assignment):
    scores = [{"criterion": c.pk, "value": 4} for c in assignment.round.rubric.criteria.all()]
    services.sheet_save(assignment, actor=assignment.juror, scores=scores)
    return services.sheet_submit(assignment, actor=assignment.juror)


# The run's properties


def test_run_gives_each_entry_k_jurors_with_loads_within_one(manager):
    round_, round_entries, jurors = build(n_entries=10, n_jurors=4, k=3)

    result = run_assignment(round_, actor=manager)

    assert per_entry(round_) == {entry.pk: 3 for entry in round_entries}
    assert sorted(loads(round_, jurors).values()) == [7, 7, 8, 8]
    assert len(result.created) == 30 and result.released == [] and result.unfilled == []
    assert result.kept == 0 and result.seconds >= 0
    assert set(Assignment.objects.values_list("source", flat=True)) == {"auto"}


def test_run_writes_one_audit_event_with_the_rows_it_created(manager):
    round_, _entries, _jurors = build(n_entries=3, n_jurors=2, k=1)

    result = run_assignment(round_, actor=manager)

    event = AuditEvent.objects.get(action="assignment.run")
    rows = Assignment.objects.order_by("entry_id", "juror_id")
    assert event.actor == manager and event.object_id == str(round_.pk)
    assert event.data["created"] == [[a.pk, a.entry_id, a.juror_id] for a in rows]
    assert event.data["released"] == [] and event.data["unfilled"] == []
    assert [list(row) for row in result.created] == event.data["created"]


def test_run_gives_what_there_is_and_reports_entries_short_of_jurors(manager):
    round_, round_entries, jurors = build(n_entries=3, n_jurors=2, k=3)

    result = run_assignment(round_, actor=manager)

    assert per_entry(round_) == {entry.pk: 2 for entry in round_entries}
    assert result.unfilled == sorted(entry.pk for entry in round_entries)
    assert AuditEvent.objects.get(action="assignment.run").data["unfilled"] == result.unfilled


def test_run_prefers_jurors_whose_expertise_matches_the_entry(manager):
    round_ = RoundFactory(reviewers_per_entry=2)
    green = entries(round_, 4, sector="environment")
    roads = entries(round_, 4, sector="transport")
    ecologists = [seat(round_, ["environment"]) for _ in range(2)]
    engineers = [seat(round_, ["transport"]) for _ in range(2)]

    run_assignment(round_, actor=manager)

    assert pairs(round_) == {(e.pk, j.pk) for e in green for j in ecologists} | {
        (e.pk, j.pk) for e in roads for j in engineers
    }


def test_run_keeps_loads_balanced_before_expertise(manager):
    round_ = RoundFactory(reviewers_per_entry=1)
    green = entries(round_, 4, sector="environment")
    ecologist = seat(round_, ["environment"])
    generalist = seat(round_)

    run_assignment(round_, actor=manager)

    assert loads(round_, [ecologist, generalist]) == {ecologist.pk: 2, generalist.pk: 2}
    assert len(pairs(round_)) == len(green)


def test_run_matches_the_challenge_sector_when_the_organisation_has_none_a_juror_lists(
    manager,
):
    round_ = RoundFactory(reviewers_per_entry=1, challenge__sector="agriculture")
    farm = entries(round_, 2, sector="software")  # not a sector jurors can list
    agronomist = seat(round_, ["agriculture"])
    seat(round_, ["transport"])
    entries(round_, 2, sector="transport")

    run_assignment(round_, actor=manager)

    assert {(e.pk, agronomist.pk) for e in farm} <= pairs(round_)


def _by_position(round_, round_entries, jurors):
    entry_index = {entry.pk: i for i, entry in enumerate(round_entries)}
    juror_index = {juror.pk: i for i, juror in enumerate(jurors)}
    return {(entry_index[e], juror_index[j]) for e, j in pairs(round_)}


def test_run_gives_identical_rounds_identical_pairs(manager):
    first = build(n_entries=9, n_jurors=5, k=2)
    second = build(n_entries=9, n_jurors=5, k=2)

    run_assignment(first[0], actor=manager)
    run_assignment(second[0], actor=manager)

    assert _by_position(*first) == _by_position(*second)


def test_rerun_without_change_changes_nothing(manager):
    round_, _entries, _jurors = build(n_entries=7, n_jurors=3, k=2)
    run_assignment(round_, actor=manager)
    before = snapshot(round_)

    again = run_assignment(round_, actor=manager)

    assert (again.created, again.released, again.kept) == ([], [], 14)
    assert snapshot(round_) == before


def test_rerun_after_a_juror_joins_keeps_started_work_and_rebalances(manager):
    round_, round_entries, jurors = build(n_entries=6, n_jurors=3, k=2)
    run_assignment(round_, actor=manager)
    sheets = list(active(round_).order_by("pk"))
    first, second, third = (list(active(round_).filter(juror=j).order_by("pk")) for j in jurors)
    started = [submit(first[0]), draft(first[1]), submit(second[0]), draft(third[0])]
    started = {(a.pk, a.entry_id, a.juror_id, a.status) for a in started}
    newcomer = JurorFactory()

    juror_join(round_, newcomer, actor=manager)
    assert pairs(round_) == {(a.entry_id, a.juror_id) for a in sheets}  # joining moves nothing
    result = run_assignment(round_, actor=manager)

    after = set(Assignment.objects.values_list("pk", "entry_id", "juror_id", "status"))
    assert started <= after
    assert per_entry(round_) == {entry.pk: 2 for entry in round_entries}
    assert loads(round_, [*jurors, newcomer]) == dict.fromkeys(
        [j.pk for j in jurors] + [newcomer.pk], 3
    )
    assert {juror for _pk, _entry, juror in result.created} == {newcomer.pk}
    released = Assignment.objects.filter(pk__in=[pk for pk, _e, _j in result.released])
    assert len(result.released) == 3
    assert set(released.values_list("status", flat=True)) == {AssignmentStatus.RELEASED}


def test_rerun_after_a_juror_withdraws_keeps_their_submitted_reviews_and_refills(manager):
    round_, round_entries, jurors = build(n_entries=6, n_jurors=4, k=2)
    run_assignment(round_, actor=manager)
    leaving = jurors[0]
    theirs = list(active(round_).filter(juror=leaving).order_by("pk"))
    done = submit(theirs[0])
    started = draft(theirs[1])

    juror_withdraw(round_, leaving, actor=manager)
    started.refresh_from_db()
    assert started.status == AssignmentStatus.RELEASED
    assert active(round_).filter(juror=leaving).get() == done
    result = run_assignment(round_, actor=manager)

    done.refresh_from_db()
    assert done.status == AssignmentStatus.SUBMITTED
    assert per_entry(round_) == {entry.pk: 2 for entry in round_entries}
    assert leaving.pk not in {juror for _pk, _entry, juror in result.created}
    remaining = loads(round_, jurors[1:])
    assert max(remaining.values()) - min(remaining.values()) <= 1
    assert RoundJuror.objects.get(round=round_, user=leaving).withdrawn_at is not None
    event = AuditEvent.objects.get(action="round.juror_withdrawn")
    assert event.data["released"] == sorted(
        [[a.pk, a.entry_id, a.juror_id] for a in theirs[1:]], key=lambda t: (t[1], t[2])
    )


def test_rerun_sets_a_returning_pair_back_on_its_released_row(manager):
    round_, _entries, jurors = build(n_entries=4, n_jurors=2, k=2)
    run_assignment(round_, actor=manager)
    rows_before = Assignment.objects.count()
    first_sheet = active(round_).filter(juror=jurors[0]).first()
    draft(first_sheet)

    juror_withdraw(round_, jurors[0], actor=manager)
    juror_join(round_, jurors[0], actor=manager)
    result = run_assignment(round_, actor=manager)

    assert Assignment.objects.count() == rows_before
    assert len(result.created) == 4 and result.released == []
    first_sheet.refresh_from_db()
    assert first_sheet.status == AssignmentStatus.ASSIGNED
    assert not first_sheet.scores.exists()  # the abandoned draft does not come back


def test_run_refuses_a_closed_round(manager):
    round_, _entries, _jurors = build(n_entries=2, n_jurors=2, k=1, status=RoundStatus.CLOSED)

    with pytest.raises(Conflict):
        run_assignment(round_, actor=manager)

    assert not Assignment.objects.exists()
    assert not AuditEvent.objects.filter(action="assignment.run").exists()


def test_run_works_while_the_round_is_set_up(manager):
    round_, round_entries, _jurors = build(n_entries=2, n_jurors=2, k=1, status=RoundStatus.SETUP)

    run_assignment(round_, actor=manager)

    assert per_entry(round_) == {entry.pk: 1 for entry in round_entries}


def test_run_takes_a_constant_number_of_queries(manager):
    small = build(n_entries=2, n_jurors=2, k=2)[0]
    large = build(n_entries=30, n_jurors=6, k=3)[0]
    for round_ in (small, large):
        seat(round_)  # joined after a first run: the re-run both creates and releases
        run_assignment(round_, actor=manager)
        seat(round_)

    queries_small, _ = count_queries(run_assignment, small, actor=manager)
    queries_large, result = count_queries(run_assignment, large, actor=manager)

    assert result.created and result.released
    assert queries_small == queries_large


# The panel


def test_juror_join_needs_a_user_of_the_jurors_group(manager):
    round_ = RoundFactory()

    with pytest.raises(ValidationError) as error:
        juror_join(round_, UserFactory(), actor=manager)

    assert "user" in error.value.message_dict
    assert not RoundJuror.objects.exists()


def test_juror_join_puts_a_withdrawn_juror_back_and_audits(manager):
    round_ = RoundFactory()
    juror = JurorFactory()

    juror_join(round_, juror, actor=manager)
    juror_withdraw(round_, juror, actor=manager)
    juror_join(round_, juror, actor=manager)

    assert RoundJuror.objects.get(round=round_, user=juror).withdrawn_at is None
    joined = AuditEvent.objects.filter(action="round.juror_joined").order_by("sequence")
    assert [e.data["rejoined"] for e in joined] == [False, True]
    assert AuditEvent.objects.filter(action="round.juror_withdrawn").count() == 1


def test_juror_withdraw_refuses_someone_not_on_the_panel(manager):
    with pytest.raises(ValidationError) as error:
        juror_withdraw(RoundFactory(), JurorFactory(), actor=manager)

    assert "user" in error.value.message_dict


# Manual overrides


def test_manual_assignments_stay_where_the_manager_put_them(manager):
    round_, round_entries, (busy, idle) = build(n_entries=2, n_jurors=2, k=1)
    pinned = [assign_manually(entry, busy, actor=manager) for entry in round_entries]

    result = run_assignment(round_, actor=manager)

    assert (result.created, result.released) == ([], [])
    assert pairs(round_) == {(entry.pk, busy.pk) for entry in round_entries}
    assert {a.source for a in pinned} == {"manual"}
    assert AuditEvent.objects.filter(action="assignment.manual_assign").count() == 2


def test_a_pair_the_manager_removed_is_never_assigned_again(manager):
    round_, (entry,), (first, second) = build(n_entries=1, n_jurors=2, k=1)
    run_assignment(round_, actor=manager)
    given = active(round_).get()

    removed = unassign_manually(given, actor=manager)
    run_assignment(round_, actor=manager)
    run_assignment(round_, actor=manager)

    assert (removed.status, removed.source) == (AssignmentStatus.RELEASED, "manual")
    other = second if given.juror == first else first
    assert pairs(round_) == {(entry.pk, other.pk)}
    event = AuditEvent.objects.get(action="assignment.manual_unassign")
    assert event.data == {
        "from": "assigned",
        "to": "released",
        "round": round_.pk,
        "entry": entry.pk,
        "juror": given.juror_id,
    }


def test_a_manager_can_give_back_a_pair_they_removed(manager):
    round_, (entry,), (juror,) = build(n_entries=1, n_jurors=1, k=1)
    run_assignment(round_, actor=manager)
    sheet = unassign_manually(active(round_).get(), actor=manager)

    back = assign_manually(entry, juror, actor=manager)

    assert back.pk == sheet.pk
    assert (back.status, back.source) == (AssignmentStatus.ASSIGNED, "manual")


def test_unassign_manually_refuses_a_submitted_sheet(manager):
    round_, _entries, _jurors = build(n_entries=1, n_jurors=1, k=1)
    run_assignment(round_, actor=manager)
    done = submit(active(round_).get())

    with pytest.raises(Conflict) as error:
        unassign_manually(done, actor=manager)

    assert "submitted" in str(error.value)
    done.refresh_from_db()
    assert done.status == AssignmentStatus.SUBMITTED


def test_assign_manually_refuses_a_juror_off_the_active_panel(manager):
    round_, (entry,), (juror,) = build(n_entries=1, n_jurors=1, k=1)
    juror_withdraw(round_, juror, actor=manager)

    with pytest.raises(ValidationError) as error:
        assign_manually(entry, juror, actor=manager)
    with pytest.raises(ValidationError):
        assign_manually(entry, JurorFactory(), actor=manager)

    assert "juror" in error.value.message_dict
    assert not Assignment.objects.exists()


def test_assign_manually_refuses_a_pair_already_being_scored(manager):
    round_, (entry,), (juror,) = build(n_entries=1, n_jurors=1, k=1)
    run_assignment(round_, actor=manager)
    draft(active(round_).get())

    with pytest.raises(Conflict):
        assign_manually(entry, juror, actor=manager)


# Parallel runs (PostgreSQL)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_parallel_runs_do_not_interleave():
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers are a PostgreSQL concern; SQLite serialises writes")
    manager = UserFactory(role=Role.PROGRAMME_MANAGER)
    round_, round_entries, _jurors = build(n_entries=12, n_jurors=4, k=2)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(run_assignment(round_, actor=manager))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(len(r.created) for r in results) == [0, 24]
    assert per_entry(round_) == {entry.pk: 2 for entry in round_entries}


# Scale (run by hand: JUDGING_SCALE_CHECK=1 pytest -k scale -s)


@pytest.mark.skipif(not os.environ.get("JUDGING_SCALE_CHECK"), reason="scale check, run by hand")
def test_scale_2000_entries_40_jurors_five_each(manager):
    from challenges.enums import ProposalStatus
    from challenges.judging.models import RoundEntry
    from challenges.models import Proposal
    from startups.models import Organization

    round_ = RoundFactory(reviewers_per_entry=5)
    sectors = ["environment", "transport", "agriculture", "tourism", "software"]
    organisations = Organization.objects.bulk_create(
        Organization(
            kind="enterprise",
            legal_name=f"Công ty {i}",
            tax_code=f"09{i:08d}",
            sector=sectors[i % len(sectors)],
        )
        for i in range(2000)
    )
    author = UserFactory()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            challenge=round_.challenge,
            organization=organisation,
            author=author,
            title=f"Giải pháp {i}",
            status=ProposalStatus.UNDER_REVIEW,
            reference=f"{round_.challenge.code}-{i:04d}",
            submitted_at=timezone.now() - timedelta(days=2),
            content_sha256="0" * 64,
        )
        for i, organisation in enumerate(organisations)
    )
    RoundEntry.objects.bulk_create(RoundEntry(round=round_, proposal=p) for p in proposals)
    jurors = [seat(round_, [sectors[i % 4]]) for i in range(40)]

    first = run_assignment(round_, actor=manager)
    again = run_assignment(round_, actor=manager)
    jurors.append(seat(round_))
    joined = run_assignment(round_, actor=manager)
    print(  # the numbers are what this check is for
        f"\n{connection.vendor}: first run {first.seconds:.2f} s "
        f"({len(first.created)} created), re-run {again.seconds:.2f} s, "
        f"after a juror joined {joined.seconds:.2f} s ({len(joined.created)} moved)"
    )

    assert set(per_entry(round_).values()) == {5} and len(per_entry(round_)) == 2000
    load_values = loads(round_, jurors).values()
    assert max(load_values) - min(load_values) <= 1
    assert again.created == [] and again.released == []
    assert first.seconds < 10 and joined.seconds < 10
