"""The benchmark's synthetic data set, made by `manage.py bench_data --scale N`.

Deterministic for a seed (dates are offsets from the hour the run starts), fast (bulk
inserts, PostgreSQL COPY for the wide tables) and shaped like the real thing: Vietnamese
text with diacritics and its English translation, every state a row can be in, dates spread
around now. Scale 1 is the size the budgets in `bench.scenarios` are set for.

A later feature adds its data as one more step in `STEPS`: a function taking the
`BenchData` of the run, reading what earlier steps made from `data.made` and recording
its own rows there, and returning how many rows of what it made.
"""

import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from psycopg import sql
from stdnum.vn import mst
from taggit.models import Tag
from wagtail.models import Locale, Page, Site
from wagtail.search.backends import get_search_backend

from challenges.enums import AttachmentKind, ChallengeKind, ChallengeStatus, ProposalStatus, Sector
from challenges.judging.assignment import run_assignment
from challenges.judging.models import (
    Assignment,
    Criterion,
    JurorProfile,
    Round,
    RoundEntry,
    RoundJuror,
    Rubric,
    Score,
)
from challenges.judging.services import sheet_score
from challenges.models import Attachment, Challenge, Proposal
from challenges.selectors import challenges_public
from challenges.services import proposal_content_digest
from cms.demo import seed_site
from cms.models import (
    ChallengeIndexPage,
    ChallengePage,
    FundPage,
    HomePage,
    Menu,
    NewsIndexPage,
    NewsPage,
    NewsPageTag,
    ResultsPage,
    ResultsPageWinner,
    SiteSettings,
    StandardPage,
)
from cms.search_index import challenge_pages_search_text_refresh
from fund.enums import ApplicationStatus, DisbursementStatus
from fund.models import (
    Award,
    Disbursement,
    Fund,
    FundApplication,
    FundingCall,
    LedgerEntry,
    Tranche,
)
from fund.reports import forget_past_months
from portal.demo import seed_users
from portal.models import User
from portal.roles import Role
from portal.text import refresh_folded
from startups.enums import PROVINCES, MembershipRole, OrganizationKind, SizeBand, StartupStage
from startups.enums import Sector as OrgSector
from startups.models import Membership, Organization, StartupProfile

# Published challenges at scale 1.
CHALLENGES_PER_SCALE = 100


