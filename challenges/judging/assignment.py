"""Who reviews what: conflicts of interest, the assignment run, declared conflicts, the
panel joining and leaving, and managers' manual overrides.

Conflicts of interest
    A panel juror may not review an entry whose organisation they are a member of (any
    `startups.Membership` row: a membership has no inactive state, an invitation not yet
    accepted is not one), nor one whose organisation's tax code is among their
    `JurorAffiliation`s (current or past). Both are found by two joined queries for the
    whole round (`automatic_conflicts`, `conflict_reasons`). A juror may also declare a
    conflict on an assignment (`declare_conflict`): the row keeps status CONFLICT, so the
    pair is never assigned again.

The run (`run_assignment`)
    Reads the round in a constant number of queries, decides in memory, writes in bulk.

    1. Rows it never touches: SUBMITTED and DRAFT sheets of jurors on the active panel
       (finished or started work), manual assignments (source MANUAL, pinned), sheets that
       hold scores. Rows it releases: the ASSIGNED and DRAFT sheets of jurors who left the
       panel, and untouched ASSIGNED sheets that turned out to be conflicts.
    2. Pairs it never makes: automatic conflicts, declared conflicts (status CONFLICT),
       pairs a manager removed (status RELEASED, source MANUAL), withdrawn jurors.
    3. Untouched automatic ASSIGNED sheets are "movable". Each entry keeps as many of them
       as it still needs to reach `reviewers_per_entry` active reviews (expertise matches
       first); a surplus (the round's k lowered, a manual pin added) is released.
    4. Fill, greedily, entries most constrained first (fewest eligible jurors, then
       entries some eligible juror has the expertise for, then by id). Each entry takes
       the jurors it needs among those whose load is under the cap (the mean load rounded
       up), by expertise match, then load, then a stable hash of (entry, juror); if too
       few are under the cap, the least loaded of the rest. An entry short of eligible
       jurors gets what there is and is reported unfilled.
    5. Rebalance: while the heaviest and lightest jurors differ by two or more, move one
       movable review from a heavy juror to a light one eligible for that entry, the move
       that best keeps expertise (the light juror has it, the heavy one does not) first.
       Each move lowers the sum of squared loads, so the pass ends; it reaches "within
       one" whenever conflicts and pinned work allow.
    6. Write the difference: release the movable rows no longer wanted, set released
       rows back to ASSIGNED where a pair returns (unique per entry and juror), create
       the rest with one bulk insert, and record one audit event.

    The hash mixes the ranks of the entry and the juror in the round (by id), so the same
    data gives the same result, and two identical rounds the same pairs. A run over its
    own result changes nothing: every entry is full, loads are as balanced as the pass
    leaves them, and nothing movable has a better place.

Every write here locks the round's row first (then the assignment rows), so runs,
declarations and overrides on one round happen one after another; a juror saving a sheet
holds that sheet's row lock, which the run also takes, so a sheet is never released
between a juror's read and write.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.enums import Sector
from challenges.judging.models import (
    ACTIVE_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    Round,
    RoundEntry,
    RoundJuror,
    RoundStatus,
    Score,
)
from portal.audit import audit_record
from portal.errors import Conflict
from portal.roles import Role

# Assignments may change while the round is being set up or scored, not once sealed.
ASSIGNABLE_ROUND_STATUSES = (RoundStatus.SETUP, RoundStatus.SCORING)
UNFINISHED_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT)
CONFLICT_REASON_MAX_LENGTH = 1000

MANUAL = Assignment.Source.MANUAL
AUTOMATIC = Assignment.Source.AUTOMATIC

Pair = tuple[int, int]  # (entry id, juror user id)
Triple = tuple[int, int, int]  # (assignment id, entry id, juror user id)


@dataclass(frozen=True)
class AssignmentRun:
    """What one run did. `created` holds new rows and released rows set back to
    ASSIGNED; `kept` counts the active reviews left as they were."""

    created: list[Triple] = field(default_factory=list)
    released: list[Triple] = field(default_factory=list)
    kept: int = 0
    unfilled: list[int] = field(default_factory=list)
    seconds: float = 0.0


# Conflicts of interest


def _conflict_rows(round_id: int, *, entry_id: int | None = None, juror_id: int | None = None):
    """(entry id, juror id, kind, organisation name, tax code) for every automatic conflict
    in the round, in two queries. Each path's conditions go in one `filter()` call so that
    they share one join (a second call would join the multi-valued relation again)."""
    members = {
        "round_id": round_id,
        "proposal__organization__memberships__user__juror_rounds__round_id": round_id,
    }
    affiliated = {
        "round_id": round_id,
        "round__panel__user__juror_affiliations__tax_code": F("proposal__organization__tax_code"),
    }
    if entry_id is not None:
        members["pk"] = affiliated["pk"] = entry_id
    if juror_id is not None:
        members["proposal__organization__memberships__user_id"] = juror_id
        affiliated["round__panel__user_id"] = juror_id
    organisation = ("proposal__organization__legal_name", "proposal__organization__tax_code")
    rows = [
        (entry, juror, "member", name, tax_code)
        for entry, juror, name, tax_code in RoundEntry.objects.filter(**members).values_list(
            "pk", "proposal__organization__memberships__user_id", *organisation
        )
    ]
    rows += [
        (entry, juror, "affiliated", name, tax_code)
        for entry, juror, name, tax_code in RoundEntry.objects.filter(**affiliated).values_list(
            "pk", "round__panel__user_id", *organisation
        )
    ]
    return rows


def automatic_conflicts(round) -> set[Pair]:
    """The (entry id, juror user id) pairs of the round's panel (withdrawn jurors
    included) that may never be assigned: the juror is a member of the entry's
    organisation, or lists its tax code among their affiliations. Two queries."""
    return {(entry, juror) for entry, juror, *_ in _conflict_rows(_pk(round))}


def _reason_text(kind: str, name: str, tax_code: str | None) -> str:
    if kind == "member":
        return _("Member of %(organization)s") % {"organization": name}
    return _("Works or worked for %(organization)s (tax code %(tax_code)s)") % {
        "organization": name,
        "tax_code": tax_code,
    }


def conflict_reasons(round, *, entry=None, juror=None) -> dict[Pair, str]:
    """Why each automatic conflict of the round is one, for managers: {(entry id, juror
    id): "Member of …; Works or worked for … (tax code …)"}, optionally for one entry or
    one juror. Two queries."""
    reasons: dict[Pair, list[str]] = defaultdict(list)
    for entry_id, juror_id, kind, name, tax_code in sorted(
        _conflict_rows(
            _pk(round),
            entry_id=_pk(entry) if entry is not None else None,
            juror_id=_pk(juror) if juror is not None else None,
        ),
        key=lambda row: row[:3],  # member before affiliated
    ):
        reasons[(entry_id, juror_id)].append(_reason_text(kind, name, tax_code))
    return {pair: "; ".join(texts) for pair, texts in reasons.items()}


def conflict_reason(entry: RoundEntry, juror) -> str:
    """Why the juror may not review the entry ("" when nothing forbids it): an automatic
    conflict, or the reason they gave when they declared one."""
    automatic = conflict_reasons(entry.round_id, entry=entry, juror=juror).get((entry.pk, juror.pk))
    if automatic:
        return automatic
    declared = (
        Assignment.objects.filter(entry=entry, juror=juror, status=AssignmentStatus.CONFLICT)
        .values_list("conflict_reason", flat=True)
        .first()
    )
    if declared is not None:
        return _("Declared by the juror: %(reason)s") % {"reason": declared}
    return ""


# Shared pieces


def _pk(obj) -> int:
    return obj if isinstance(obj, int) else obj.pk


def _lock_round(round_id: int) -> Round:
    """The round's row lock, taken first by every write here; refused once sealed."""
    locked = (
        Round.objects.select_for_update(of=("self",)).select_related("challenge").get(pk=round_id)
    )
    if locked.status not in ASSIGNABLE_ROUND_STATUSES:
        raise Conflict(_("Assignments can change only while the round is being set up or scored."))
    return locked


