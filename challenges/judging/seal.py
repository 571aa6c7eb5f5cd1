"""Closing a round seals its submitted score sheets with a SHA-256 digest.

The canonical form, format "round-seal/1", is UTF-8 text of JSON lines, each line one
JSON object with its keys sorted, no whitespace (separators "," and ":"), non-ASCII
characters written as they are, and ending in a line feed ("\\n"):

- the first line, the header: {"challenge": <challenge code>, "format": "round-seal/1",
  "round": <round number>};
- then one line per submitted sheet of the round, in increasing assignment id:
  {"assignment": <assignment id>, "comment": <the juror's comment>, "juror": <juror's
  user id>, "reference": <proposal reference>, "scores": [[<criterion id>, <value or
  null>, <abstain: true or false>, <reason>], ... in increasing criterion id],
  "submitted_at": <ISO 8601 in UTC with microseconds, e.g.
  "2026-05-04T03:02:01.000000+00:00">}.

The digest is the SHA-256 (hex) of those bytes: anyone who downloads the form
(`round_canonical_form`) can check it with `sha256sum`, and `manage.py
verify_round_seal` recomputes it from the database to show that no sheet, score or
comment changed since the round was closed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC
from itertools import islice

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from challenges.judging.models import Assignment, AssignmentStatus, Round, RoundStatus, Score
from portal.audit import audit_record
from portal.errors import Conflict
from portal.roles import Role

SEAL_FORMAT = "round-seal/1"
SEAL_CHUNK_SIZE = 1000

may_close_round = rules.is_superuser | rules.is_group_member(Role.PROGRAMME_MANAGER)


def _line(payload: dict) -> bytes:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return (text + "\n").encode()


def _sheet_lines(round_: Round) -> Iterator[tuple[bytes, int]]:
    """(line, number of scores) per submitted sheet. Sheets stream from one cursor,
    their scores are read a chunk of sheets at a time, as plain values: a round of
    ten thousand sheets never sits in memory at once."""
    sheets = (
        Assignment.objects.filter(round=round_, status=AssignmentStatus.SUBMITTED)
        .order_by("pk")
        .values_list("pk", "juror_id", "submitted_at", "comment", "entry__proposal__reference")
        .iterator(chunk_size=SEAL_CHUNK_SIZE)
    )
    while chunk := list(islice(sheets, SEAL_CHUNK_SIZE)):
        scores: dict[int, list] = defaultdict(list)
        rows = (
            Score.objects.filter(assignment_id__in=[sheet[0] for sheet in chunk])
            .order_by("assignment_id", "criterion_id")
            .values_list("assignment_id", "criterion_id", "value", "abstain", "reason")
        )
        for assignment_id, criterion_id, value, abstain, reason in rows:
            scores[assignment_id].append([criterion_id, value, bool(abstain), reason])
        for pk, juror_id, submitted_at, comment, reference in chunk:
            line = _line(
                {
                    "assignment": pk,
                    "reference": reference,
                    "juror": juror_id,
                    "submitted_at": submitted_at.astimezone(UTC).isoformat(timespec="microseconds"),
                    "comment": comment,
                    "scores": scores[pk],
                }
            )
            yield line, len(scores[pk])


def round_canonical_form(round_: Round) -> Iterator[bytes]:
    """The sealed bytes, line by line (see the module's docstring)."""
    yield _line({"format": SEAL_FORMAT, "challenge": round_.challenge.code, "round": round_.number})
    for line, _scores in _sheet_lines(round_):
        yield line


def _digest_and_counts(round_: Round) -> tuple[str, int, int]:
    digest = hashlib.sha256()
    sheets = scores = 0
    digest.update(
        _line({"format": SEAL_FORMAT, "challenge": round_.challenge.code, "round": round_.number})
    )
    for line, count in _sheet_lines(round_):
        digest.update(line)
        sheets += 1
        scores += count
    return digest.hexdigest(), sheets, scores


def round_seal_digest(round_: Round) -> str:
    """SHA-256 (hex) of the round's canonical form, computed now from the database."""
    return _digest_and_counts(round_)[0]


def round_verify_seal(round_: Round) -> bool:
    """Whether the round is sealed and its sheets still give the sealed digest."""
    if not round_.sealed_digest:
        return False
    return hmac.compare_digest(round_.sealed_digest, round_seal_digest(round_))


@transaction.atomic
def round_close(round_: Round, *, actor) -> Round:
    """Close a round that is scoring and seal it. Sheet writes lock their round's row
    as well (`services._locked_sheet`), so none lands between the digest and the
    status change; afterwards they find the round closed and are refused. Reviews
    still pending stay unsubmitted and outside the seal; their number is audited."""
    if not may_close_round(actor):
        raise PermissionDenied(_("Only programme managers may close a judging round."))
    locked = Round.objects.select_for_update().select_related("challenge").get(pk=round_.pk)
    if locked.status != RoundStatus.SCORING:
        raise Conflict(
            _("Only a round being scored can be closed; this one is “%(status)s”.")
            % {"status": locked.get_status_display()}
        )
    digest, sheets, scores = _digest_and_counts(locked)
    pending = Assignment.objects.filter(
        round=locked, status__in=(AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT)
    ).count()
    previous = locked.status
    locked.status = RoundStatus.CLOSED
    locked.sealed_digest = digest
    locked.sealed_at = timezone.now()
    locked.sealed_by = actor
    locked.save(update_fields=["status", "sealed_digest", "sealed_at", "sealed_by"])
    audit_record(
        actor=actor,
        action="round.closed",
        obj=locked,
        data={
            "from": previous,
            "to": locked.status,
            "format": SEAL_FORMAT,
            "digest": digest,
            "sheets": sheets,
            "scores": scores,
            "pending": pending,
        },
    )
    for field in ("status", "sealed_digest", "sealed_at", "sealed_by"):
        setattr(round_, field, getattr(locked, field))
    return locked