@dataclass
class BenchData:
    rng: random.Random
    scale: float
    now: datetime
    made: dict = field(default_factory=dict)

    def count(self, per_scale: int, minimum: int = 1) -> int:
        return max(minimum, round(per_scale * self.scale))


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Append rows to `model`'s own table, bypassing the ORM: PostgreSQL's COPY where
    the database is PostgreSQL, one multi-row INSERT statement per batch elsewhere.
    Returns the number of rows written."""
    opts = model._meta
    columns = [opts.get_field(name).column for name in fields]
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(opts.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with cursor.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        else:
            quote = connection.ops.quote_name
            statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - our own names
                quote(opts.db_table),
                ", ".join(map(quote, columns)),
                ", ".join(["%s"] * len(columns)),
            )
            batch = list(rows)
            cursor.executemany(statement, batch)
            written = len(batch)
    return written


# Vocabulary: (Vietnamese, English) pairs, so that both languages say the same thing.
LEADS = [
    ("Giải pháp", "A solution for"),
    ("Nền tảng số cho", "A digital platform for"),
    ("Hệ thống thông minh cho", "A smart system for"),
    ("Ứng dụng trí tuệ nhân tạo trong", "Artificial intelligence in"),
    ("Mô hình thí điểm", "A pilot for"),
]
TOPICS = {
    Sector.ENVIRONMENT: [
        ("giám sát nước thải khu công nghiệp", "monitoring industrial-park waste water"),
        ("cảnh báo sớm ô nhiễm không khí", "early warning of air pollution"),
        ("quản lý chất thải rắn", "managing solid waste"),
    ],
    Sector.TRANSPORT: [
        ("điều phối đèn tín hiệu giao thông", "coordinating traffic signals"),
        ("quản lý luồng xe tải vào cảng cạn", "managing truck flows into the dry port"),
        ("bãi đỗ xe thông minh", "smart parking"),
    ],
    Sector.PUBLIC_SERVICES: [
        ("thủ tục hành chính không giấy tờ", "paperless administrative procedures"),
        ("trợ lý ảo giải đáp người dân", "a virtual assistant answering citizens"),
        ("chữ ký số cho hộ kinh doanh", "digital signatures for household businesses"),
    ],
    Sector.AGRICULTURE: [
        ("truy xuất nguồn gốc nông sản", "tracing farm produce"),
        ("tưới tiêu tự động trong nhà màng", "automatic irrigation in greenhouses"),
        ("dự báo sâu bệnh trên lúa", "forecasting rice pests"),
    ],
    Sector.TOURISM: [
        ("số hóa di tích và lễ hội Kinh Bắc", "digitising Kinh Bac heritage and festivals"),
        ("thuyết minh đa ngôn ngữ cho du khách", "multilingual guides for visitors"),
        ("bảo tồn dân ca quan họ", "preserving quan họ folk songs"),
    ],
    Sector.SEMICONDUCTORS: [
        ("đào tạo kỹ sư thiết kế vi mạch", "training chip design engineers"),
        ("phòng thí nghiệm kiểm thử bán dẫn", "a semiconductor test laboratory"),
        ("liên kết trường nghề với doanh nghiệp", "linking vocational schools and firms"),
    ],
    Sector.EDUCATION: [
        ("robot và lập trình cho học sinh", "robotics and coding for pupils"),
        ("thí nghiệm khoa học ở trường phổ thông", "science experiments in schools"),
    ],
    Sector.STARTUPS: [
        ("khởi nghiệp công nghệ xanh", "green-tech startups"),
        ("thương mại điện tử cho làng nghề", "e-commerce for craft villages"),
    ],
}
PLACES = [
    ("tại Bắc Ninh", "in Bac Ninh"),
    ("tại Từ Sơn", "in Tu Son"),
    ("tại Quế Võ", "in Que Vo"),
    ("tại Yên Phong", "in Yen Phong"),
    ("tại Thuận Thành", "in Thuan Thanh"),
    ("tại Gia Bình", "in Gia Binh"),
    ("tại Lương Tài", "in Luong Tai"),
    ("tại Tiên Du", "in Tien Du"),
]
SENTENCES = [
    (
        "Đề xuất cần nêu rõ dữ liệu đầu vào, chi phí triển khai và lộ trình nhân rộng.",
        "Proposals should set out the input data, the cost of deployment and how to scale up.",
    ),
    (
        "Sở Khoa học và Công nghệ hỗ trợ dữ liệu, địa điểm thử nghiệm và kết nối đối tác.",
        "The department provides data, test sites and introductions to partners.",
    ),
    (
        "Ưu tiên giải pháp của doanh nghiệp đổi mới sáng tạo đóng trên địa bàn tỉnh.",
        "Solutions from innovative firms based in the province are preferred.",
    ),
    (
        "Kết quả được đánh giá theo tính khả thi, hiệu quả kinh tế và khả năng bảo mật.",
        "Entries are judged on feasibility, economic return and security.",
    ),
    (
        "Hội đồng giám khảo gồm chuyên gia trong nước và quốc tế.",
        "The jury brings together national and international experts.",
    ),
]
KIND_WEIGHTS = [
    (ChallengeKind.PROBLEM, 8),
    (ChallengeKind.STEM_CONTEST, 1),
    (ChallengeKind.STARTUP_CONTEST, 1),
]
CONTEST_SECTORS = {
    ChallengeKind.STEM_CONTEST: Sector.EDUCATION,
    ChallengeKind.STARTUP_CONTEST: Sector.STARTUPS,
}
PROBLEM_SECTORS = [s for s in Sector if s not in CONTEST_SECTORS.values()]
CODE_PREFIX = {
    ChallengeKind.PROBLEM: "P",
    ChallengeKind.STEM_CONTEST: "STEM",
    ChallengeKind.STARTUP_CONTEST: "SU",
}
STATUS_WEIGHTS = [
    (ChallengeStatus.OPEN, 40),
    (ChallengeStatus.UPCOMING, 15),
    (ChallengeStatus.CLOSED, 30),
    (ChallengeStatus.RESULTS, 15),
]


def _pick(rng: random.Random, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _dates(rng: random.Random, status: ChallengeStatus, now: datetime):
    """(opens_at, closes_at, results_published_at) giving `status` at `now`: calls open
    at 08:00 and close at 17:00, Vietnam time."""
    today = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)

    def at(days: int, hour: int) -> datetime:
        return (today + timedelta(days=days)).replace(hour=hour)

    length = rng.randint(30, 90)
    results = None
    if status == ChallengeStatus.UPCOMING:
        opens = rng.randint(1, 60)
    elif status == ChallengeStatus.OPEN:
        opens = -rng.randint(1, length - 1)
    elif status == ChallengeStatus.CLOSED:
        opens = -length - rng.randint(1, 120)
    else:
        opens = -length - rng.randint(30, 365)
        results = opens + length + rng.randint(7, 29)
    return at(opens, 8), at(opens + length, 17), at(results, 9) if results is not None else None


def _texts(rng: random.Random, sector: Sector) -> dict[str, tuple[str, str, str]]:
    """{language: (title, summary, body HTML)} saying the same in both languages."""
    lead, topic, place = rng.choice(LEADS), rng.choice(TOPICS[sector]), rng.choice(PLACES)
    sentences = rng.sample(SENTENCES, 3)
    texts = {}
    for i, language in enumerate(("vi", "en")):
        title = f"{lead[i]} {topic[i]} {place[i]}"
        title = title[0].upper() + title[1:]
        summary = f"{sentences[0][i]} {sentences[1][i]}"
        body = "".join(f"<p>{sentence[i]}</p>" for sentence in sentences)
        texts[language] = (title, summary, body)
    return texts


def make_site(data: BenchData) -> dict[str, int]:
    """The demo users (one per role, the demo password) and the site's skeleton in both
    languages: home page and challenge index."""
    users = seed_users()
    seed_site(challenges=[])
    data.made["users"] = users
    return {"users": len(users)}


def make_challenges(data: BenchData) -> dict[str, int]:
    """Published challenges in every state, each with a live page in Vietnamese and in
    English; a few unpublished ones with a Vietnamese draft page only."""
    rng = data.rng
    published = data.count(CHALLENGES_PER_SCALE)
    drafts = max(1, published // 20)
    challenges, texts = [], []
    for number in range(1, published + drafts + 1):
        kind = _pick(rng, KIND_WEIGHTS)
        sector = CONTEST_SECTORS.get(kind) or rng.choice(PROBLEM_SECTORS)
        is_published = number <= published
        if not is_published:
            status = ChallengeStatus.UPCOMING
        elif number <= len(STATUS_WEIGHTS):
            # Every state exists even at the smallest scale.
            status = STATUS_WEIGHTS[number - 1][0]
        else:
            status = _pick(rng, STATUS_WEIGHTS)
        opens_at, closes_at, results_at = _dates(rng, status, data.now)
        these = _texts(rng, sector)
        title, summary, _body = these["vi"]
        challenges.append(
            Challenge(
                code=f"{CODE_PREFIX[kind]}{number:04d}-{opens_at.year}",
                kind=kind,
                sector=sector,
                title=title,
                summary=summary,
                opens_at=opens_at,
                closes_at=closes_at,
                results_published_at=results_at,
                is_published=is_published,
            )
        )
        texts.append(these)
    # bulk_create skips save(): fold the searched text here, as save() would.
    for challenge in challenges:
        refresh_folded(challenge, target="search_text", sources=Challenge.search_sources)
    Challenge.objects.bulk_create(challenges, batch_size=1000)

    home = HomePage.objects.get(depth=2, locale__language_code="vi")
    index_vi = ChallengeIndexPage.objects.child_of(home).get()
    en = Locale.objects.get(language_code="en")
    indexes = {"vi": index_vi, "en": index_vi.get_translation(en)}
    pairs = [
        (challenge, these, uuid.UUID(int=rng.getrandbits(128)))
        for challenge, these in zip(challenges, texts, strict=True)
    ]
    pages = 0
    for language, index in indexes.items():
        rows = [
            (challenge, these[language], key, challenge.is_published)
            for challenge, these, key in pairs
            if challenge.is_published or language == "vi"
        ]
        pages += _add_challenge_pages(index, rows, published_at=data.now)
    # The pages were written without publishing, so no signal folded their text.
    challenge_pages_search_text_refresh(challenge_ids=[challenge.pk for challenge in challenges])
    # Wagtail caches the site's root paths; the new pages do not change them, but the
    # new translations of the home page made above do.
    Site.clear_site_root_paths_cache()
    data.made["challenges"] = challenges
    return {"challenges": len(challenges), "challenge pages": pages}


def _add_challenge_pages(index: Page, rows, *, published_at: datetime) -> int:
    """Append ChallengePages under `index` in one pass: the tree paths are computed here
    rather than by one `add_child` (several queries) per page."""
    content_type = ContentType.objects.get_for_model(ChallengePage)
    depth = index.depth + 1
    first_step = index.numchild + 1
    pages = []
    for step, (challenge, (title, _summary, _body), key, live) in enumerate(rows, first_step):
        slug = challenge.code.lower()
        pages.append(
            Page(
                title=title,
                draft_title=title,
                slug=slug,
                content_type=content_type,
                path=Page._get_path(index.path, depth, step),
                depth=depth,
                numchild=0,
                url_path=f"{index.url_path}{slug}/",
                locale_id=index.locale_id,
                translation_key=key,
                live=live,
                has_unpublished_changes=not live,
                first_published_at=published_at if live else None,
                last_published_at=published_at if live else None,
            )
        )
    Page.objects.bulk_create(pages, batch_size=1000)
    copy_rows(
        ChallengePage,
        ["page_ptr", "challenge", "intro", "body"],
        (
            (page.pk, challenge.pk, summary, body)
            for page, (challenge, (_title, summary, body), _key, _live) in zip(
                pages, rows, strict=True
            )
        ),
    )
    Page.objects.filter(pk=index.pk).update(numchild=index.numchild + len(pages))
    return len(pages)


# Organisations at scale 1, and how many of them applicant@ belongs to (more than the
# API's largest page, so that its list of 100 is full).
ORGANIZATIONS_PER_SCALE = 5000
APPLICANT_MEMBERSHIPS = 150
# People who own and belong to the organisations, at scale 1 (no usable password).
MEMBERS_PER_SCALE = 2000

ORG_KIND_WEIGHTS = [
    (OrganizationKind.ENTERPRISE, 35),
    (OrganizationKind.STARTUP, 35),
    (OrganizationKind.UNIVERSITY, 10),
    (OrganizationKind.RESEARCH_INSTITUTE, 5),
    (OrganizationKind.SCHOOL, 10),
    (OrganizationKind.OTHER, 5),
]
ORG_NAME_PREFIX = {
    OrganizationKind.ENTERPRISE: ["Công ty Cổ phần", "Công ty TNHH", "Tập đoàn"],
    OrganizationKind.STARTUP: ["Công ty TNHH", "Công ty Cổ phần Khởi nghiệp"],
    OrganizationKind.UNIVERSITY: ["Phòng thí nghiệm", "Trung tâm Nghiên cứu, Trường Đại học"],
    OrganizationKind.RESEARCH_INSTITUTE: ["Viện Nghiên cứu", "Viện Ứng dụng"],
    OrganizationKind.SCHOOL: ["Đội STEM Trường THPT", "Câu lạc bộ Sáng tạo Trường THCS"],
    OrganizationKind.OTHER: ["Hợp tác xã", "Hiệp hội", "Quỹ"],
}
ORG_NAME_WORDS = [
    "Công nghệ Số",
    "Đổi mới",
    "Sáng tạo",
    "Xanh",
    "Thông minh",
    "Kinh Bắc",
    "Quan họ",
    "Bán dẫn",
    "Dữ liệu",
    "Tự động hóa",
    "Nông nghiệp Cao",
    "Môi trường",
    "Di sản",
    "Vi mạch",
    "Robot",
    "Năng lượng Sạch",
    "Logistics",
    "Y sinh",
    "Giáo dục Mở",
    "Sông Cầu",
]
ORG_SECTOR_WORDS = {
    OrgSector.SOFTWARE: ("phần mềm quản trị cho doanh nghiệp", "nền tảng dịch vụ số"),
    OrgSector.ELECTRONICS: ("thiết kế vi mạch", "kiểm thử linh kiện bán dẫn"),
    OrgSector.TELECOM: ("hạ tầng mạng 5G", "thiết bị viễn thông"),
    OrgSector.AI_DATA: ("trí tuệ nhân tạo và thị giác máy tính", "phân tích dữ liệu lớn"),
    OrgSector.ENVIRONMENT: ("quan trắc nước thải", "xử lý chất thải rắn"),
    OrgSector.AGRICULTURE: ("truy xuất nguồn gốc nông sản", "nhà màng thông minh"),
    OrgSector.TRANSPORT: ("điều phối vận tải", "kho vận thông minh"),
    OrgSector.MANUFACTURING: ("tự động hóa dây chuyền", "robot công nghiệp"),
    OrgSector.HEALTH: ("thiết bị y tế", "công nghệ sinh học"),
    OrgSector.EDUCATION: ("học liệu số", "robot giáo dục"),
    OrgSector.TOURISM: ("số hóa di sản", "du lịch trải nghiệm làng nghề"),
    OrgSector.COMMERCE: ("thương mại điện tử", "thanh toán số"),
    OrgSector.PUBLIC_SERVICES: ("dịch vụ công trực tuyến", "chữ ký số"),
    OrgSector.OTHER: ("tư vấn đổi mới sáng tạo", "kết nối cộng đồng"),
}
PROVINCE_CODES = [code for code, _name in PROVINCES]


def bench_tax_codes(start: int = 0):
    """Valid 10-digit tax codes (mã số thuế), all different, the same every run: the
    Bac Ninh prefix 23 and a serial number, skipping serials whose check digit would be
    10 (no valid code has them)."""
    serial = start
    while True:
        base = f"23{8_000_000 + serial:07d}"
        serial += 1
        check = mst.calc_check_digit(base)
        if len(check) == 1:
            yield base + check


def make_organizations(data: BenchData) -> dict[str, int]:
    """Organisations of every kind (most listed in the public directory, most of them
    verified), their owners and members, startup profiles for the startups, and
    applicant@ a member of APPLICANT_MEMBERSHIPS of them with every role."""
    rng = data.rng
    total = data.count(ORGANIZATIONS_PER_SCALE)
    people = [
        User(
            email=f"member{n:05d}@bench.example",
            full_name=f"Thành viên {n:05d}",
            preferred_language="vi",
            password=UNUSABLE_PASSWORD_PREFIX,  # nobody logs in as them
            date_joined=data.now,
        )
        for n in range(data.count(MEMBERS_PER_SCALE, minimum=3))
    ]
    User.objects.bulk_create(people, batch_size=2000)

    tax_codes = bench_tax_codes()
    organizations = []
    for number in range(1, total + 1):
        kind = _pick(rng, ORG_KIND_WEIGHTS)
        sector = (
            OrgSector.EDUCATION if kind == OrganizationKind.SCHOOL else rng.choice(OrgSector.values)
        )
        word = rng.choice(ORG_NAME_WORDS)
        activity = rng.choice(ORG_SECTOR_WORDS[sector])
        place = rng.choice(PLACES)[0]
        firm = kind in (OrganizationKind.ENTERPRISE, OrganizationKind.STARTUP)
        has_code = firm or kind in (
            OrganizationKind.UNIVERSITY,
            OrganizationKind.RESEARCH_INSTITUTE,
        )
        verified = rng.random() < 0.6
        organizations.append(
            Organization(
                kind=kind,
                legal_name=f"{rng.choice(ORG_NAME_PREFIX[kind])} {word} {number:05d}",
                short_name=f"{''.join(w[0] for w in word.split())}{number:05d}",
                tax_code=next(tax_codes) if has_code else None,
                sector=sector,
                founded_year=rng.randint(1995, data.now.year),
                size_band=rng.choice(SizeBand.values),
                website=f"https://org{number:05d}.example" if rng.random() < 0.7 else "",
                email=f"lienhe{number:05d}@org.example",
                phone=f"0222 {rng.randint(1_000_000, 9_999_999)}",
                address=f"Số {rng.randint(1, 300)} đường Lý Thái Tổ {place}",
                province="bac-ninh" if rng.random() < 0.6 else rng.choice(PROVINCE_CODES),
                description=(
                    f"Chúng tôi phát triển {activity} {place}. {rng.choice(SENTENCES)[0]}"
                ),
                logo_thumbnail=f"logos/bench-{number:05d}.webp" if rng.random() < 0.4 else "",
                is_public=rng.random() < 0.85,
                verified=verified,
                verified_at=data.now - timedelta(days=rng.randint(1, 400)) if verified else None,
            )
        )
    for organization in organizations:
        refresh_folded(organization, target="search_text", sources=Organization.search_sources)
    Organization.objects.bulk_create(organizations, batch_size=1000)

    profiles = [
        (
            organization.pk,
            rng.choice(StartupStage.values),
            "Nguyễn Văn A (CEO)",
            rng.randint(2, 40),
            rng.randrange(0, 20_000_000_000, 1_000_000),
            "",
            "",
            data.now,
        )
        for organization in organizations
        if organization.kind == OrganizationKind.STARTUP
    ]
    copy_rows(
        StartupProfile,
        [
            "organization",
            "stage",
            "founders",
            "team_size",
            "funding_raised_vnd",
            "pitch_deck",
            "pitch_deck_sha256",
            "updated_at",
        ],
        profiles,
    )

    # Each organisation: an owner and up to two more people; applicant@ is not among them.
    roles = [MembershipRole.OWNER, MembershipRole.ADMIN, MembershipRole.MEMBER]
    memberships, owners = [], {}
    for organization in organizations:
        members = rng.sample(people, rng.randint(1, 3))
        owners[organization.pk] = members[0]
        for role, person in zip(roles, members, strict=False):
            memberships.append((organization.pk, person.pk, role, data.now))
    applicant = data.made["users"]["applicant@demo.example"]
    mine = rng.sample(organizations, min(APPLICANT_MEMBERSHIPS, len(organizations)))
    for n, organization in enumerate(mine):
        memberships.append((organization.pk, applicant.pk, roles[n % len(roles)], data.now))
    copy_rows(Membership, ["organization", "user", "role", "joined_at"], memberships)

    data.made["organizations"] = organizations
    data.made["owners"] = owners
    data.made["applicant_organizations"] = mine
    return {
        "organizations": len(organizations),
        "startup profiles": len(profiles),
        "members": len(people),
        "memberships": len(memberships),
    }


def proposals_challenge(now: datetime | None = None) -> Challenge | None:
    """The challenge the bench's proposals answer, which the scenarios read: the first
    open one, by code, with a page in English."""
    return (
        challenges_public(now=now)
        .filter(current_status=ChallengeStatus.OPEN, pages__locale__language_code="en")
        .order_by("code")
        .first()
    )


# Proposals to `proposals_challenge` at scale 1: the sent ones fill 20 of the staff
# list's pages of 100; drafts, which staff never see, come on top. applicant@'s
# organisations own some of each, more than the API's largest page.
SENT_PROPOSALS_PER_SCALE = 2000
DRAFT_PROPOSALS_PER_SCALE = 40
APPLICANT_PROPOSALS_PER_SCALE = 120
# Sent proposals of a call still open: most wait, some are already read.
SENT_STATUS_WEIGHTS = [
    (ProposalStatus.SUBMITTED, 80),
    (ProposalStatus.UNDER_REVIEW, 12),
    (ProposalStatus.SHORTLISTED, 4),
    (ProposalStatus.WITHDRAWN, 4),
]
# Per kind of attachment: its name as applicants call it, and (content type, extension).
ATTACHMENT_FILES = {
    AttachmentKind.PITCH_DECK: (
        "Hồ sơ giới thiệu giải pháp",
        [
            ("application/pdf", "pdf"),
            (
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "pptx",
            ),
        ],
    ),
    AttachmentKind.TECHNICAL: (
        "Thuyết minh kỹ thuật",
        [
            ("application/pdf", "pdf"),
            ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        ],
    ),
    AttachmentKind.BUDGET: (
        "Dự toán kinh phí",
        [("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")],
    ),
    AttachmentKind.OTHER: ("Sơ đồ hệ thống", [("image/png", "png"), ("image/jpeg", "jpg")]),
}
PROPOSAL_FIELDS = [
    "id",
    "challenge",
    "track",
    "organization",
    "author",
    "title",
    "summary",
    "description",
    "budget_vnd",
    "duration_months",
    "team",
    "status",
    "reference",
    "submitted_at",
    "content_sha256",
    "withdrawn_at",
    "created_at",
    "updated_at",
]
ATTACHMENT_FIELDS = [
    "proposal",
    "kind",
    "file",
    "display_name",
    "content_type",
    "size",
    "sha256",
    "uploaded_by",
    "uploaded_at",
]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A whole second in [start, end]."""
    return start + timedelta(seconds=rng.randint(0, max(0, int((end - start).total_seconds()))))


