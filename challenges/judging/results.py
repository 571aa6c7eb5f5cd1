"""What programme managers decide: starting a round, advancing entries, winners, and
publishing the results.

Each service runs in one transaction, holds the row locks of what it changes (the round,
the challenge, the proposals) before it reads their state, moves proposals only along
`challenges.enums.PROPOSAL_TRANSITIONS`, and writes an audit event for every proposal
moved and one for the decision itself. Errors follow `portal.errors`: field problems
are a ValidationError (400), a state or a clock that forbids the action a Conflict (409).
"""

from __future__ import annotations

from collections import deque
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from challenges.enums import PROPOSAL_TRANSITIONS, ProposalStatus
from challenges.judging.assignment import run_assignment
from challenges.judging.models import (
    Criterion,
    Round,
    RoundEntry,
    RoundStatus,
    Rubric,
    Winner,
)
from challenges.models import Challenge, Proposal
from challenges.services import local_time
from portal.audit import audit_record
from portal.errors import Conflict
from startups.models import Membership

# Proposals still being judged: what publication settles.
JUDGED_STATUSES = (ProposalStatus.UNDER_REVIEW, ProposalStatus.SHORTLISTED)
WEIGHTS_TOTAL = 100
PRIZE_MAX_LENGTH = Winner._meta.get_field("prize").max_length
AMOUNT_MAX_VND = 10**15


# Rubrics


def weights_problem(weights: list[int]) -> str | None:
    """What is wrong with a rubric whose criteria weigh `weights`, or None. The admin's
    criteria formset and `rubric_check` say it in the same words."""
    if not weights:
        return _("A rubric needs at least one criterion.")
    total = sum(weights)
    if total != WEIGHTS_TOTAL:
        return _("The criteria's weights add up to %(total)d; they must add up to 100.") % {
            "total": total
        }
    return None


def rubric_check(rubric: Rubric) -> None:
    """A rubric may be scored against: at least one criterion, weights summing to 100."""
    weights = list(Criterion.objects.filter(rubric=rubric).values_list("weight", flat=True))
    problem = weights_problem(weights)
    if problem:
        raise ValidationError({"criteria": [problem]})


def rubric_is_scored(rubric: Rubric) -> bool:
    """A rubric jurors have scored against is locked: changing it would change the
    meaning of scores already given."""
    return (
        rubric.pk is not None
        and Criterion.objects.filter(rubric_id=rubric.pk, scores__isnull=False).exists()
    )


# Rounds


@transaction.atomic
def round_start(round_: Round, *, actor):
    """Open a round for scoring: its entries are made (round 1: every submitted proposal
    of the challenge, now under review; later rounds: those advanced into it), it moves
    to SCORING, and the assignment runs. Returns the assignment's run."""
    round_ = _lock_round(round_)
    if round_.status != RoundStatus.SETUP:
        raise Conflict(
            _("This round is %(status)s; only a round being set up can start.")
            % {"status": round_.get_status_display().lower()}
        )
    challenge = round_.challenge
    now = timezone.now()
    if challenge.results_published_at is not None:
        raise Conflict(_("The results of this challenge are already published."))
    if now < challenge.closes_at:
        raise Conflict(
            _("Submissions are open until %(deadline)s; judging starts after the deadline.")
            % {"deadline": local_time(challenge.closes_at)}
        )
    if round_.rubric.challenge_id != challenge.pk:
        raise ValidationError({"rubric": [_("Choose one of this challenge's rubrics.")]})
    rubric_check(round_.rubric)
    earlier = (
        Round.objects.filter(challenge=challenge, number__lt=round_.number)
        .exclude(status=RoundStatus.CLOSED)
        .order_by("number")
        .first()
    )
    if earlier is not None:
        raise Conflict(
            _("Close and seal the earlier round “%(name)s” first.") % {"name": earlier.name}
        )
    jurors = round_.panel.filter(withdrawn_at__isnull=True).count()
    if jurors < round_.reviewers_per_entry:
        raise Conflict(
            ngettext(
                "The panel has %(count)d juror; each entry needs %(k)d. Add jurors first.",
                "The panel has %(count)d jurors; each entry needs %(k)d. Add jurors first.",
                jurors,
            )
            % {"count": jurors, "k": round_.reviewers_per_entry}
        )

    if round_.number == 1:
        proposals = list(
            Proposal.objects.select_for_update()
            .filter(challenge=challenge, status=ProposalStatus.SUBMITTED)
            .order_by("pk")
        )
        already = set(RoundEntry.objects.filter(round=round_).values_list("proposal_id", flat=True))
        _move(proposals, ProposalStatus.UNDER_REVIEW, actor=actor, now=now, round_=round_)
        RoundEntry.objects.bulk_create(
            [RoundEntry(round=round_, proposal=p) for p in proposals if p.pk not in already]
        )
    entries = RoundEntry.objects.filter(round=round_).count()
    if not entries:
        raise Conflict(
            _("No submitted proposal to judge.")
            if round_.number == 1
            else _("No entry has advanced into this round yet.")
        )

    round_.status = RoundStatus.SCORING
    round_.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="round.started",
        obj=round_,
        data={
            "from": RoundStatus.SETUP,
            "to": RoundStatus.SCORING,
            "challenge": challenge.code,
            "number": round_.number,
            "entries": entries,
            "jurors": jurors,
        },
    )
    return run_assignment(round_, actor=actor)


