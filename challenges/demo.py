"""Demo challenges: the six major problems and the two contests, with dates relative
to the day the seed runs. SAMPLE CONTENT: the department's own texts are not public."""

from datetime import timedelta

from django.utils import timezone

from challenges.enums import ChallengeKind, ProposalStatus, Sector
from challenges.models import Challenge, Proposal
from challenges.services import proposal_content_digest, proposal_create, proposal_submit
from portal.audit import audit_record
from startups.enums import MembershipRole

SAMPLE_VI = "[Nội dung mẫu] "
SAMPLE_EN = "[Sample content] "

# code, kind, sector, (opens, closes, results) in days from today, vi title, en title,
# vi summary, en summary
DEMO_CHALLENGES = [
    (
        "P1-2026",
        ChallengeKind.PROBLEM,
        Sector.ENVIRONMENT,
        (-20, 40, None),
        "Giám sát môi trường khu công nghiệp theo thời gian thực",
        "Real-time environmental monitoring of industrial parks",
        "Cảm biến và nền tảng dữ liệu cảnh báo sớm ô nhiễm nước thải, khí thải tại các "
        "khu công nghiệp của tỉnh.",
        "Sensors and a data platform that give early warning of waste-water and air "
        "pollution in the province's industrial parks.",
    ),
    (
        "P2-2026",
        ChallengeKind.PROBLEM,
        Sector.TRANSPORT,
        (-75, -10, None),
        "Giao thông thông minh và logistics cho hành lang công nghiệp",
        "Smart traffic and logistics for the industrial corridor",
        "Điều phối tín hiệu giao thông và luồng xe tải giữa khu công nghiệp, cảng cạn và cao tốc.",
        "Coordinating traffic signals and truck flows between industrial parks, the "
        "dry port and the expressways.",
    ),
    (
        "P3-2026",
        ChallengeKind.PROBLEM,
        Sector.PUBLIC_SERVICES,
        (-15, 45, None),
        "Dịch vụ công số không giấy tờ cho người dân và doanh nghiệp",
        "Paperless digital public services for citizens and businesses",
        "Hồ sơ trực tuyến liên thông, chữ ký số và trợ lý ảo hướng dẫn thủ tục hành chính.",
        "Joined-up online applications, digital signatures and a virtual assistant for "
        "administrative procedures.",
    ),
    (
        "P4-2026",
        ChallengeKind.PROBLEM,
        Sector.AGRICULTURE,
        (-10, 50, None),
        "Nông nghiệp công nghệ cao và truy xuất nguồn gốc",
        "High-tech agriculture and traceability",
        "IoT trong nhà màng, dự báo dịch bệnh và truy xuất nguồn gốc nông sản chủ lực.",
        "IoT in greenhouses, disease forecasting and traceability of key farm products.",
    ),
    (
        "P5-2026",
        ChallengeKind.PROBLEM,
        Sector.TOURISM,
        (-5, 55, None),
        "Số hóa di sản và du lịch văn hóa Kinh Bắc",
        "Digitising Kinh Bac heritage and cultural tourism",
        "Bản đồ số di tích, thuyết minh đa ngôn ngữ và trải nghiệm thực tế ảo cho du khách.",
        "A digital map of heritage sites, multilingual guides and virtual-reality "
        "experiences for visitors.",
    ),
    (
        "P6-2026",
        ChallengeKind.PROBLEM,
        Sector.SEMICONDUCTORS,
        (-1, 60, None),
        "Đào tạo nhân lực cho ngành công nghiệp bán dẫn",
        "Building skills for the semiconductor industry",
        "Chương trình và nền tảng đào tạo kỹ sư thiết kế, đóng gói và kiểm thử vi mạch.",
        "Curricula and a training platform for chip design, packaging and test engineers.",
    ),
    (
        "STEM-2026",
        ChallengeKind.STEM_CONTEST,
        Sector.EDUCATION,
        (14, 90, None),
        "Cuộc thi Đổi mới sáng tạo STEM 2026",
        "STEM Innovation Contest 2026",
        "Dành cho đội học sinh, sinh viên với sản phẩm khoa học, công nghệ, kỹ thuật, toán học.",
        "For school and university teams with science, technology, engineering and maths projects.",
    ),
    (
        "STARTUP-2026",
        ChallengeKind.STARTUP_CONTEST,
        Sector.STARTUPS,
        (-120, -45, -5),
        "Cuộc thi Khởi nghiệp đổi mới sáng tạo 2026",
        "Startup Innovation Contest 2026",
        "Dành cho doanh nghiệp khởi nghiệp và nhóm dự án có mô hình kinh doanh đổi mới sáng tạo.",
        "For startups and project teams with an innovative business model.",
    ),
]