def _description(rng: random.Random, title: str, budget: int, months: int) -> str:
    """A proposal's Markdown, about 1.5 kB: headings, lists, emphasis."""
    sentences = [vi for vi, _en in rng.sample(SENTENCES, 4)]
    place = rng.choice(PLACES)[0]
    return "\n\n".join(
        [
            "## Bối cảnh",
            f"{sentences[0]} {sentences[1]}",
            "## Giải pháp đề xuất",
            f"{title}. Giải pháp gồm ba thành phần:",
            "- thiết bị thu thập dữ liệu lắp đặt tại hiện trường;\n"
            "- nền tảng phân tích và cảnh báo trên điện toán đám mây;\n"
            "- ứng dụng di động cho cán bộ quản lý và người dân.",
            "## Lộ trình triển khai",
            f"1. Khảo sát hiện trạng và thiết kế chi tiết ({max(1, months // 4)} tháng).\n"
            f"2. Thí điểm {place} ({max(1, months // 2)} tháng).\n"
            "3. Đánh giá, hoàn thiện và nhân rộng toàn tỉnh.",
            "## Kinh phí và hiệu quả",
            f"Tổng kinh phí dự kiến **{budget:,} đồng**. {sentences[2]} {sentences[3]}",
            "Chi tiết xem *Thuyết minh kỹ thuật* và *Dự toán kinh phí* đính kèm.",
        ]
    )


