"""Demo judging: P2-2026 (closed) in its screening round, each demo juror holding
scored and unscored sheets; the startup contest's final round closed and sealed, its
winner recorded. Idempotent: a challenge that has a round is left as it is.
SAMPLE CONTENT."""

from datetime import timedelta

from django.utils import timezone

from challenges.enums import ProposalStatus, Sector
from challenges.judging.assignment import juror_join, run_assignment
from challenges.judging.models import (
    Criterion,
    JurorAffiliation,
    JurorProfile,
    RankingMethod,
    Round,
    RoundEntry,
    RoundStatus,
    Rubric,
    Winner,
)
from challenges.judging.results import round_start
from challenges.judging.seal import round_close
from challenges.judging.services import sheet_save, sheet_submit
from challenges.models import Challenge, Proposal

JUROR, JUROR2, MANAGER = "juror@demo.example", "juror2@demo.example", "manager@demo.example"

# (name, English name, weight, highest score)
DEMO_CRITERIA = [
    ("Mức độ giải quyết bài toán", "How well it solves the problem", 30, 5),
    ("Tính khả thi kỹ thuật", "Technical feasibility", 25, 5),
    ("Đổi mới sáng tạo", "Innovation", 20, 5),
    ("Năng lực đội ngũ", "Team capability", 15, 5),
    ("Chi phí hợp lý", "Value for money", 10, 5),
]
GUIDANCE = (
    "Không đáp ứng hoặc không có minh chứng. [Mẫu]",
    "Đáp ứng một phần, còn thiếu minh chứng. [Mẫu]",
    "Đáp ứng đầy đủ, có số liệu và thử nghiệm. [Mẫu]",
)


def seed_judging(users) -> None:
    juror, juror2, manager = users[JUROR], users[JUROR2], users[MANAGER]
    JurorProfile.objects.get_or_create(
        user=juror, defaults={"expertise": [Sector.TRANSPORT, Sector.PUBLIC_SERVICES]}
    )
    JurorProfile.objects.get_or_create(
        user=juror2, defaults={"expertise": [Sector.TRANSPORT, Sector.STARTUPS]}
    )
    JurorAffiliation.objects.get_or_create(
        user=juror2,
        tax_code="0106713804",
        defaults={"organization_name": "Viện Công nghệ Giao thông [mẫu]"},
    )
    _screening("P2-2026", juror, juror2, manager)
    _startup_final("STARTUP-2026", juror, juror2, manager)


def _rubric(challenge, name) -> Rubric:
    rubric = Rubric.objects.create(challenge=challenge, name=name)
    for order, (vi, en, weight, top) in enumerate(DEMO_CRITERIA):
        low, mid, high = GUIDANCE
        Criterion.objects.create(
            rubric=rubric,
            sort_order=order,
            name=vi,
            name_en=en,
            description="Đánh giá theo hồ sơ và tài liệu kèm theo. [Mẫu]",
            weight=weight,
            max_score=top,
            guidance_low=low,
            guidance_mid=mid,
            guidance_high=high,
        )
    return rubric


def _score(sheet, values, comment, *, submit):
    criteria = list(sheet.round.rubric.criteria.order_by("sort_order"))
    scores = [
        {"criterion": c.pk, "value": v}
        if v is not None
        else {"criterion": c.pk, "abstain": True, "reason": "Ngoài chuyên môn. [Mẫu]"}
        for c, v in zip(criteria, values, strict=False)
    ]
    sheet_save(sheet, actor=sheet.juror, scores=scores, comment=comment)
    if submit:
        sheet_submit(sheet, actor=sheet.juror)


def _sheets(round_, juror):
    return list(round_.assignments.filter(juror=juror).order_by("entry__proposal__reference"))


def _screening(code, juror, juror2, manager) -> None:
    """The closed problem in judging: two jurors, each on every entry; some sheets
    submitted, one in draft, others not started."""
    challenge = Challenge.objects.filter(code=code).first()
    if challenge is None or challenge.rounds.exists():
        return
    round_ = Round.objects.create(
        challenge=challenge,
        number=1,
        name="Vòng sơ loại",
        name_en="Screening",
        rubric=_rubric(challenge, "Tiêu chí vòng sơ loại"),
        reviewers_per_entry=2,
        opens_at=timezone.now() - timedelta(days=1),
        closes_at=challenge.closes_at + timedelta(days=14),
        ranking_method=RankingMethod.NORMALISED,
    )
    for person in (juror, juror2):
        juror_join(round_, person, actor=manager)
    round_start(round_, actor=manager)
    round_.refresh_from_db()
    mine, theirs = _sheets(round_, juror), _sheets(round_, juror2)
    _score(mine[0], [5, 4, 4, 3, 4], "Giải pháp rõ ràng, lộ trình khả thi. [Mẫu]", submit=True)
    _score(mine[1], [3, 3, 2, 4, None], "Cần thêm số liệu thử nghiệm. [Mẫu]", submit=True)
    _score(mine[2], [4, 3], "", submit=False)  # a draft, half filled
    _score(theirs[0], [4, 4, 3, 3, 3], "Phù hợp với hành lang QL18. [Mẫu]", submit=True)
    _score(theirs[1], [2, 3, 2, 2, 3], "Mô hình kinh doanh chưa rõ. [Mẫu]", submit=True)
    _score(theirs[2], [5, 5, 4, 4, 4], "Dữ liệu camera sẵn có. [Mẫu]", submit=True)


def _startup_final(code, juror, juror2, manager) -> None:
    """The contest whose results are published: its final round scored, closed and
    sealed, its winner recorded as the results page shows it."""
    challenge = Challenge.objects.filter(code=code).first()
    if challenge is None or challenge.rounds.exists():
        return
    proposals = list(
        Proposal.objects.filter(
            challenge=challenge, status__in=[ProposalStatus.WINNER, ProposalStatus.NOT_SELECTED]
        ).order_by("reference")
    )
    if not proposals:
        return
    now = timezone.now()
    round_ = Round.objects.create(
        challenge=challenge,
        number=1,
        name="Chung kết",
        name_en="Final",
        rubric=_rubric(challenge, "Tiêu chí chung kết"),
        reviewers_per_entry=2,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=1),
        status=RoundStatus.SCORING,
    )
    # Its results are already published (the seed's dates), so the round is filled in
    # as it stood: entries and sheets through the services, then closed and sealed.
    RoundEntry.objects.bulk_create(RoundEntry(round=round_, proposal=p) for p in proposals)
    for person in (juror, juror2):
        juror_join(round_, person, actor=manager)
    run_assignment(round_, actor=manager)
    values = {ProposalStatus.WINNER: [5, 5, 4, 5, 4], ProposalStatus.NOT_SELECTED: [3, 3, 3, 2, 3]}
    for person in (juror, juror2):
        for sheet in _sheets(round_, person):
            given = values[sheet.entry.proposal.status]
            _score(sheet, given, "Phần trình bày thuyết phục. [Mẫu]", submit=True)
    round_close(round_, actor=manager)
    Round.objects.filter(pk=round_.pk).update(
        opens_at=challenge.closes_at + timedelta(days=5),
        closes_at=challenge.results_published_at - timedelta(days=2),
    )
    winner = next(p for p in proposals if p.status == ProposalStatus.WINNER)
    Winner.objects.get_or_create(
        challenge=challenge,
        proposal=winner,
        defaults={
            "position": 1,
            "prize": "Giải Nhất",
            "prize_en": "First prize",
            "amount_vnd": 200_000_000,
        },
    )