@transaction.atomic
def advance_entries(round_: Round, proposals, *, actor, to_round: Round) -> list[RoundEntry]:
    """Carry entries of a closed (sealed) round into the challenge's next round while it
    is being set up; they become shortlisted. `proposals` are Proposal rows or ids.
    Entries already advanced stay as they are. Returns the new entries."""
    locked = {
        r.pk: r
        for r in Round.objects.select_for_update(of=("self",))
        .select_related("challenge")
        .filter(pk__in=[round_.pk, to_round.pk])
        .order_by("pk")
    }
    round_, to_round = locked[round_.pk], locked[to_round.pk]
    if round_.status != RoundStatus.CLOSED:
        raise Conflict(_("Entries advance only from a round that is closed and sealed."))
    next_round = (
        Round.objects.filter(challenge_id=round_.challenge_id, number__gt=round_.number)
        .order_by("number")
        .first()
    )
    if next_round is None:
        raise Conflict(_("This challenge has no later round: add one first."))
    if to_round.pk != next_round.pk:
        raise ValidationError(
            {
                "to_round": [
                    _("Entries advance into the challenge's next round, “%(name)s”.")
                    % {"name": next_round.name}
                ]
            }
        )
    if to_round.status != RoundStatus.SETUP:
        raise Conflict(
            _("The round “%(name)s” has started; it takes no more entries.")
            % {"name": to_round.name}
        )
    ids = _ids(proposals)
    if not ids:
        raise ValidationError({"proposals": [_("Choose the entries to advance.")]})
    rows = list(
        Proposal.objects.select_for_update()
        .filter(
            pk__in=RoundEntry.objects.filter(round=round_, proposal_id__in=ids).values(
                "proposal_id"
            )
        )
        .order_by("pk")
    )
    if len(rows) != len(ids):
        raise ValidationError({"proposals": [_("Only entries of this round can advance from it.")]})
    not_judged = [p for p in rows if p.status not in JUDGED_STATUSES]
    if not_judged:
        raise Conflict(
            _("%(reference)s is %(status)s; it cannot advance.")
            % {
                "reference": not_judged[0].reference,
                "status": not_judged[0].get_status_display().lower(),
            }
        )
    already = set(
        RoundEntry.objects.filter(round=to_round, proposal_id__in=ids).values_list(
            "proposal_id", flat=True
        )
    )
    rows = [p for p in rows if p.pk not in already]
    now = timezone.now()
    _move(
        [p for p in rows if p.status == ProposalStatus.UNDER_REVIEW],
        ProposalStatus.SHORTLISTED,
        actor=actor,
        now=now,
        round_=to_round,
    )
    created = RoundEntry.objects.bulk_create([RoundEntry(round=to_round, proposal=p) for p in rows])
    audit_record(
        actor=actor,
        action="round.advanced",
        obj=round_,
        data={
            "challenge": round_.challenge.code,
            "from_round": round_.number,
            "to_round": to_round.number,
            "proposals": sorted(p.reference for p in rows),
        },
    )
    return created