def _proposal(rng, data: BenchData, pk, challenge, organization, author, status) -> Proposal:
    title = _texts(rng, challenge.sector)["vi"][0]
    summary = " ".join(vi for vi, _en in rng.sample(SENTENCES, 2))
    budget = rng.randrange(200_000_000, 5_000_000_000, 10_000_000)
    months = rng.randint(3, 24)
    end = min(data.now, challenge.closes_at)
    created = _between(rng, challenge.opens_at, end)
    proposal = Proposal(
        pk=pk,
        challenge=challenge,
        organization=organization,
        author=author,
        title=title,
        summary=summary,
        description=_description(rng, title, budget, months),
        budget_vnd=budget,
        duration_months=months,
        team=f"{rng.randint(3, 15)} thành viên; trưởng nhóm {author.full_name or author.email}.",
        status=status,
        created_at=created,
        updated_at=_between(rng, created, end),
    )
    if status != ProposalStatus.DRAFT:
        proposal.submitted_at = proposal.updated_at
        if status == ProposalStatus.WITHDRAWN:
            proposal.withdrawn_at = proposal.updated_at = _between(rng, proposal.submitted_at, end)
    # Files first uploaded while the proposal was a draft.
    attachments = []
    for kind in rng.sample(list(ATTACHMENT_FILES), rng.randint(1, 3)):
        name, types = ATTACHMENT_FILES[kind]
        content_type, extension = rng.choice(types)
        attachments.append(
            Attachment(
                proposal_id=pk,
                kind=kind,
                file=f"attachments/{rng.getrandbits(128):032x}.{extension}",
                display_name=f"{name}.{extension}",
                content_type=content_type,
                size=rng.randint(40_000, 12_000_000),
                sha256=f"{rng.getrandbits(256):064x}",
                uploaded_by=author,
                uploaded_at=_between(rng, created, proposal.submitted_at or end),
            )
        )
    # What `.attachments.all()` returns, so that the digest is computed by the service's
    # own function without a query per proposal.
    proposal._prefetched_objects_cache = {"attachments": attachments}
    return proposal


def make_proposals(data: BenchData) -> dict[str, int]:
    """Proposals to the bench challenge from as many organisations, each with one to
    three attachments (rows only: no file is written), sent ones with their reference,
    time and the SHA-256 of their content as the services compute it; and one sent
    proposal to another challenge, the one-row twin of the staff lists."""
    rng = data.rng
    challenge = proposals_challenge(now=data.now)
    if challenge is None:
        raise ValueError("The bench data has no open challenge with an English page.")
    # The lone proposal's challenge: another one that has opened (none at the tiniest
    # scales, which have a single published challenge).
    other = min(
        (
            c
            for c in data.made["challenges"]
            if c.is_published and c.pk != challenge.pk and c.opens_at < data.now
        ),
        key=lambda c: c.code,
        default=None,
    )
    organizations = data.made["organizations"]
    mine = data.made["applicant_organizations"]
    applicant = data.made["users"]["applicant@demo.example"]
    owners = data.made["owners"]

    sent, drafts = data.count(SENT_PROPOSALS_PER_SCALE), data.count(DRAFT_PROPOSALS_PER_SCALE)
    theirs = rng.sample(mine, min(data.count(APPLICANT_PROPOSALS_PER_SCALE), len(mine), sent))
    taken = {organization.pk for organization in theirs}
    pool = [organization for organization in organizations if organization.pk not in taken]
    others = rng.sample(pool, sent + drafts - len(theirs))
    # applicant@'s drafts in proportion; every other proposal is sent.
    their_drafts = min(drafts, len(theirs) * drafts // (sent + drafts))
    draft_pks = {o.pk for o in theirs[:their_drafts]} | {
        o.pk for o in others[: drafts - their_drafts]
    }

    next_pk = (Proposal.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    proposals = []
    for pk, organization in enumerate(theirs + others, next_pk):
        author = applicant if organization.pk in taken else owners[organization.pk]
        status = (
            ProposalStatus.DRAFT
            if organization.pk in draft_pks
            else _pick(rng, SENT_STATUS_WEIGHTS)
        )
        proposals.append(_proposal(rng, data, pk, challenge, organization, author, status))
    if other is not None:
        lone = rng.choice(organizations)
        pk = next_pk + len(proposals)
        author = owners[lone.pk]
        proposals.append(_proposal(rng, data, pk, other, lone, author, ProposalStatus.SUBMITTED))

    # References in the order the proposals were sent, as the service numbers them.
    numbers = {}
    for proposal in sorted(
        (p for p in proposals if p.status != ProposalStatus.DRAFT),
        key=lambda p: (p.submitted_at, p.pk),
    ):
        numbers[proposal.challenge_id] = numbers.get(proposal.challenge_id, 0) + 1
        proposal.reference = f"{proposal.challenge.code}-{numbers[proposal.challenge_id]:04d}"
        proposal.content_sha256 = proposal_content_digest(proposal)

    def values(obj, fields):
        return tuple(
            (field := obj._meta.get_field(name)).get_prep_value(getattr(obj, field.attname))
            for name in fields
        )

    copy_rows(Proposal, PROPOSAL_FIELDS, (values(p, PROPOSAL_FIELDS) for p in proposals))
    attachments = [a for p in proposals for a in p._prefetched_objects_cache["attachments"]]
    copy_rows(Attachment, ATTACHMENT_FIELDS, (values(a, ATTACHMENT_FIELDS) for a in attachments))
    # The ids were given here, so the sequence must learn of them.
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Proposal]):
            cursor.execute(statement)
    for challenge_id, number in numbers.items():
        Challenge.objects.filter(pk=challenge_id).update(last_reference_number=number)

    return {
        "proposals": len(proposals),
        "sent proposals": sum(numbers.values()),
        "attachments": len(attachments),
    }


# News items at scale 1 (Vietnamese), one in NEWS_TRANSLATED_EVERY of them also in English.
NEWS_PER_SCALE = 500
NEWS_TRANSLATED_EVERY = 4
# (Vietnamese, English) tag names; each item carries one to three of them.
NEWS_TAGS = [
    ("Bài toán lớn", "Major problems"),
    ("Sự kiện", "Events"),
    ("Khởi nghiệp", "Startups"),
    ("Kết quả", "Results"),
    ("STEM", "STEM"),
    ("Quỹ đầu tư", "Venture fund"),
    ("Bán dẫn", "Semiconductors"),
    ("Chuyển đổi số", "Digital transformation"),
]
NEWS_LEADS = [
    ("Hội thảo về", "A workshop on"),
    ("Doanh nghiệp đề xuất", "Firms propose"),
    ("Sở Khoa học và Công nghệ thí điểm", "The department pilots"),
    ("Kết quả bước đầu của", "First results of"),
    ("Tọa đàm chuyên gia về", "Experts discuss"),
]
# A results page's winners: (vi prize, en prize, amount in VND).
PRIZES = [
    ("Giải Nhất", "First prize", 500_000_000),
    ("Giải Nhì", "Second prize", 300_000_000),
    ("Giải Ba", "Third prize", 200_000_000),
]


def _add_pages(
    parent: Page, model: type[Page], rows, fields: Sequence[str], *, published_at: datetime
) -> list[Page]:
    """Append live pages of `model` under `parent` in one pass, as `_add_challenge_pages`
    does: tree paths computed here, the base rows bulk-inserted, the specific rows
    copied. `rows` holds (title, slug, translation key, values of `fields`)."""
    parent = Page.objects.get(pk=parent.pk)  # a fresh numchild
    content_type = ContentType.objects.get_for_model(model)
    depth = parent.depth + 1
    pages = [
        Page(
            title=title,
            draft_title=title,
            slug=slug,
            content_type=content_type,
            path=Page._get_path(parent.path, depth, step),
            depth=depth,
            numchild=0,
            url_path=f"{parent.url_path}{slug}/",
            locale_id=parent.locale_id,
            translation_key=key,
            live=True,
            has_unpublished_changes=False,
            first_published_at=published_at,
            last_published_at=published_at,
        )
        for step, (title, slug, key, _values) in enumerate(rows, parent.numchild + 1)
    ]
    Page.objects.bulk_create(pages, batch_size=1000)
    copy_rows(
        model,
        ["page_ptr", *fields],
        ((page.pk, *values) for page, (*_page, values) in zip(pages, rows, strict=True)),
    )
    Page.objects.filter(pk=parent.pk).update(numchild=parent.numchild + len(pages))
    return pages