_MASK = (1 << 64) - 1


def _mix(entry_rank: int, juror_rank: int) -> int:
    """A stable, well-spread 64-bit hash of two small integers (splitmix64's finaliser),
    the last tie-break between equally good jurors."""
    x = (entry_rank * 0x9E3779B97F4A7C15 + juror_rank * 0xD1B54A32D192ED03 + 1) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _entry_sector(organisation_sector: str | None, challenge_sector: str) -> str:
    """The sector jurors' expertise is matched against: the organisation's when it is one
    a juror can list (organisations and challenges use different lists, which overlap),
    else the challenge's."""
    return organisation_sector if organisation_sector in Sector.values else challenge_sector


def _expertise(value) -> frozenset[str]:
    return frozenset(value) if isinstance(value, list) else frozenset()


def _triples(rows) -> list[list[int]]:
    return [list(row) for row in sorted(rows, key=lambda row: (row[1], row[2], row[0]))]


def _revive(ids: list[int], *, source: str, now) -> None:
    """Set released rows back to a fresh ASSIGNED sheet (the pair is unique, so a returning
    pair reuses its row): an abandoned draft's scores and comment go."""
    if not ids:
        return
    Score.objects.filter(assignment_id__in=ids).delete()
    Assignment.objects.filter(pk__in=ids).update(
        status=AssignmentStatus.ASSIGNED,
        source=source,
        comment="",
        conflict_reason="",
        updated_at=now,
    )