# Winners and results


class WinnersError(ValidationError):
    """The winners' field errors, all at once. As a ValidationError it reads
    `{"winners": ["Row 2: ...", ...]}`; `item_errors` holds them the way the input
    came, one dict per winner given (`{}` for a good one, else field -> messages), so
    that a form puts each beside its input."""

    def __init__(self, item_errors: list[dict]):
        messages = [
            _("Row %(number)d: %(message)s") % {"number": number, "message": message}
            for number, problems in enumerate(item_errors, start=1)
            for field_messages in problems.values()
            for message in field_messages
        ]
        super().__init__({"winners": messages})
        self.item_errors = item_errors


@transaction.atomic
def set_winners(challenge: Challenge, winners: list[dict], *, actor) -> list[Winner]:
    """Replace the challenge's winners. Each item: `proposal` (a Proposal or its id, an
    entry of the challenge's last closed round), `position` (1 for the first), `prize`,
    `prize_en` (optional), `amount_vnd` (whole đồng, positive, or None)."""
    challenge = _lock_challenge(challenge)
    if challenge.results_published_at is not None:
        raise Conflict(_("The results are published; the winners can no longer change."))
    last = (
        Round.objects.filter(challenge=challenge, status=RoundStatus.CLOSED)
        .order_by("-number")
        .first()
    )
    if last is None:
        raise Conflict(_("Close and seal a round before choosing the winners."))
    ids = [pk for pk in (_id(item.get("proposal")) for item in winners) if pk is not None]
    entries = {
        entry.proposal_id: entry.proposal
        for entry in RoundEntry.objects.filter(round=last, proposal_id__in=ids).select_related(
            "proposal"
        )
    }
    errors: list[dict] = []
    rows: list[Winner] = []
    seen: set[int] = set()
    for item in winners:
        problems: dict[str, list[str]] = {}
        pk = _id(item.get("proposal"))
        proposal = entries.get(pk)
        if proposal is None:
            problems["proposal"] = [
                _("Choose an entry of the last closed round, “%(name)s”.") % {"name": last.name}
            ]
        elif pk in seen:
            problems["proposal"] = [_("This entry is listed twice.")]
        position = item.get("position", 1)
        if not _whole(position) or position < 1:
            problems["position"] = [_("A position is a whole number from 1.")]
        prize = (item.get("prize") or "").strip()
        prize_en = (item.get("prize_en") or "").strip()
        if not prize:
            problems["prize"] = [_("Name the prize.")]
        elif len(prize) > PRIZE_MAX_LENGTH:
            problems["prize"] = [_("At most %(max)d characters.") % {"max": PRIZE_MAX_LENGTH}]
        if len(prize_en) > PRIZE_MAX_LENGTH:
            problems["prize_en"] = [_("At most %(max)d characters.") % {"max": PRIZE_MAX_LENGTH}]
        amount = item.get("amount_vnd")
        if amount is not None and (not _whole(amount) or not 0 < amount <= AMOUNT_MAX_VND):
            problems["amount_vnd"] = [_("An amount is a positive whole number of đồng.")]
        errors.append(problems)
        if pk is not None:
            seen.add(pk)
        if not problems:
            rows.append(
                Winner(
                    challenge=challenge,
                    proposal=proposal,
                    position=position,
                    prize=prize,
                    prize_en=prize_en,
                    amount_vnd=amount,
                )
            )
    if any(errors):
        raise WinnersError(errors)
    Winner.objects.filter(challenge=challenge).delete()
    created = Winner.objects.bulk_create(rows)
    audit_record(
        actor=actor,
        action="results.winners_set",
        obj=challenge,
        data={
            "round": last.number,
            "winners": [
                [w.proposal.reference, w.position, w.prize, w.amount_vnd]
                for w in sorted(created, key=lambda w: (w.position, w.proposal.reference))
            ],
        },
    )
    return created