def _paragraphs(rng: random.Random, *texts: str) -> str:
    """A body StreamField's JSON: one paragraph block per text."""
    return json.dumps(
        [
            {
                "type": "paragraph",
                "value": f"<p>{text}</p>",
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
            }
            for text in texts
        ]
    )


def make_news(data: BenchData) -> dict[str, int]:
    """News items under the news index in Vietnamese, newest first over the last three
    years, each with one to three tags; one in NEWS_TRANSLATED_EVERY also in English
    (same translation key, English tags). The site's other pages (about, fund, menus,
    footer, site settings) come from `make_site`, as seed_demo makes them."""
    rng = data.rng
    en = Locale.objects.get(language_code="en")
    index_vi = NewsIndexPage.objects.get(locale__language_code="vi")
    index_en = index_vi.get_translation(en)
    tags = [
        tuple(Tag.objects.get_or_create(name=name)[0].pk for name in pair) for pair in NEWS_TAGS
    ]
    today = timezone.localdate(data.now)
    items = []
    for number in range(1, data.count(NEWS_PER_SCALE) + 1):
        sector = rng.choice(list(TOPICS))
        lead, topic, place = rng.choice(NEWS_LEADS), rng.choice(TOPICS[sector]), rng.choice(PLACES)
        sentences = rng.sample(SENTENCES, 2)
        items.append(
            {
                "number": number,
                "key": uuid.UUID(int=rng.getrandbits(128)),
                "date": today - timedelta(days=rng.randint(0, 3 * 365)),
                "tags": rng.sample(tags, rng.randint(1, 3)),
                "translated": number % NEWS_TRANSLATED_EVERY == 0,
                "texts": [
                    (f"{lead[i]} {topic[i]} {place[i]}", sentences[0][i], sentences[1][i])
                    for i in (0, 1)
                ],
            }
        )
    made = {}
    for i, (language, index, slug) in enumerate(
        (("vi", index_vi, "tin-{:04d}"), ("en", index_en, "news-{:04d}"))
    ):
        mine = [item for item in items if language == "vi" or item["translated"]]
        rows = []
        for item in mine:
            title, intro, more = item["texts"][i]
            values = (item["date"], intro, _paragraphs(rng, intro, more), None)
            rows.append((title, slug.format(item["number"]), item["key"], values))
        fields = ["date", "intro", "body", "image"]
        pages = _add_pages(index, NewsPage, rows, fields, published_at=data.now)
        copy_rows(
            NewsPageTag,
            ["content_object", "tag"],
            (
                (page.pk, pair[i])
                for page, item in zip(pages, mine, strict=True)
                for pair in item["tags"]
            ),
        )
        made[language] = pages
    data.made["news"] = made
    return {
        "news items": len(made["vi"]),
        "news translations": len(made["en"]),
        "standard pages": StandardPage.objects.live().count(),
        "fund pages": FundPage.objects.live().count(),
        "menus": Menu.objects.count(),
        "site settings": SiteSettings.objects.count(),
    }


def results_challenge(now: datetime | None = None) -> Challenge | None:
    """The challenge the bench's results page is about: the first published one, by
    code, whose results are out."""
    return (
        challenges_public(now=now)
        .filter(current_status=ChallengeStatus.RESULTS)
        .order_by("code")
        .first()
    )


def make_results(data: BenchData) -> dict[str, int]:
    """A results page, in both languages, for a challenge whose results are published,
    with its winners drawn from the organisations."""
    challenge = results_challenge(now=data.now)
    if challenge is None:
        # Below scale 0.04 there are fewer than four published challenges, one per state.
        return {"results pages": 0, "winners": 0}
    en = Locale.objects.get(language_code="en")
    index_vi = ChallengeIndexPage.objects.get(locale__language_code="vi")
    key = uuid.UUID(int=data.rng.getrandbits(128))
    winners = data.rng.sample(data.made["organizations"], len(PRIZES))
    texts = {
        "vi": (f"Kết quả {challenge.code}", "Danh sách đơn vị đoạt giải.", "ket-qua"),
        "en": (f"Results of {challenge.code}", "The winners.", "results"),
    }
    pages = 0
    for i, (language, index) in enumerate((("vi", index_vi), ("en", index_vi.get_translation(en)))):
        title, intro, word = texts[language]
        slug = f"{challenge.code.lower()}-{word}"
        values = (challenge.pk, intro, _paragraphs(data.rng, intro))
        (page,) = _add_pages(
            index,
            ResultsPage,
            [(title, slug, key, values)],
            ["challenge", "intro", "body"],
            published_at=data.now,
        )
        ResultsPageWinner.objects.bulk_create(
            ResultsPageWinner(
                page_id=page.pk,
                sort_order=order,
                prize=prize[i],
                name=_texts(data.rng, challenge.sector)["vi"][0],
                organization_name=organization.legal_name,
                amount_vnd=prize[2],
            )
            for order, (prize, organization) in enumerate(zip(PRIZES, winners, strict=True))
        )
        pages += 1
    data.made["results_challenge"] = challenge
    return {"results pages": pages, "winners": pages * len(PRIZES)}


def index_pages(data: BenchData) -> dict[str, int]:
    """Add the pages written in bulk to Wagtail's search index, as `update_index` would
    (signals never saw them): the site search finds them like any published page."""
    backend = get_search_backend()
    indexed = 0
    for model in (ChallengePage, NewsPage, ResultsPage):
        ids = list(model.objects.values_list("pk", flat=True).order_by("pk"))
        for start in range(0, len(ids), 500):
            chunk = list(model.get_indexed_objects().filter(pk__in=ids[start : start + 500]))
            backend.add_bulk(model, chunk)
            indexed += len(chunk)
    return {"pages indexed": indexed}


# Judging at scale 1: every sent proposal of the bench challenge is an entry of one
# round, scored by JURORS_PER_REVIEW of JURORS_PER_SCALE jurors against six criteria.
JURORS_PER_SCALE = 40
JURORS_PER_REVIEW = 5
JUDGING_CRITERIA = [  # (name, English name, weight, highest score)
    ("Tính cấp thiết", "Relevance", 25, 5),
    ("Tính khả thi", "Feasibility", 20, 5),
    ("Đổi mới sáng tạo", "Innovation", 20, 10),
    ("Năng lực đội ngũ", "Team", 15, 5),
    ("Hiệu quả kinh tế", "Value for money", 10, 5),
    ("Khả năng nhân rộng", "Scalability", 10, 5),
]
# Of the assignments: submitted, in draft, not started.
REVIEW_STATUS_WEIGHTS = [("submitted", 80), ("draft", 10), ("assigned", 10)]


