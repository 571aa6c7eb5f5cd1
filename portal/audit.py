"""The one way to write to the audit trail, and the check that it is intact."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from portal.models import AuditEvent

# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises
# appends so that two transactions never chain onto the same previous event.
_AUDIT_LOCK_KEY = 0x4155444954  # "AUDIT"


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    `data` holds what a reader needs to understand the event, for transitions
    `{"from": ..., "to": ..., "note": ...}`. Numbers must be integers (money is whole
    đồng): PostgreSQL's jsonb rewrites some floats, which would break the hash.
    """
    _reject_floats(data or {})
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Held until the outer transaction ends; SQLite takes its write lock at BEGIN
            # (transaction_mode IMMEDIATE), so it needs nothing more.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AUDIT_LOCK_KEY])
        last = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
        event = AuditEvent(
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            data=data or {},
            previous_hash=last.hash if last else AuditEvent.GENESIS_HASH,
        )
        # Hash what the database will give back: dates and decimals come back as strings.
        event.data = json.loads(json.dumps(event.data, cls=DjangoJSONEncoder))
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


def _reject_floats(value, path="data"):
    if isinstance(value, float):
        raise TypeError(f"{path} is a float; record amounts as integers or text.")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    reason: str


def audit_verify_chain(
    *, expected_head: str | None = None
) -> tuple[int, list[ChainProblem], str | None]:
    """Walk the chain in order; return the number of events, the problems found and
    the head hash (worth noting somewhere else, to pass back as `expected_head`).

    A changed event no longer matches its hash; a deleted one leaves a gap in the
    sequence and a broken link. Deleting the newest events leaves no trace inside the
    chain, which is what `expected_head` (a head hash noted earlier) is for.
    """
    problems: list[ChainProblem] = []
    previous_hash = AuditEvent.GENESIS_HASH
    expected_sequence = 1
    checked = 0
    head = None
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000):
        checked += 1
        if event.sequence != expected_sequence:
            problems.append(
                ChainProblem(
                    event.sequence,
                    f"events {expected_sequence}..{event.sequence - 1} are missing",
                )
            )
        if event.previous_hash != previous_hash:
            problems.append(ChainProblem(event.sequence, "link to the previous event is broken"))
        if event.compute_hash() != event.hash:
            problems.append(ChainProblem(event.sequence, "content does not match its hash"))
        previous_hash = event.hash
        expected_sequence = event.sequence + 1
        head = event.hash
    if expected_head and not AuditEvent.objects.filter(hash=expected_head).exists():
        problems.append(ChainProblem(expected_sequence, "the expected head event is missing"))
    return checked, problems, head