def seed_challenges() -> list[tuple[Challenge, dict]]:
    """Create or update the eight challenges; return each with its texts per language."""
    # Deadlines fall at 17:00 Vietnam time, the end of the office day.
    today_5pm = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
    seeded = []
    for code, kind, sector, days, title_vi, title_en, summary_vi, summary_en in DEMO_CHALLENGES:
        opens, closes, results = days
        challenge, _ = Challenge.objects.update_or_create(
            code=code,
            defaults={
                "kind": kind,
                "sector": sector,
                "title": title_vi,
                "summary": SAMPLE_VI + summary_vi,
                "opens_at": today_5pm + timedelta(days=opens),
                "closes_at": today_5pm + timedelta(days=closes),
                "results_published_at": (
                    today_5pm + timedelta(days=results) if results is not None else None
                ),
                "is_published": True,
            },
        )
        texts = {
            "vi": (title_vi, SAMPLE_VI + summary_vi),
            "en": (title_en, SAMPLE_EN + summary_en),
        }
        seeded.append((challenge, texts))
    return seeded


# Demo proposals: (organisation key, challenge code, title, status, days before the
# deadline it was sent; None for a draft). Open calls go through the services; calls
# that have closed are filled in as they stood, since nobody can submit to them now.
DEMO_PROPOSALS = [
    ("enterprise", "P1-2026", "Trạm quan trắc IoT nước thải cho khu công nghiệp Quế Võ", None),
    ("enterprise", "P3-2026", "Một cửa số cho hộ kinh doanh trên ứng dụng di động", "submit"),
    ("startup", "P4-2026", "Truy xuất nguồn gốc rau an toàn bằng mã QR", "submit"),
    ("enterprise", "P2-2026", "Điều phối đèn tín hiệu thích ứng cho hành lang QL18", 6),
    ("startup", "P2-2026", "Sàn ghép chuyến xe tải rỗng chiều về", 3),
    ("university", "P2-2026", "Mô hình dự báo ùn tắc từ dữ liệu camera", 1),
    ("institute", "P2-2026", "Bản đồ phát thải giao thông theo thời gian thực", 2),
    ("startup", "STARTUP-2026", "Xanh Agri: cảm biến độ ẩm giá rẻ cho hợp tác xã", 10),
    ("other", "STARTUP-2026", "Chợ nông sản trực tuyến của hợp tác xã", 4),
    ("school", "STEM-2026", "Robot phân loại rác cho trường học", None),
]
DEMO_RESULTS = {
    "Xanh Agri: cảm biến độ ẩm giá rẻ cho hợp tác xã": ProposalStatus.WINNER,
    "Chợ nông sản trực tuyến của hợp tác xã": ProposalStatus.NOT_SELECTED,
}


def seed_proposals(organizations) -> int:
    """Drafts and sent proposals across the problems and contests; create only what is
    missing (keyed on organisation, challenge and title). Returns how many it made."""
    made = 0
    challenges = Challenge.objects.in_bulk(
        {code for _key, code, _title, _sent in DEMO_PROPOSALS}, field_name="code"
    )
    for key, code, title, sent in DEMO_PROPOSALS:
        organization = organizations[key]
        challenge = challenges[code]
        if Proposal.objects.filter(organization=organization, challenge=challenge, title=title):
            continue
        author = (
            organization.memberships.filter(role=MembershipRole.OWNER)
            .select_related("user")
            .first()
            .user
        )
        fields = {
            "title": title,
            "summary": SAMPLE_VI + "Tóm tắt giải pháp, lợi ích và lộ trình triển khai.",
            "description": SAMPLE_VI
            + "\n\n## Bối cảnh\n\nVấn đề cần giải quyết."
            + "\n\n## Giải pháp\n\n- Công nghệ\n- Lộ trình",
            "budget_vnd": 850_000_000 + 50_000_000 * made,
            "duration_months": 12,
            "team": "Nhóm dự án gồm 6 kỹ sư. [Mẫu]",
        }
        if sent is None or sent == "submit":
            proposal = proposal_create(
                actor=author, organization=organization, challenge=challenge, data=fields
            )
            if sent == "submit":
                proposal_submit(actor=author, proposal=proposal)
        else:
            _sent_before(challenge, organization, author, fields, days=sent, title=title)
        made += 1
    return made


def _sent_before(challenge, organization, author, fields, *, days, title):
    """A proposal sent `days` before a deadline that has passed, as the services would
    have recorded it (reference, time, digest, audit)."""
    challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
    challenge.last_reference_number += 1
    challenge.save(update_fields=["last_reference_number"])
    proposal = Proposal(
        challenge=challenge,
        organization=organization,
        author=author,
        status=DEMO_RESULTS.get(title, ProposalStatus.SUBMITTED),
        reference=f"{challenge.code}-{challenge.last_reference_number:04d}",
        submitted_at=challenge.closes_at - timedelta(days=days, hours=3),
        **fields,
    )
    proposal.content_sha256 = proposal_content_digest(proposal)
    proposal.save()
    audit_record(
        actor=author,
        action="proposal.transition",
        obj=proposal,
        data={
            "from": ProposalStatus.DRAFT,
            "to": ProposalStatus.SUBMITTED,
            "reference": proposal.reference,
            "sha256": proposal.content_sha256,
            "note": "Demo data. [Sample]",
        },
    )