def make_judging(data: BenchData) -> dict[str, int]:
    """A scoring round on the bench challenge: its sent proposals (withdrawn ones aside)
    as entries, each reviewed by five of forty jurors (the two demo jurors among them,
    loads even), most sheets submitted with six scores, a few abstentions, each juror
    harsher or more lenient than the next. Then the time one assignment run takes for
    the same entries and panel, measured in a transaction rolled back."""
    rng = data.rng
    challenge = proposals_challenge(now=data.now)
    rubric = Rubric.objects.create(challenge=challenge, name="Tiêu chí vòng sơ loại")
    criteria = Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            sort_order=order,
            name=name,
            name_en=name_en,
            weight=weight,
            max_score=top,
            description="Mức độ đáp ứng yêu cầu của bài toán.",
            guidance_low="Không đáp ứng.",
            guidance_mid="Đáp ứng một phần.",
            guidance_high="Đáp ứng đầy đủ, có minh chứng.",
        )
        for order, (name, name_en, weight, top) in enumerate(JUDGING_CRITERIA)
    )
    round_ = Round.objects.create(
        challenge=challenge,
        number=1,
        name="Vòng sơ loại",
        name_en="Screening",
        rubric=rubric,
        reviewers_per_entry=JURORS_PER_REVIEW,
        opens_at=data.now - timedelta(days=1),
        closes_at=data.now + timedelta(days=14),
        ranking_method="normalised",
        status="scoring",
    )

    users = data.made["users"]
    extra = User.objects.bulk_create(
        User(
            email=f"juror{n:03d}@bench.example",
            full_name=f"Giám khảo {n:03d}",
            preferred_language="vi",
            password=UNUSABLE_PASSWORD_PREFIX,
            date_joined=data.now,
        )
        for n in range(max(0, data.count(JURORS_PER_SCALE, minimum=JURORS_PER_REVIEW) - 2))
    )
    jurors = [users["juror@demo.example"], users["juror2@demo.example"], *extra]
    Group.objects.get(name=Role.JUROR).user_set.add(*extra)
    sectors = [choice for choice, _label in Sector.choices]
    JurorProfile.objects.bulk_create(
        JurorProfile(user=juror, expertise=rng.sample(sectors, 2)) for juror in jurors
    )
    RoundJuror.objects.bulk_create(RoundJuror(round=round_, user=juror) for juror in jurors)

    proposals = list(
        Proposal.objects.filter(challenge=challenge)
        .exclude(status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    entries = RoundEntry.objects.bulk_create(
        RoundEntry(round=round_, proposal_id=pk) for pk in proposals
    )
    # Each juror has a leaning, so that the normalised ranking differs from the mean.
    leaning = {juror.pk: rng.uniform(-0.25, 0.25) for juror in jurors}
    next_pk = (Assignment.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    assignments, scores = [], []
    for index, entry in enumerate(entries):
        quality = rng.random()
        for offset in range(min(JURORS_PER_REVIEW, len(jurors))):
            juror = jurors[(index * JURORS_PER_REVIEW + offset) % len(jurors)]
            status = _pick(rng, REVIEW_STATUS_WEIGHTS)
            sheet = Assignment(
                pk=next_pk + len(assignments),
                round=round_,
                entry=entry,
                juror=juror,
                status=status,
                created_at=data.now,
                updated_at=data.now,
                submitted_at=data.now - timedelta(hours=rng.randint(1, 20))
                if status == "submitted"
                else None,
            )
            rows = []
            answered = criteria if status == "submitted" else criteria[: rng.randint(0, 3)]
            for criterion in answered if status != "assigned" else []:
                if rng.random() < 0.03:
                    rows.append(
                        Score(
                            assignment=sheet,
                            criterion=criterion,
                            abstain=True,
                            reason="Ngoài lĩnh vực chuyên môn.",
                        )
                    )
                    continue
                level = min(1.0, max(0.0, quality + leaning[juror.pk] + rng.gauss(0, 0.15)))
                rows.append(
                    Score(
                        assignment=sheet,
                        criterion=criterion,
                        value=round(level * criterion.max_score),
                    )
                )
            if status == "submitted":
                if all(row.abstain for row in rows):
                    rows[0] = Score(assignment=sheet, criterion=criteria[0], value=3)
                sheet.score = sheet_score(rows)
            assignments.append(sheet)
            scores += rows

    def values(obj, fields):
        return tuple(
            (field := obj._meta.get_field(name)).get_prep_value(getattr(obj, field.attname))
            for name in fields
        )

    assignment_fields = [
        "id",
        "round",
        "entry",
        "juror",
        "status",
        "source",
        "comment",
        "conflict_reason",
        "created_at",
        "updated_at",
        "submitted_at",
        "score",
    ]
    copy_rows(Assignment, assignment_fields, (values(a, assignment_fields) for a in assignments))
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Assignment]):
            cursor.execute(statement)
    score_fields = ["assignment", "criterion", "value", "abstain", "reason"]
    copy_rows(Score, score_fields, (values(s, score_fields) for s in scores))
    data.made["judging_round"] = round_
    return {
        "jurors": len(jurors),
        "entries": len(entries),
        "assignments": len(assignments),
        "scores": len(scores),
        **_time_assignment_run(round_, users["manager@demo.example"]),
    }


def _time_assignment_run(round_, manager) -> dict[str, int]:
    """How long assigning the round's entries to its panel takes from scratch (the
    round's reviews removed first), in a transaction that is then rolled back."""

    class _RollBack(Exception):
        pass

    try:
        with transaction.atomic():
            round_.assignments.all().delete()
            fresh = Round.objects.get(pk=round_.pk)
            fresh.status = "setup"
            fresh.save(update_fields=["status"])
            started = time.perf_counter()
            run = run_assignment(fresh, actor=manager)
            elapsed = time.perf_counter() - started
            raise _RollBack
    except _RollBack:
        pass
    return {
        "ms to assign all entries (one run)": round(elapsed * 1000),
        "reviews assigned": len(run.created),
    }


# The fund at scale 1: FUND_AWARDS awards (with their approved applications and two to
# four tranches each) and a ledger of FUND_LEDGER rows, every payment with the approved
# disbursement it pays and a few reversed (and paid again). One award, the largest,
# carries FUND_BIG_LEDGER of the rows: the award page's and the ledger export's
# worst case. Other applications wait in every other state.
FUND_AWARDS_PER_SCALE = 1000
FUND_LEDGER_PER_SCALE = 1_000_000
FUND_BIG_LEDGER_PER_SCALE = 100_000
FUND_OTHER_APPLICATIONS_PER_SCALE = 1000
# Awards of applicant@'s organisations, so that their list is not empty.
FUND_APPLICANT_AWARDS_PER_SCALE = 20
# The share of payments reversed, each by a negative entry, then paid again.
FUND_REVERSED_SHARE = 0.02
MILLION = 1_000_000
# (name, managing unit, [(call title, opens, closes in days from now, instruments
# (grant, equity, convertible loan), share of the awards)])
BENCH_FUNDS = [
    (
        "Quỹ Đầu tư khởi nghiệp sáng tạo tỉnh Bắc Ninh",
        "Sở Khoa học và Công nghệ tỉnh Bắc Ninh",
        [
            ("Đợt gọi vốn 2024: khởi nghiệp sáng tạo", -900, -780, (1, 1, 1), 25),
            ("Đợt gọi vốn 2025: ươm tạo công nghệ", -560, -440, (1, 0, 1), 30),
            ("Đợt gọi vốn 2025: chuyển đổi số doanh nghiệp", -330, -240, (1, 1, 0), 25),
            ("Đợt gọi vốn 2026: đổi mới sáng tạo", -90, 30, (1, 1, 1), 5),
        ],
    ),
    (
        "Quỹ Phát triển khoa học và công nghệ tỉnh Bắc Ninh",
        "Ủy ban nhân dân tỉnh Bắc Ninh",
        [
            ("Hỗ trợ thương mại hóa kết quả nghiên cứu 2025", -420, -330, (1, 0, 0), 10),
            ("Hỗ trợ đội đoạt giải các cuộc thi 2026", -60, -20, (1, 0, 1), 5),
        ],
    ),
]
# Applications not (yet) awarded, by state.
FUND_OTHER_STATUS_WEIGHTS = [
    ("draft", 15),
    ("submitted", 20),
    ("screening", 15),
    ("due_diligence", 10),
    ("committee", 5),
    ("rejected", 25),
    ("withdrawn", 10),
]
FUND_INSTRUMENTS = ("grant", "equity", "convertible_loan")
FUND_MILESTONES = [
    "Hoàn thành thiết kế chi tiết và mẫu thử",
    "Thử nghiệm tại hiện trường, có biên bản nghiệm thu",
    "Triển khai cho khách hàng đầu tiên",
    "Nghiệm thu tổng thể và báo cáo tài chính",
]
FUND_APPLICATION_FIELDS = [
    "id",
    "call",
    "organization",
    "proposal",
    "created_by",
    "requested_vnd",
    "instrument",
    "summary",
    "plan",
    "budget_breakdown",
    "status",
    "status_note",
    "submitted_at",
    "decided_at",
    "created_at",
    "updated_at",
]
AWARD_FIELDS = [
    "id",
    "application",
    "call",
    "fund",
    "approved_vnd",
    "paid_vnd",
    "conditions",
    "decided_at",
    "decided_by",
]
TRANCHE_FIELDS = [
    "id",
    "award",
    "number",
    "amount_vnd",
    "paid_vnd",
    "planned_date",
    "milestone",
    "milestone_met_at",
    "milestone_met_by",
    "milestone_note",
]
DISBURSEMENT_FIELDS = [
    "id",
    "award",
    "tranche",
    "amount_vnd",
    "reference",
    "status",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
    "note",
]
LEDGER_FIELDS = [
    "id",
    "award",
    "tranche",
    "disbursement",
    "amount_vnd",
    "reverses",
    "note",
    "created_at",
    "created_by",
]


@contextmanager
def foreign_keys_checked_after(*models_: type[models.Model]):
    """Bulk-load `models_`' tables with their foreign keys checked once at the end, as
    PostgreSQL's advice on populating a database has it: the keys are dropped, then added
    back, each checked by one join over the table, instead of one lookup per row and key
    at commit (Django's keys are deferred), which for a million rows takes most of a
    minute. Elsewhere, nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        # Rows written earlier in the transaction have their checks pending, which bars
        # altering the tables they point at: run those checks now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)"
            " ORDER BY 1, 2",
            [tables],
        )
        keys = cursor.fetchall()
        for table, name, _definition in keys:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}")
                .format(sql.Identifier(table), sql.Identifier(name))
                .as_string(cursor.cursor)
            )
    yield
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            # The definition is PostgreSQL's own text of the key it held a moment ago.
            cursor.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ")
                .format(sql.Identifier(table), sql.Identifier(name))
                .as_string(cursor.cursor)
                + definition
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys' own mode


def _next_ids(*models_: type[models.Model]) -> dict:
    return {m: (m.objects.aggregate(top=Max("pk"))["top"] or 0) + 1 for m in models_}


def _split(total: int, parts: int) -> list[int]:
    """`total` in `parts` whole numbers as equal as can be, the larger ones first."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def make_fund(data: BenchData) -> dict[str, int]:
    """Two funds with their calls, FUND_AWARDS awards and a ledger of FUND_LEDGER rows
    whose stored running totals reconcile (`manage.py reconcile_fund` passes): each
    award's paid total is planned first, tranche by tranche, and the ledger written to
    add up to it. Payments are requested by officer@ and approved by approver@ (four
    eyes), spread between the award's decision and now; a few are reversed by approver@
    and paid again; some awards have a request waiting or one rejected."""

    rng, now = data.rng, data.now
    users = data.made["users"]
    officer, approver = users["officer@demo.example"], users["approver@demo.example"]
    organizations, owners = data.made["organizations"], data.made["owners"]
    mine = data.made["applicant_organizations"]
    day = timedelta(days=1)

    # The calls, as (fund index, title, opens, closes, instruments, weight).
    calls = []
    for index, (_name, _unit, specs) in enumerate(BENCH_FUNDS):
        for title, opens, closes, offers, weight in specs:
            calls.append((index, title, now + opens * day, now + closes * day, offers, weight))
    awarding = [call for call in calls if call[2] < now - 30 * day]

    # Plan the awards: call, organisation, amounts, tranches and how far each is paid.
    award_count = data.count(FUND_AWARDS_PER_SCALE, minimum=3)
    theirs = min(len(mine), data.count(FUND_APPLICANT_AWARDS_PER_SCALE))
    taken = {organization.pk for organization in mine}
    # At a tiny scale applicant@ may belong to every organisation there is.
    others = [o for o in organizations if o.pk not in taken] or list(mine)
    awardees = rng.sample(mine, theirs) + [rng.choice(others) for _ in range(award_count - theirs)]
    plans = []
    for number, organization in enumerate(awardees):
        big = number == 0
        call = awarding[0] if big else rng.choices(awarding, [c[5] for c in awarding])[0]
        _fund, _title, opens, closes, offers, _weight = call
        # Decided within three months of the call's closing (while it is open, for a
        # call that takes applications on a rolling basis), three weeks ago at the latest.
        earliest = min(closes + 7 * day, now - 25 * day)
        decided = _between(rng, earliest, min(earliest + 83 * day, now - 20 * day))
        approved = 20_000 * MILLION if big else rng.randrange(300, 5_000, 10) * MILLION
        count = 4 if big else rng.randint(2, 4)
        amounts = _split(approved, count)
        # How many tranches have their milestone met: the last of them partly paid.
        met = 3 if big else rng.choices(range(count + 1), [1] + [3] * count)[0]
        paid = [
            amount
            if n < met - 1
            else (amount * (60 if big else rng.randint(20, 100)) // 100 if n < met else 0)
            for n, amount in enumerate(amounts)
        ]
        instrument = rng.choice([i for i, on in zip(FUND_INSTRUMENTS, offers, strict=True) if on])
        plans.append(
            {
                "call": call,
                "organization": organization,
                "decided": decided,
                "approved": approved,
                "requested": approved + rng.randrange(0, approved // 2 + 1, MILLION),
                "instrument": instrument,
                "amounts": amounts,
                "met": met,
                "paid": paid,
                "big": big,
            }
        )

    # The ledger's rows per award: the big one's share, the rest by age and chance.
    ledger_total = data.count(FUND_LEDGER_PER_SCALE, minimum=10)
    big_rows = data.count(FUND_BIG_LEDGER_PER_SCALE, minimum=3)
    paying = [plan for plan in plans if any(plan["paid"]) and not plan["big"]]
    # An award pays at its own pace from a week after its decision to yesterday: its
    # rows grow with that time, so that no month is crowded by the newest awards.
    weights = [rng.uniform(0.5, 1.5) * (now - plan["decided"]).days for plan in paying]
    floor = sum(sum(1 for p in plan["paid"] if p) for plan in paying)
    spare = max(0, ledger_total - big_rows - floor)
    whole = sum(weights)
    shares = [int(spare * weight / whole) for weight in weights]
    for i in range(spare - sum(shares) if shares else 0):
        shares[i % len(shares)] += 1
    plans[0]["rows"] = big_rows
    for plan, share in zip(paying, shares, strict=True):
        plan["rows"] = sum(1 for p in plan["paid"] if p) + share

    # Funds and calls, with the totals the awards commit.
    committed_per_call = {}
    for plan in plans:
        key = plan["call"][1]
        committed_per_call[key] = committed_per_call.get(key, 0) + plan["approved"]
    funds, call_rows = [], {}
    for index, (name, unit, specs) in enumerate(BENCH_FUNDS):
        budgets = {}
        for title, *_rest in specs:
            committed = committed_per_call.get(title, 0)
            # Room left in every call: a fifth more than it committed, at least 50 billion.
            budgets[title] = max(50_000 * MILLION, (committed * 6 // 5) // MILLION * MILLION)
        committed = sum(committed_per_call.get(title, 0) for title in budgets)
        fund = Fund.objects.create(
            name=name,
            managing_unit=unit,
            description="Quỹ hỗ trợ khởi nghiệp sáng tạo và chuyển đổi số.",
            capital_vnd=sum(budgets.values()) * 3 // 2,
            committed_vnd=committed,
        )
        funds.append(fund)
        for fund_index, title, opens, closes, offers, _weight in calls:
            if fund_index != index:
                continue
            grant, equity, loan = offers
            call_rows[title] = FundingCall.objects.create(
                fund=fund,
                title=title,
                description="Hồ sơ nộp trực tuyến; hội đồng xét theo đợt.",
                opens_at=opens,
                closes_at=closes,
                budget_vnd=budgets[title],
                committed_vnd=committed_per_call.get(title, 0),
                offers_grant=bool(grant),
                offers_equity=bool(equity),
                offers_convertible_loan=bool(loan),
                is_published=True,
            )
    results = data.made.get("results_challenge")
    if results is not None:
        # The prize winners' call funds the contest whose results are out.
        FundingCall.objects.filter(pk=call_rows[BENCH_FUNDS[1][2][1][0]].pk).update(
            challenge=results
        )

    ids = _next_ids(FundApplication, Award, Tranche, Disbursement, LedgerEntry)
    applications, awards, tranches = [], [], []
    plan_text = "Giai đoạn 1: thiết kế; giai đoạn 2: thử nghiệm; giai đoạn 3: nhân rộng."
    budget_text = "Thiết bị: 50%; nhân sự: 30%; triển khai: 20%."
    for plan in plans:
        fund_index, title, opens, closes, _offers, _weight = plan["call"]
        call = call_rows[title]
        organization = plan["organization"]
        submitted = _between(rng, opens, min(closes - day, plan["decided"] - 3 * day))
        application_id = ids[FundApplication] + len(applications)
        applications.append(
            (
                application_id,
                call.pk,
                organization.pk,
                None,
                owners[organization.pk].pk,
                plan["requested"],
                plan["instrument"],
                f"{_texts(rng, rng.choice(list(TOPICS)))['vi'][0]}.",
                plan_text,
                budget_text,
                ApplicationStatus.APPROVED,
                "Hội đồng đầu tư thông qua.",
                submitted,
                plan["decided"],
                submitted - 3 * day,
                plan["decided"],
            )
        )
        award_id = ids[Award] + len(awards)
        plan["id"] = award_id
        awards.append(
            (
                award_id,
                application_id,
                call.pk,
                funds[fund_index].pk,
                plan["approved"],
                sum(plan["paid"]),
                "Báo cáo tiến độ hằng quý.",
                plan["decided"],
                officer.pk,
            )
        )
        # The payments run from a week after the decision to yesterday, tranche by
        # tranche; a milestone is met just before its tranche's first payment.
        start, end = plan["decided"] + 7 * day, now - day
        met = plan["met"]
        plan["windows"], plan["tranche_ids"] = [], []
        for n, amount in enumerate(plan["amounts"]):
            tranche_id = ids[Tranche] + len(tranches)
            window = (
                start + (end - start) * n / max(1, met),
                start + (end - start) * (n + 1) / max(1, met),
            )
            plan["windows"].append(window)
            plan["tranche_ids"].append(tranche_id)
            reached = n < met
            tranches.append(
                (
                    tranche_id,
                    award_id,
                    n + 1,
                    amount,
                    plan["paid"][n],
                    timezone.localdate(plan["decided"]) + timedelta(days=90 * (n + 1)),
                    FUND_MILESTONES[n],
                    window[0] - day if reached else None,
                    officer.pk if reached else None,
                    "Đã nghiệm thu tại hiện trường." if reached else "",
                )
            )

    # Applications that are not awards, in every other state.
    for _ in range(data.count(FUND_OTHER_APPLICATIONS_PER_SCALE)):
        status = _pick(rng, FUND_OTHER_STATUS_WEIGHTS)
        open_call = status not in ("rejected", "withdrawn")
        _fund, title, opens, closes, offers, _weight = calls[3] if open_call else rng.choice(calls)
        organization = rng.choice(mine) if rng.random() < 0.05 else rng.choice(others)
        created = _between(rng, opens, min(now, closes) - day)
        sent = None if status == "draft" else _between(rng, created, min(now, closes))
        decided = _between(rng, sent, now) if status == "rejected" else None
        instrument = rng.choice([i for i, on in zip(FUND_INSTRUMENTS, offers, strict=True) if on])
        applications.append(
            (
                ids[FundApplication] + len(applications),
                call_rows[title].pk,
                organization.pk,
                None,
                owners[organization.pk].pk,
                rng.randrange(300, 6_000, 10) * MILLION,
                instrument,
                f"{_texts(rng, rng.choice(list(TOPICS)))['vi'][0]}.",
                plan_text,
                budget_text,
                status,
                "Chưa đáp ứng tiêu chí của đợt gọi vốn." if status == "rejected" else "",
                sent,
                decided,
                created,
                decided or sent or created,
            )
        )

    copy_rows(FundApplication, FUND_APPLICATION_FIELDS, applications)
    copy_rows(Award, AWARD_FIELDS, awards)
    copy_rows(Tranche, TRANCHE_FIELDS, tranches)

    # The ledger, award by award, each award's disbursements written before its entries;
    # in batches, so that a million rows never sit in memory at once.
    counters = {"disbursements": 0, "ledger": 0, "reversals": 0, "waiting": 0, "rejected": 0}
    batch_d, batch_l = [], []

    def flush():
        copy_rows(Disbursement, DISBURSEMENT_FIELDS, batch_d)
        copy_rows(LedgerEntry, LEDGER_FIELDS, batch_l)
        batch_d.clear()
        batch_l.clear()

    def disburse(plan, n, amount, at, status=DisbursementStatus.APPROVED, note=""):
        """A request made two days before `at`, decided at `at` unless still waiting."""
        disbursement_id = ids[Disbursement] + counters["disbursements"]
        counters["disbursements"] += 1
        plan["references"] = plan.get("references", 0) + 1
        decided = status != DisbursementStatus.REQUESTED
        batch_d.append(
            (
                disbursement_id,
                plan["id"],
                plan["tranche_ids"][n],
                amount,
                f"UNC-{plan['id']:05d}-{plan['references']:06d}",
                status,
                officer.pk,
                at - 2 * day,
                approver.pk if decided else None,
                at if decided else None,
                note,
            )
        )
        return disbursement_id

    def enter(plan, n, disbursement_id, amount, at, reverses=None, note="", by=approver):
        entry_id = ids[LedgerEntry] + counters["ledger"]
        counters["ledger"] += 1
        batch_l.append(
            (
                entry_id,
                plan["id"],
                plan["tranche_ids"][n],
                disbursement_id,
                amount,
                reverses,
                note,
                at,
                by.pk,
            )
        )
        return entry_id

    with foreign_keys_checked_after(Disbursement, LedgerEntry):
        for plan in plans:
            paid_tranches = [n for n, paid in enumerate(plan["paid"]) if paid]
            shares = _split(plan.get("rows", 0), len(paid_tranches)) if paid_tranches else []
            for n, tranche_rows in zip(paid_tranches, shares, strict=True):
                # A few payments go wrong: each is reversed by a negative entry, and what it
                # should have paid is paid again among the kept ones.
                reversed_ = min(
                    int(tranche_rows * FUND_REVERSED_SHARE / 2), (tranche_rows - 1) // 2
                )
                kept = tranche_rows - 2 * reversed_
                amounts = _split(plan["paid"][n], kept)
                # Some spread, summing to the same: each pair moves money from one to the other.
                for i in range(0, kept - 1, 2):
                    shift = rng.randrange(amounts[i + 1] // 2 + 1)
                    amounts[i] += shift
                    amounts[i + 1] -= shift
                payments = kept + reversed_
                wrong = {(j + 1) * payments // (reversed_ + 1) for j in range(reversed_)}
                begin, finish = plan["windows"][n]
                step = (finish - begin) / (payments + 1)
                kept_amounts = iter(amounts)
                for i in range(payments):
                    at = begin + step * (i + 1)
                    if i in wrong:
                        amount = max(1, amounts[0] // 2)
                        disbursement_id = disburse(plan, n, amount, at)
                        payment = enter(plan, n, disbursement_id, amount, at)
                        enter(
                            plan,
                            n,
                            disbursement_id,
                            -amount,
                            at + min(step / 2, timedelta(hours=2)),
                            reverses=payment,
                            note="Chuyển nhầm tài khoản thụ hưởng; chi lại.",
                        )
                        counters["reversals"] += 1
                    else:
                        amount = next(kept_amounts)
                        enter(plan, n, disburse(plan, n, amount, at), amount, at)
            met = plan["met"]
            if met and rng.random() < 0.2:
                # A request refused for want of an invoice.
                begin, _finish = plan["windows"][0]
                disburse(
                    plan,
                    0,
                    10 * MILLION,
                    begin + day,
                    status=DisbursementStatus.REJECTED,
                    note="Thiếu hóa đơn, chứng từ thanh toán.",
                )
                counters["rejected"] += 1
            room = plan["amounts"][met - 1] - plan["paid"][met - 1] if met else 0
            if room > 0 and (plan["big"] or rng.random() < 0.5):
                # A request waiting for a finance approver.
                requested = now - timedelta(hours=rng.randint(2, 72))
                disburse(
                    plan,
                    met - 1,
                    max(1, room // 2),
                    requested + 2 * day,
                    status=DisbursementStatus.REQUESTED,
                )
                counters["waiting"] += 1
            if len(batch_l) >= 50_000:
                flush()
        flush()
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(
            no_style(), [FundApplication, Award, Tranche, Disbursement, LedgerEntry]
        ):
            cursor.execute(statement)
    # The public page keeps past months' sums; rows dated in the past were just written.
    forget_past_months()
    data.made["fund_big_award"] = plans[0]["id"]
    return {
        "funds": len(funds),
        "funding calls": len(call_rows),
        "fund applications": len(applications),
        "awards": len(awards),
        "tranches": len(tranches),
        "disbursements": counters["disbursements"],
        "waiting disbursements": counters["waiting"],
        "rejected disbursements": counters["rejected"],
        "ledger entries": counters["ledger"],
        "reversals": counters["reversals"],
    }


STEPS: list[Callable[[BenchData], dict[str, int]]] = [
    make_site,
    make_challenges,
    make_organizations,
    make_proposals,
    make_news,
    make_results,
    make_judging,
    make_fund,
    index_pages,
]


def generate(*, scale: float, seed: int, now: datetime | None = None, report=None) -> dict:
    """Fill an empty portal database with the benchmark's data set; return row counts."""
    if Challenge.objects.exists():
        raise ValueError("bench_data fills an empty database; this one already has challenges.")
    now = now or timezone.now().replace(minute=0, second=0, microsecond=0)
    # A seeded generator on purpose: the same seed must give the same data set.
    data = BenchData(rng=random.Random(seed), scale=scale, now=now)  # noqa: S311
    counts = {}
    with transaction.atomic():
        for step in STEPS:
            made = step(data)
            counts.update(made)
            if report:
                report(step.__name__, made)
    if connection.vendor == "postgresql":
        # Fresh statistics and visibility maps, as autovacuum would soon make them: without
        # them the planner guesses row counts, index-only scans visit the heap (counting a
        # large award's ledger entries), and the figures measure a database nobody runs.
        # VACUUM cannot run in a transaction (the tests build the data inside one).
        vacuum = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(vacuum)
    return counts