def _release(ids: list[int], *, now) -> None:
    if ids:
        Assignment.objects.filter(pk__in=ids, status__in=UNFINISHED_STATUSES).update(
            status=AssignmentStatus.RELEASED, updated_at=now
        )


# The run


@transaction.atomic
def run_assignment(round, *, actor) -> AssignmentRun:
    """Give every entry of the round `reviewers_per_entry` jurors (see the module's
    docstring for the rules and the algorithm). Re-run it after jurors join or withdraw;
    it keeps finished and started work, manual pins and removals. Conflict (409) unless
    the round is being set up or scored."""
    started = time.perf_counter()
    locked = _lock_round(_pk(round))
    k = locked.reviewers_per_entry
    now = timezone.now()

    entries = list(
        RoundEntry.objects.filter(round=locked)
        .order_by("pk")
        .values_list("pk", "proposal__organization__sector")
    )
    panel = list(
        RoundJuror.objects.filter(round=locked)
        .order_by("user_id")
        .values_list("user_id", "withdrawn_at", "user__juror_profile__expertise")
    )
    rows = list(
        Assignment.objects.select_for_update()
        .filter(round=locked)
        .annotate(scored=Exists(Score.objects.filter(assignment=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", "entry_id", "juror_id", "status", "source", "scored")
    )
    conflicted = automatic_conflicts(locked)

    entry_rank = {entry: rank for rank, (entry, _sector) in enumerate(entries)}
    juror_rank = {juror: rank for rank, (juror, *_rest) in enumerate(panel)}
    active = [juror for juror, withdrawn_at, _exp in panel if withdrawn_at is None]
    active_set = set(active)
    expertise = {juror: _expertise(value) for juror, _w, value in panel}
    sector = {
        entry: _entry_sector(org_sector, locked.challenge.sector) for entry, org_sector in entries
    }

    def matches(entry: int, juror: int) -> bool:
        return sector[entry] in expertise.get(juror, ())

    def tie(entry: int, juror: int) -> int:
        return _mix(entry_rank[entry], juror_rank[juror])

    # 1-3: sort the existing rows.
    blocked: dict[int, set[int]] = defaultdict(set)  # pairs never to make
    for entry, juror in conflicted:
        blocked[entry].add(juror)
    on_entry: dict[int, set[int]] = defaultdict(set)  # jurors with an active review
    loads = dict.fromkeys(active, 0)
    movable_rows: dict[Pair, int] = {}
    revivable: dict[Pair, int] = {}
    released: list[Triple] = []
    for pk, entry, juror, status, source, scored in rows:
        pair = (entry, juror)
        if status == AssignmentStatus.CONFLICT or (
            status == AssignmentStatus.RELEASED and source == MANUAL
        ):
            blocked[entry].add(juror)
        elif status == AssignmentStatus.RELEASED:
            revivable[pair] = pk
        elif (status in UNFINISHED_STATUSES and juror not in active_set) or (
            status == AssignmentStatus.ASSIGNED and not scored and pair in conflicted
        ):
            # A withdrawn juror's unfinished work, or an untouched conflicted pair.
            released.append((pk, entry, juror))
        elif status == AssignmentStatus.ASSIGNED and source != MANUAL and not scored:
            movable_rows[pair] = pk
        else:  # submitted, started or pinned: fixed
            on_entry[entry].add(juror)
            if juror in active_set:
                loads[juror] += 1

    # 3: each entry keeps the movable reviews it still needs.
    movable_by_entry: dict[int, list[int]] = defaultdict(list)
    for entry, juror in movable_rows:
        movable_by_entry[entry].append(juror)
    movable: dict[int, set[int]] = {juror: set() for juror in active}  # juror -> entries
    for entry, jurors in movable_by_entry.items():
        room = max(0, k - len(on_entry[entry]))
        for juror in sorted(jurors, key=lambda j, e=entry: (not matches(e, j), tie(e, j)))[:room]:
            on_entry[entry].add(juror)
            movable[juror].add(entry)
            loads[juror] += 1

    def eligible(entry: int, juror: int) -> bool:
        return juror not in on_entry[entry] and juror not in blocked[entry]

    # 4: fill, most constrained entries first.
    need = {entry: k - len(on_entry[entry]) for entry, _s in entries}
    candidates = {
        entry: [juror for juror in active if eligible(entry, juror)]
        for entry, _s in entries
        if need[entry] > 0
    }
    total = sum(loads.values()) + sum(
        min(need[entry], len(jurors)) for entry, jurors in candidates.items()
    )
    cap = math.ceil(total / len(active)) if active else 0
    order = sorted(
        candidates,
        key=lambda e: (
            len(candidates[e]),
            not any(matches(e, j) for j in candidates[e]),
            entry_rank[e],
        ),
    )
    unfilled: list[int] = []
    for entry in order:
        jurors = candidates[entry]
        wanted = need[entry]
        under_cap = sorted(
            (j for j in jurors if loads[j] < cap),
            key=lambda j, e=entry: (not matches(e, j), loads[j], tie(e, j)),
        )[:wanted]
        chosen = (
            under_cap
            + sorted(
                (j for j in jurors if j not in under_cap),
                key=lambda j, e=entry: (loads[j], not matches(e, j), tie(e, j)),
            )[: wanted - len(under_cap)]
        )
        for juror in chosen:
            on_entry[entry].add(juror)
            movable[juror].add(entry)
            loads[juror] += 1
        if len(chosen) < wanted:
            unfilled.append(entry)

    # 5: rebalance by moving movable reviews from heavy to light jurors.
    while active:
        lightest = min(loads.values())
        if max(loads.values()) - lightest <= 1:
            break
        move = None
        for low in sorted(set(loads.values())):
            lights = [j for j in active if loads[j] == low]
            for heavy in sorted(active, key=lambda j: (-loads[j], juror_rank[j])):
                if loads[heavy] - low < 2:
                    break
                options = [
                    (
                        not matches(e, light),
                        matches(e, heavy),
                        tie(e, light),
                        entry_rank[e],
                        e,
                        light,
                    )
                    for e in movable[heavy]
                    for light in lights
                    if eligible(e, light)
                ]
                if options:
                    *_key, entry, light = min(options)
                    move = (entry, heavy, light)
                    break
            if move:
                break
        if move is None:
            break
        entry, heavy, light = move
        on_entry[entry].discard(heavy)
        on_entry[entry].add(light)
        movable[heavy].discard(entry)
        movable[light].add(entry)
        loads[heavy] -= 1
        loads[light] += 1

    # 6: write the difference.
    wanted_pairs = {(entry, juror) for juror, entries_ in movable.items() for entry in entries_}
    released += [
        (pk, entry, juror)
        for (entry, juror), pk in movable_rows.items()
        if (entry, juror) not in wanted_pairs
    ]
    new_pairs = sorted(pair for pair in wanted_pairs if pair not in movable_rows)
    revived = [(revivable[pair], *pair) for pair in new_pairs if pair in revivable]
    inserted = Assignment.objects.bulk_create(
        Assignment(
            round=locked,
            entry_id=entry,
            juror_id=juror,
            status=AssignmentStatus.ASSIGNED,
            source=AUTOMATIC,
        )
        for entry, juror in new_pairs
        if (entry, juror) not in revivable
    )
    _release([pk for pk, *_pair in released], now=now)
    _revive([pk for pk, *_pair in revived], source=AUTOMATIC, now=now)
    created = revived + [(row.pk, row.entry_id, row.juror_id) for row in inserted]
    kept = sum(len(jurors) for jurors in on_entry.values()) - len(created)

    audit_record(
        actor=actor,
        action="assignment.run",
        obj=locked,
        data={
            "round": locked.pk,
            "reviewers_per_entry": k,
            "created": _triples(created),
            "released": _triples(released),
            "kept": kept,
            "unfilled": sorted(unfilled),
        },
    )
    return AssignmentRun(
        created=sorted(created, key=lambda row: (row[1], row[2])),
        released=sorted(released, key=lambda row: (row[1], row[2])),
        kept=kept,
        unfilled=sorted(unfilled),
        seconds=time.perf_counter() - started,
    )


# One entry at a time (after a declared conflict)


def _reassign(locked: Round, entry_id: int, *, actor, because: str) -> Assignment | None:
    """Give the entry one more juror if it is short of `reviewers_per_entry`: the least
    loaded eligible juror of the active panel, expertise preferred among equals, the
    run's hash last. Constant queries; the caller holds the round's lock."""
    on_entry = {
        juror: (status, source)
        for juror, status, source in Assignment.objects.filter(entry_id=entry_id).values_list(
            "juror_id", "status", "source"
        )
    }
    active_count = sum(
        1 for status, _s in on_entry.values() if status in ACTIVE_ASSIGNMENT_STATUSES
    )
    if active_count >= locked.reviewers_per_entry:
        return None
    panel = list(
        RoundJuror.objects.filter(round=locked)
        .order_by("user_id")
        .values_list("user_id", "withdrawn_at", "user__juror_profile__expertise")
    )
    juror_rank = {juror: rank for rank, (juror, *_rest) in enumerate(panel)}
    conflicted = {juror for _e, juror, *_rest in _conflict_rows(locked.pk, entry_id=entry_id)}
    revivable = {
        juror
        for juror, (status, source) in on_entry.items()
        if status == AssignmentStatus.RELEASED and source == AUTOMATIC
    }
    options = [
        (juror, _expertise(value))
        for juror, withdrawn_at, value in panel
        if withdrawn_at is None
        and juror not in conflicted
        and (juror not in on_entry or juror in revivable)
    ]
    if not options:
        return None
    loads = dict(
        Assignment.objects.filter(round=locked, status__in=ACTIVE_ASSIGNMENT_STATUSES)
        .values("juror_id")
        .annotate(n=Count("pk"))
        .values_list("juror_id", "n")
    )
    org_sector = (
        RoundEntry.objects.filter(pk=entry_id)
        .values_list("proposal__organization__sector", flat=True)
        .get()
    )
    sector = _entry_sector(org_sector, locked.challenge.sector)
    rank = RoundEntry.objects.filter(round=locked, pk__lt=entry_id).count()
    juror, _exp = min(
        options,
        key=lambda o: (loads.get(o[0], 0), sector not in o[1], _mix(rank, juror_rank[o[0]])),
    )
    if juror in revivable:
        row = Assignment.objects.select_for_update().get(entry_id=entry_id, juror_id=juror)
        _revive([row.pk], source=AUTOMATIC, now=timezone.now())
        row.refresh_from_db()
    else:
        row = Assignment.objects.create(
            round=locked, entry_id=entry_id, juror_id=juror, source=AUTOMATIC
        )
    audit_record(
        actor=actor,
        action="assignment.created",
        obj=row,
        data={
            "round": locked.pk,
            "entry": entry_id,
            "juror": juror,
            "source": AUTOMATIC.value,
            "because": because,
        },
    )
    return row


@transaction.atomic
def declare_conflict(assignment: Assignment, *, actor, reason: str) -> Assignment:
    """The assigned juror declares a conflict of interest with the entry, with a reason.
    Their draft scores go, the sheet leaves their workspace for good (status CONFLICT,
    never assigned to them again) and the entry goes to another eligible juror when one
    is free: the least loaded, without conflicts, expertise preferred. Loads may then
    differ by two; the manager's next run rebalances."""
    locked = _lock_round(assignment.round_id)
    sheet = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if sheet.juror_id != actor.pk:
        raise PermissionDenied(_("Only the juror it is assigned to may declare a conflict."))
    if sheet.status == AssignmentStatus.SUBMITTED:
        raise Conflict(_("This score sheet is submitted and locked."))
    if sheet.status not in UNFINISHED_STATUSES:
        raise Conflict(_("This entry is no longer assigned to you."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why you have a conflict of interest.")]})
    if len(reason) > CONFLICT_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    _("The reason may be at most %(max)d characters long.")
                    % {"max": CONFLICT_REASON_MAX_LENGTH}
                ]
            }
        )
    previous = sheet.status
    Score.objects.filter(assignment=sheet).delete()
    sheet.status = AssignmentStatus.CONFLICT
    sheet.conflict_reason = reason
    sheet.comment = ""
    sheet.save(update_fields=["status", "conflict_reason", "comment", "updated_at"])
    audit_record(
        actor=actor,
        action="review.conflict_declared",
        obj=sheet,
        data={
            "from": previous,
            "to": sheet.status,
            "round": locked.pk,
            "entry": sheet.entry_id,
            "reason": reason,
        },
    )
    _reassign(locked, sheet.entry_id, actor=actor, because="review.conflict_declared")
    return sheet


# The panel


@transaction.atomic
def juror_join(round, user, *, actor) -> RoundJuror:
    """Put a user of the jurors group on the round's panel (again, if they had withdrawn;
    a juror already on it stays as they are). Assigns nothing by itself: the manager
    re-runs the assignment, which gives the newcomer a fair share."""
    locked = _lock_round(_pk(round))
    if not user.groups.filter(name=Role.JUROR).exists():
        raise ValidationError({"user": [_("Only members of the jurors group can sit on a panel.")]})
    seat, created = RoundJuror.objects.select_for_update().get_or_create(round=locked, user=user)
    if not created and seat.withdrawn_at is None:
        return seat
    if not created:
        seat.withdrawn_at = None
        seat.save(update_fields=["withdrawn_at"])
    audit_record(
        actor=actor,
        action="round.juror_joined",
        obj=locked,
        data={"round": locked.pk, "juror": user.pk, "rejoined": not created},
    )
    return seat


@transaction.atomic
def juror_withdraw(round, user, *, actor) -> RoundJuror:
    """Take a juror off the round's panel: their unfinished reviews (ASSIGNED and DRAFT)
    are released, their submitted ones stay and count. Assigns nothing by itself: the
    manager re-runs the assignment to refill the released reviews."""
    locked = _lock_round(_pk(round))
    seat = (
        RoundJuror.objects.select_for_update()
        .filter(round=locked, user=user, withdrawn_at__isnull=True)
        .first()
    )
    if seat is None:
        raise ValidationError({"user": [_("This juror is not on the round's panel.")]})
    now = timezone.now()
    seat.withdrawn_at = now
    seat.save(update_fields=["withdrawn_at"])
    released = list(
        Assignment.objects.select_for_update()
        .filter(round=locked, juror=user, status__in=UNFINISHED_STATUSES)
        .order_by("pk")
        .values_list("pk", "entry_id", "juror_id")
    )
    _release([pk for pk, *_pair in released], now=now)
    audit_record(
        actor=actor,
        action="round.juror_withdrawn",
        obj=locked,
        data={"round": locked.pk, "juror": user.pk, "released": _triples(released)},
    )
    return seat


# Manual overrides


@transaction.atomic
def assign_manually(entry: RoundEntry, juror, *, actor) -> Assignment:
    """A manager assigns the entry to a juror of the active panel. The row is pinned
    (source MANUAL): runs never move it. An automatic ASSIGNED row becomes pinned; a
    released one is set back to ASSIGNED. A conflicted pair is refused (409)."""
    locked = _lock_round(entry.round_id)
    if not RoundJuror.objects.filter(round=locked, user=juror, withdrawn_at__isnull=True).exists():
        raise ValidationError({"juror": [_("This juror is not on the round's panel.")]})
    reason = conflict_reasons(locked, entry=entry, juror=juror).get((entry.pk, juror.pk))
    if reason:
        raise Conflict(
            _("This juror has a conflict of interest with this entry: %(reason)s.")
            % {"reason": reason}
        )
    row = Assignment.objects.select_for_update().filter(entry=entry, juror=juror).first()
    previous = row.status if row else None
    if row is None:
        row = Assignment.objects.create(round=locked, entry=entry, juror=juror, source=MANUAL)
    elif row.status == AssignmentStatus.CONFLICT:
        raise Conflict(
            _("This juror declared a conflict of interest with this entry: %(reason)s.")
            % {"reason": row.conflict_reason}
        )
    elif row.status == AssignmentStatus.RELEASED:
        _revive([row.pk], source=MANUAL, now=timezone.now())
        row.refresh_from_db()
    elif row.status == AssignmentStatus.ASSIGNED and row.source == AUTOMATIC:
        row.source = MANUAL
        row.save(update_fields=["source", "updated_at"])
    else:
        raise Conflict(_("This juror is already assigned this entry."))
    audit_record(
        actor=actor,
        action="assignment.manual_assign",
        obj=row,
        data={
            "from": previous,
            "to": row.status,
            "round": locked.pk,
            "entry": entry.pk,
            "juror": juror.pk,
        },
    )
    return row


@transaction.atomic
def unassign_manually(assignment: Assignment, *, actor) -> Assignment:
    """A manager takes an entry from a juror: the sheet is released (a draft's scores
    stay in the row, out of every count) and marked MANUAL, so runs never give this
    entry to this juror again. A submitted sheet is refused (409)."""
    locked = _lock_round(assignment.round_id)
    row = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if row.status == AssignmentStatus.SUBMITTED:
        raise Conflict(_("This score sheet is submitted and locked."))
    if row.status == AssignmentStatus.CONFLICT:
        raise Conflict(_("This juror declared a conflict of interest; the entry is not theirs."))
    if row.status == AssignmentStatus.RELEASED and row.source == MANUAL:
        return row
    previous = row.status
    row.status = AssignmentStatus.RELEASED
    row.source = MANUAL
    row.save(update_fields=["status", "source", "updated_at"])
    audit_record(
        actor=actor,
        action="assignment.manual_unassign",
        obj=row,
        data={
            "from": previous,
            "to": row.status,
            "round": locked.pk,
            "entry": row.entry_id,
            "juror": row.juror_id,
        },
    )
    return row
