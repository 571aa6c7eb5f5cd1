"""Conflicts of interest: found automatically (membership, affiliation by tax code) and
declared by jurors, and what the assignment does with them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from challenges.judging import services
from challenges.judging.assignment import (
    assign_manually,
    automatic_conflicts,
    conflict_reason,
    conflict_reasons,
    declare_conflict,
    run_assignment,
)
from challenges.judging.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    JurorAffiliation,
    RoundJuror,
    Score,
)
from challenges.judging.selectors import juror_assignments
from portal.errors import Conflict
from portal.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory
from tests.factories.judging import JurorFactory, RoundEntryFactory, RoundFactory
from tests.factories.startups import MembershipFactory
from tests.helpers import count_queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def manager():
    return UserFactory(role=Role.PROGRAMME_MANAGER)


def seat(round_, expertise=()):
    juror = JurorFactory(expertise=list(expertise))
    RoundJuror.objects.create(round=round_, user=juror)
    return juror


def member_of(entry, juror):
    MembershipFactory(organization=entry.proposal.organization, user=juror)


def affiliated_with(entry, juror):
    organization = entry.proposal.organization
    JurorAffiliation.objects.create(
        user=juror, tax_code=organization.tax_code, organization_name="Former employer"
    )


def active_pairs(round_):
    return set(
        Assignment.objects.filter(round=round_, status__in=ACTIVE_ASSIGNMENT_STATUSES).values_list(
            "entry_id", "juror_id"
        )
    )


# Found automatically


def test_members_and_affiliates_of_an_entrant_are_conflicts():
    round_ = RoundFactory()
    first, second, clean = (RoundEntryFactory(round=round_) for _ in range(3))
    insider, alumnus, outsider = seat(round_), seat(round_), seat(round_)
    member_of(first, insider)
    affiliated_with(second, alumnus)
    MembershipFactory(user=outsider)  # of an organisation with no entry in the round
    JurorAffiliation.objects.create(user=outsider, tax_code="0999999999")

    assert automatic_conflicts(round_) == {(first.pk, insider.pk), (second.pk, alumnus.pk)}
    organization = second.proposal.organization
    assert conflict_reasons(round_) == {
        (first.pk, insider.pk): f"Member of {first.proposal.organization.legal_name}",
        (second.pk, alumnus.pk): (
            f"Works or worked for {organization.legal_name} (tax code {organization.tax_code})"
        ),
    }
    assert conflict_reason(first, insider).startswith("Member of")
    assert conflict_reason(clean, insider) == ""


def test_conflicts_of_other_rounds_do_not_count():
    round_ = RoundFactory()
    entry = RoundEntryFactory(round=round_)
    elsewhere = RoundFactory()
    juror = seat(elsewhere)  # on another round's panel only
    member_of(entry, juror)

    assert automatic_conflicts(round_) == set()
    assert automatic_conflicts(elsewhere) == set()


def test_automatic_conflicts_take_two_queries_whatever_the_round_size():
    def grow(round_, n):
        for _ in range(n):
            entry = RoundEntryFactory(round=round_)
            member_of(entry, seat(round_))
            affiliated_with(entry, seat(round_))
        return round_

    small, large = grow(RoundFactory(), 1), grow(RoundFactory(), 15)

    queries_small, found_small = count_queries(automatic_conflicts, small)
    queries_large, found_large = count_queries(automatic_conflicts, large)

    assert (len(found_small), len(found_large)) == (2, 30)
    assert queries_small == queries_large == 2


def test_the_run_never_pairs_a_juror_with_a_conflict(manager):
    round_ = RoundFactory(reviewers_per_entry=3)
    entries = [RoundEntryFactory(round=round_) for _ in range(4)]
    jurors = [seat(round_) for _ in range(3)]
    member_of(entries[0], jurors[0])
    affiliated_with(entries[1], jurors[1])

    result = run_assignment(round_, actor=manager)

    pairs = active_pairs(round_)
    assert (entries[0].pk, jurors[0].pk) not in pairs
    assert (entries[1].pk, jurors[1].pk) not in pairs
    assert len(pairs) == 10  # every other pair
    assert result.unfilled == [entries[0].pk, entries[1].pk]


def test_a_re_run_releases_an_untouched_review_that_became_a_conflict(manager):
    round_ = RoundFactory(reviewers_per_entry=1)
    entry = RoundEntryFactory(round=round_)
    first, second = seat(round_), seat(round_)
    run_assignment(round_, actor=manager)
    given = Assignment.objects.get()
    member_of(entry, given.juror)  # joined the entrant after the run

    result = run_assignment(round_, actor=manager)

    given.refresh_from_db()
    assert given.status == AssignmentStatus.RELEASED
    other = second if given.juror == first else first
    assert active_pairs(round_) == {(entry.pk, other.pk)}
    assert result.released == [(given.pk, entry.pk, given.juror_id)]


def test_a_manager_cannot_assign_a_conflicted_pair(manager):
    round_ = RoundFactory()
    entry = RoundEntryFactory(round=round_)
    juror = seat(round_)
    affiliated_with(entry, juror)

    with pytest.raises(Conflict) as error:
        assign_manually(entry, juror, actor=manager)

    assert "Works or worked for" in str(error.value)
    assert not Assignment.objects.exists()


# Declared by the juror


@pytest.fixture
def scored_round(manager):
    """Two entries, three jurors, two reviews each: each entry has one juror free."""
    round_ = RoundFactory(reviewers_per_entry=2)
    entries = [RoundEntryFactory(round=round_) for _ in range(2)]
    jurors = [seat(round_) for _ in range(3)]
    run_assignment(round_, actor=manager)
    return round_, entries, jurors


def _first_sheet(round_):
    return Assignment.objects.filter(round=round_).order_by("pk").first()


def test_a_declared_conflict_hands_the_entry_to_another_juror(scored_round):
    round_, _entries, jurors = scored_round
    sheet = _first_sheet(round_)
    criterion = round_.rubric.criteria.first()
    services.sheet_save(sheet, actor=sheet.juror, scores=[{"criterion": criterion.pk, "value": 2}])
    before = active_pairs(round_)
    free = next(j for j in jurors if (sheet.entry_id, j.pk) not in before)

    declared = declare_conflict(sheet, actor=sheet.juror, reason="  Tôi từng tư vấn cho họ.  ")

    assert (declared.status, declared.conflict_reason) == ("conflict", "Tôi từng tư vấn cho họ.")
    assert not Score.objects.filter(assignment=sheet).exists()
    assert sheet not in juror_assignments(sheet.juror)
    after = active_pairs(round_)
    assert after == (before - {(sheet.entry_id, sheet.juror_id)}) | {(sheet.entry_id, free.pk)}
    replacement = Assignment.objects.get(entry_id=sheet.entry_id, juror=free)
    assert replacement in juror_assignments(free)
    declared_event = AuditEvent.objects.get(action="review.conflict_declared")
    assert declared_event.actor == sheet.juror
    assert declared_event.data == {
        "from": "draft",
        "to": "conflict",
        "round": round_.pk,
        "entry": sheet.entry_id,
        "reason": "Tôi từng tư vấn cho họ.",
    }
    created_event = AuditEvent.objects.get(action="assignment.created")
    assert created_event.object_id == str(replacement.pk)
    assert created_event.data["juror"] == free.pk
    assert conflict_reason(sheet.entry, sheet.juror) == (
        "Declared by the juror: Tôi từng tư vấn cho họ."
    )


def test_a_declared_conflict_is_never_assigned_again(scored_round, manager):
    round_, _entries, _jurors = scored_round
    sheet = _first_sheet(round_)
    declare_conflict(sheet, actor=sheet.juror, reason="Người thân làm ở đó.")
    Assignment.objects.filter(entry_id=sheet.entry_id).exclude(pk=sheet.pk).update(
        status=AssignmentStatus.RELEASED
    )

    run_assignment(round_, actor=manager)

    assert (sheet.entry_id, sheet.juror_id) not in active_pairs(round_)
    with pytest.raises(Conflict) as error:
        assign_manually(sheet.entry, sheet.juror, actor=manager)
    assert "Người thân làm ở đó." in str(error.value)


def test_a_conflict_with_no_free_juror_leaves_the_entry_short(manager):
    round_ = RoundFactory(reviewers_per_entry=2)
    RoundEntryFactory(round=round_)
    for _ in range(2):
        seat(round_)
    run_assignment(round_, actor=manager)
    sheet = _first_sheet(round_)

    declare_conflict(sheet, actor=sheet.juror, reason="Cựu nhân viên.")

    assert len(active_pairs(round_)) == 1
    assert not AuditEvent.objects.filter(action="assignment.created").exists()


def test_declaring_on_a_submitted_sheet_is_refused(scored_round):
    round_, _entries, _jurors = scored_round
    sheet = _first_sheet(round_)
    scores = [{"criterion": c.pk, "value": 4} for c in round_.rubric.criteria.all()]
    services.sheet_save(sheet, actor=sheet.juror, scores=scores)
    services.sheet_submit(sheet, actor=sheet.juror)

    with pytest.raises(Conflict) as error:
        declare_conflict(sheet, actor=sheet.juror, reason="Quên khai báo.")

    assert str(error.value) == "This score sheet is submitted and locked."
    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action="review.conflict_declared").exists()


def test_only_the_assigned_juror_may_declare(scored_round):
    round_, _entries, jurors = scored_round
    sheet = _first_sheet(round_)
    other = next(j for j in jurors if j != sheet.juror)

    with pytest.raises(PermissionDenied):
        declare_conflict(sheet, actor=other, reason="Không phải phiếu của tôi.")

    sheet.refresh_from_db()
    assert sheet.status == AssignmentStatus.ASSIGNED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_declaration_needs_a_reason(scored_round, reason):
    round_, _entries, _jurors = scored_round
    sheet = _first_sheet(round_)

    with pytest.raises(ValidationError) as error:
        declare_conflict(sheet, actor=sheet.juror, reason=reason)

    assert list(error.value.message_dict) == ["reason"]
    sheet.refresh_from_db()
    assert (sheet.status, sheet.conflict_reason) == (AssignmentStatus.ASSIGNED, "")
    assert Assignment.objects.count() == 4


def test_declaring_twice_is_refused(scored_round):
    round_, _entries, _jurors = scored_round
    sheet = _first_sheet(round_)
    declare_conflict(sheet, actor=sheet.juror, reason="Đồng sáng lập.")

    with pytest.raises(Conflict):
        declare_conflict(sheet, actor=sheet.juror, reason="Đồng sáng lập.")

    assert AuditEvent.objects.filter(action="review.conflict_declared").count() == 1