@transaction.atomic
def publish_results(challenge: Challenge, *, actor) -> Challenge:
    """Publish the challenge's results: every round closed, the winners chosen among the
    last round's entries. The winners' proposals become winners, the other proposals
    still being judged are not selected; `results_published_at` is set (saving the
    challenge drops the public page cache, see cms/signals.py), and once committed,
    every member of each applicant organisation is told by e-mail in their language."""
    challenge = _lock_challenge(challenge)
    if challenge.results_published_at is not None:
        raise Conflict(_("The results of this challenge are already published."))
    rounds = list(Round.objects.filter(challenge=challenge).order_by("number"))
    if not rounds:
        raise Conflict(_("This challenge has no judging round."))
    still_open = [r.name for r in rounds if r.status != RoundStatus.CLOSED]
    if still_open:
        raise Conflict(
            _("Close and seal every round first: %(names)s.") % {"names": ", ".join(still_open)}
        )
    winners = list(Winner.objects.filter(challenge=challenge).select_related("proposal"))
    if not winners:
        raise Conflict(_("Choose the winners first."))
    last = rounds[-1]
    in_last = set(
        RoundEntry.objects.filter(
            round=last, proposal_id__in=[w.proposal_id for w in winners]
        ).values_list("proposal_id", flat=True)
    )
    strays = sorted(w.proposal.reference for w in winners if w.proposal_id not in in_last)
    if strays:
        raise Conflict(
            _("Winners must be entries of the last round, “%(name)s”: %(references)s.")
            % {"name": last.name, "references": ", ".join(strays)}
        )
    judged = list(
        Proposal.objects.select_for_update()
        .filter(
            pk__in=RoundEntry.objects.filter(round__challenge=challenge).values("proposal_id"),
            status__in=JUDGED_STATUSES,
        )
        .order_by("pk")
    )
    winner_ids = {w.proposal_id for w in winners}
    unsettled = [w.proposal.reference for w in winners if w.proposal.status not in JUDGED_STATUSES]
    if unsettled:
        raise Conflict(
            _("These proposals are no longer being judged: %(references)s.")
            % {"references": ", ".join(sorted(unsettled))}
        )
    now = timezone.now()
    _move([p for p in judged if p.pk in winner_ids], ProposalStatus.WINNER, actor=actor, now=now)
    others = [p for p in judged if p.pk not in winner_ids]
    _move(others, ProposalStatus.NOT_SELECTED, actor=actor, now=now)
    challenge.results_published_at = now
    challenge.save(update_fields=["results_published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="results.published",
        obj=challenge,
        data={
            "code": challenge.code,
            "winners": sorted(w.proposal.reference for w in winners),
            "not_selected": len(others),
        },
    )
    transaction.on_commit(partial(_send_results, challenge.pk), robust=True)
    return challenge


# E-mails


def _send_results(challenge_id: int) -> None:
    """Tell every active member of each organisation whose proposals were judged how
    they fared, in the member's preferred language (User.preferred_language)."""
    challenge = Challenge.objects.get(pk=challenge_id)
    proposals = (
        Proposal.objects.filter(
            challenge_id=challenge_id,
            status__in=[ProposalStatus.WINNER, ProposalStatus.NOT_SELECTED],
        )
        .select_related("prize")
        .order_by("organization_id", "reference")
    )
    by_organization: dict[int, list[Proposal]] = {}
    for proposal in proposals:
        by_organization.setdefault(proposal.organization_id, []).append(proposal)
    memberships = (
        Membership.objects.filter(organization_id__in=by_organization, user__is_active=True)
        .select_related("user", "organization")
        .order_by("organization_id", "user_id")
    )
    messages = [
        _results_message(m.user, challenge, m.organization, by_organization[m.organization_id])
        for m in memberships
    ]
    if messages:
        get_connection().send_messages(messages)


def _results_message(user, challenge, organization, proposals) -> EmailMultiAlternatives:
    language = user.preferred_language
    english = language == "en"
    with translation.override(language):
        outcomes = []
        for proposal in proposals:
            prize = (
                getattr(proposal, "prize", None)
                if proposal.status == ProposalStatus.WINNER
                else None
            )
            outcomes.append(
                {
                    "reference": proposal.reference,
                    "title": proposal.title,
                    "won": prize is not None,
                    "prize": prize and ((english and prize.prize_en) or prize.prize),
                    "amount_vnd": prize and prize.amount_vnd,
                }
            )
        context = {
            "user": user,
            "challenge": challenge,
            "organization": organization,
            "outcomes": outcomes,
            "url": _dashboard_url(language),
        }
        subject = render_to_string("challenges/email/results_subject.txt", context)
        body = render_to_string("challenges/email/results_message.txt", context)
    return EmailMultiAlternatives(subject=" ".join(subject.split()), body=body, to=[user.email])


def _dashboard_url(language: str) -> str:
    # Vietnamese, the default language, has no prefix; English is under /en/.
    prefix = "" if language == settings.LANGUAGE_CODE else f"/{language}"
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{prefix}/dashboard/proposals/"


# Helpers


def status_path(current: str, target: str) -> list[str] | None:
    """The statuses a proposal passes through from `current` to `target`, by the fewest
    allowed transitions (`target` last), or None if the table allows no way."""
    routes: dict[str, list[str]] = {current: []}
    queue = deque([current])
    while queue:
        status = queue.popleft()
        if status == target:
            return routes[status]
        for following in sorted(PROPOSAL_TRANSITIONS.get(status, ())):
            if following not in routes:
                routes[following] = [*routes[status], following]
                queue.append(following)
    return None


def _move(proposals: list[Proposal], target: str, *, actor, now, round_=None) -> None:
    """Move locked proposals to `target` along the transition table, each step audited.
    Where the table has no direct transition (a one-round contest's winner is under
    review, and winners come from the shortlist) the proposal passes through the steps
    between."""
    paths: dict[str, list[str]] = {}
    for proposal in proposals:
        if proposal.status not in paths:
            path = status_path(proposal.status, target)
            if not path:
                raise Conflict(
                    _("A proposal that is %(status)s cannot become %(to)s: %(reference)s.")
                    % {
                        "status": proposal.get_status_display().lower(),
                        "to": ProposalStatus(target).label.lower(),
                        "reference": proposal.reference,
                    }
                )
            paths[proposal.status] = path
    # One event per step for the whole batch (2,000 entries would otherwise append
    # 2,000 events one by one under the audit lock), naming every proposal it moved.
    steps: dict[tuple[str, str], list[Proposal]] = {}
    for proposal in proposals:
        previous = proposal.status
        for step in paths[previous]:
            steps.setdefault((previous, step), []).append(proposal)
            previous = step
        proposal.status = target
    for (previous, step), moved in steps.items():
        data = {
            "from": previous,
            "to": step,
            "proposals": [p.pk for p in moved],
            "references": [p.reference for p in moved],
        }
        if round_ is not None:
            data["round"] = round_.number
        audit_record(
            actor=actor,
            action="proposals.transition",
            obj=round_ if round_ is not None else moved[0].challenge,
            data=data,
        )
    if proposals:
        Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
            status=target, updated_at=now
        )


def _lock_round(round_: Round) -> Round:
    return (
        Round.objects.select_for_update(of=("self",))
        .select_related("challenge", "rubric")
        .get(pk=round_.pk)
    )


def _lock_challenge(challenge: Challenge) -> Challenge:
    return Challenge.objects.select_for_update().get(pk=challenge.pk)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id(value) -> int | None:
    if isinstance(value, Proposal):
        return value.pk
    if _whole(value):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _ids(values) -> list[int]:
    ids = [_id(value) for value in values]
    if any(pk is None for pk in ids):
        raise ValidationError({"proposals": [_("Choose the entries to advance.")]})
    return sorted(set(ids))
