"""The demo site in Vietnamese and English: home page, challenge index with a page per
challenge and the startup contest's results, the directory, news, an about page, the
fund's page, menus and footer. Used only by `manage.py seed_demo`; safe to run again
(a page gets a new revision only when its content changed). SAMPLE CONTENT."""

from datetime import timedelta

from django.utils import timezone
from wagtail.fields import StreamField
from wagtail.models import Locale, Page, Site

from cms.models import (
    ChallengeIndexPage,
    ChallengePage,
    DirectoryPage,
    FundPage,
    HomePage,
    Menu,
    MenuItem,
    MenuLocation,
    NewsIndexPage,
    NewsPage,
    ResultsPage,
    ResultsPageWinner,
    SiteSettings,
    StandardPage,
)

HOME = {
    "vi": {
        "title": "Cổng đổi mới sáng tạo mở",
        "intro": (
            "Sở Khoa học và Công nghệ công bố sáu bài toán lớn của tỉnh và mời doanh "
            "nghiệp công nghệ cùng giải; tổ chức cuộc thi đổi mới sáng tạo STEM, cuộc thi "
            "khởi nghiệp và quản lý quỹ đầu tư mạo hiểm cho khởi nghiệp sáng tạo. "
            "[Nội dung mẫu]"
        ),
    },
    "en": {
        "title": "Open Innovation Portal",
        "intro": (
            "The Department of Science and Technology announces the province's six major "
            "problems and invites technology firms to solve them; it runs a STEM innovation "
            "contest, a startup contest and a venture fund for creative startups. "
            "[Sample content]"
        ),
    },
}
INDEX = {
    "vi": {
        "title": "Bài toán và cuộc thi",
        "slug": "bai-toan",
        "intro": "Sáu bài toán lớn của tỉnh và các cuộc thi đổi mới sáng tạo.",
    },
    "en": {
        "title": "Problems and contests",
        "slug": "challenges",
        "intro": "The province's six major problems and its innovation contests.",
    },
}

DIRECTORY = {
    "vi": {
        "title": "Danh bạ đổi mới sáng tạo",
        "slug": "danh-ba",
        "intro": (
            "Doanh nghiệp, công ty khởi nghiệp, phòng thí nghiệm, viện nghiên cứu và đội "
            "học sinh tham gia chương trình, do chính họ giới thiệu."
        ),
    },
    "en": {
        "title": "Innovation directory",
        "slug": "directory",
        "intro": (
            "Firms, startups, laboratories, research institutes and school teams taking "
            "part in the programme, in their own words."
        ),
    },
}


SAMPLE = {"vi": "[Nội dung mẫu] ", "en": "[Sample content] "}

# Sections of each problem page: (problem statement, context and data, expected outcomes)
# per language. SAMPLE CONTENT on the themes of the programme.
PROBLEM_SECTIONS = {
    "P1-2026": {
        "vi": (
            "Các khu công nghiệp cần phát hiện sớm nước thải và khí thải vượt ngưỡng, "
            "thay vì chờ kết quả lấy mẫu định kỳ.",
            "Sở Tài nguyên và Môi trường chia sẻ dữ liệu quan trắc tự động của 12 trạm; "
            "các ban quản lý khu công nghiệp cho phép lắp thử cảm biến.",
            "Một nền tảng cảnh báo gần thời gian thực, thử nghiệm tại hai khu công nghiệp "
            "trong sáu tháng.",
        ),
        "en": (
            "Industrial parks need early warning of waste water and emissions over the "
            "limits, instead of waiting for periodic samples.",
            "The environment department shares data from 12 automatic monitoring stations; "
            "park management boards allow sensor pilots.",
            "A near-real-time warning platform piloted in two industrial parks for six months.",
        ),
    },
    "P2-2026": {
        "vi": (
            "Xe tải giữa khu công nghiệp, cảng cạn và cao tốc gây ùn tắc giờ cao điểm.",
            "Dữ liệu camera giao thông và lịch xe của cảng cạn được cung cấp ẩn danh.",
            "Giảm 20% thời gian chờ tại ba nút giao thí điểm.",
        ),
        "en": (
            "Trucks between industrial parks, the dry port and the expressways cause "
            "rush-hour congestion.",
            "Traffic-camera data and the dry port's truck schedules are provided anonymised.",
            "Waiting times cut by 20% at three pilot junctions.",
        ),
    },
    "P3-2026": {
        "vi": (
            "Người dân và doanh nghiệp vẫn phải nộp giấy tờ trùng lặp cho nhiều cơ quan.",
            "Cổng dịch vụ công của tỉnh mở giao diện lập trình cho thử nghiệm.",
            "Mười thủ tục hành chính thực hiện hoàn toàn trực tuyến, không giấy tờ.",
        ),
        "en": (
            "Citizens and firms still hand the same papers to several offices.",
            "The province's public-service portal opens an API for pilots.",
            "Ten administrative procedures done fully online, without paper.",
        ),
    },
    "P4-2026": {
        "vi": (
            "Nông sản chủ lực thiếu dữ liệu truy xuất nguồn gốc tin cậy cho xuất khẩu.",
            "Hợp tác xã tham gia cung cấp dữ liệu canh tác của ba vụ gần nhất.",
            "Hệ thống truy xuất từ nhà màng đến người mua, dùng được trên điện thoại.",
        ),
        "en": (
            "Key farm products lack reliable traceability data for export.",
            "Participating cooperatives provide farming data from the last three seasons.",
            "Traceability from greenhouse to buyer, usable on a phone.",
        ),
    },
    "P5-2026": {
        "vi": (
            "Di tích Kinh Bắc chưa có thuyết minh số cho du khách quốc tế.",
            "Bảo tàng tỉnh cung cấp tư liệu ảnh và bản vẽ của 30 di tích.",
            "Bản đồ số và thuyết minh bốn ngôn ngữ tại mười di tích.",
        ),
        "en": (
            "Kinh Bac heritage sites have no digital guides for foreign visitors.",
            "The provincial museum provides photographs and drawings of 30 sites.",
            "A digital map and four-language guides at ten sites.",
        ),
    },
    "P6-2026": {
        "vi": (
            "Doanh nghiệp bán dẫn trong tỉnh thiếu kỹ sư thiết kế, đóng gói và kiểm thử.",
            "Các trường đại học và nhà máy trong tỉnh sẵn sàng nhận thực tập sinh.",
            "Chương trình đào tạo 500 kỹ sư trong hai năm, có chứng chỉ của doanh nghiệp.",
        ),
        "en": (
            "The province's semiconductor firms lack design, packaging and test engineers.",
            "Universities and plants in the province are ready to host interns.",
            "A programme training 500 engineers in two years, certified by employers.",
        ),
    },
}

CONTEST_SECTIONS = {
    "STEM-2026": {
        "vi": {
            "problem_statement": "Đội học sinh, sinh viên giới thiệu sản phẩm STEM giải quyết "
            "một vấn đề của địa phương.",
            "rules": "Mỗi đội tối đa năm thành viên và một giáo viên hướng dẫn. Hội đồng chấm "
            "theo tính sáng tạo, tính khả thi và khả năng ứng dụng.",
            "rounds": [("Vòng sơ khảo", 95, 110), ("Vòng chung kết", 125, 126)],
        },
        "en": {
            "problem_statement": "School and university teams present a STEM project that "
            "solves a local problem.",
            "rules": "Teams have at most five members and one supervising teacher. The jury "
            "judges creativity, feasibility and usefulness.",
            "rounds": [("Preliminary round", 95, 110), ("Final", 125, 126)],
        },
    },
    "STARTUP-2026": {
        "vi": {
            "problem_statement": "Doanh nghiệp khởi nghiệp trình bày mô hình kinh doanh đổi "
            "mới sáng tạo có khả năng tăng trưởng.",
            "rules": "Hồ sơ gồm bản thuyết trình và kế hoạch kinh doanh. Vòng chung kết thuyết "
            "trình trực tiếp trước hội đồng và nhà đầu tư.",
            "rounds": [("Vòng hồ sơ", -44, -30), ("Vòng chung kết", -10, -10)],
        },
        "en": {
            "problem_statement": "Startups present an innovative business model able to grow.",
            "rules": "Entries include a pitch deck and a business plan. Finalists pitch live "
            "to the jury and investors.",
            "rounds": [("Application round", -44, -30), ("Final", -10, -10)],
        },
    },
}

FAQ = {
    "vi": [
        (
            "Doanh nghiệp ngoài tỉnh có được tham gia không?",
            "Có, nếu giải pháp được triển khai thử nghiệm tại tỉnh.",
        ),
        (
            "Có thể nộp hồ sơ bằng tiếng Anh không?",
            "Có, trừ khi trang bài toán ghi khác.",
        ),
    ],
    "en": [
        (
            "May firms from other provinces take part?",
            "Yes, if the solution is piloted in the province.",
        ),
        ("May I submit in English?", "Yes, unless the problem's page says otherwise."),
    ],
}

SUPPORT = {
    "vi": "<p>Hỗ trợ kinh phí thử nghiệm, dữ liệu và địa điểm triển khai; giải pháp tốt được "
    "xem xét đặt hàng. [Nội dung mẫu]</p>",
    "en": "<p>Funding for the pilot, data and test sites; the best solutions may be "
    "procured. [Sample content]</p>",
}
CONTACT = {
    "vi": "<p>Phòng Quản lý công nghệ và Đổi mới sáng tạo, Sở Khoa học và Công nghệ.</p>",
    "en": "<p>Technology and Innovation Office, Department of Science and Technology.</p>",
}
INFO_DAY = {"vi": "Hội thảo giới thiệu bài toán", "en": "Information day"}

NEWS_INDEX = {
    "vi": {
        "title": "Tin tức",
        "slug": "tin-tuc",
        "intro": "Thông báo và tin tức của chương trình.",
    },
    "en": {"title": "News", "slug": "news", "intro": "Announcements and news of the programme."},
}
# (slug, days ago, tags per language, vi title, en title, vi summary, en summary)
NEWS = [
    (
        "cong-bo-sau-bai-toan",
        20,
        (["Bài toán lớn"], ["Major problems"]),
        "Tỉnh công bố sáu bài toán lớn mời doanh nghiệp công nghệ số",
        "The province announces six major problems for digital-technology firms",
        "Sáu bài toán về môi trường, giao thông, dịch vụ công, nông nghiệp, du lịch và bán dẫn.",
        "Six problems on environment, traffic, public services, farming, tourism and chips.",
    ),
    (
        "hoi-thao-gioi-thieu",
        12,
        (["Bài toán lớn", "Sự kiện"], ["Major problems", "Events"]),
        "Hội thảo giới thiệu bài toán cho doanh nghiệp",
        "Information day for firms on the major problems",
        "Hơn 100 doanh nghiệp tham dự buổi giới thiệu các bài toán và cách nộp hồ sơ.",
        "Over 100 firms attended the presentation of the problems and how to apply.",
    ),
    (
        "ket-qua-khoi-nghiep",
        5,
        (["Khởi nghiệp", "Kết quả"], ["Startups", "Results"]),
        "Công bố kết quả Cuộc thi Khởi nghiệp đổi mới sáng tạo 2026",
        "Results of the Startup Innovation Contest 2026",
        "Ba doanh nghiệp khởi nghiệp đoạt giải và được giới thiệu với quỹ đầu tư.",
        "Three startups win prizes and are introduced to the venture fund.",
    ),
    (
        "cuoc-thi-stem",
        3,
        (["STEM", "Sự kiện"], ["STEM", "Events"]),
        "Sắp mở đăng ký Cuộc thi Đổi mới sáng tạo STEM 2026",
        "Registration for the STEM Innovation Contest 2026 opens soon",
        "Các đội học sinh, sinh viên chuẩn bị sản phẩm khoa học kỹ thuật.",
        "School and university teams prepare their science and engineering projects.",
    ),
    (
        "quy-dau-tu-mao-hiem",
        8,
        (["Quỹ đầu tư"], ["Venture fund"]),
        "Quỹ đầu tư mạo hiểm cho khởi nghiệp sáng tạo đi vào hoạt động",
        "The venture fund for creative startups starts work",
        "Quỹ hỗ trợ khởi nghiệp sáng tạo, ươm tạo công nghệ và chuyển đổi số.",
        "The fund backs creative startups, technology incubation and digital transformation.",
    ),
    (
        "5g-ban-dan",
        15,
        (["Bán dẫn"], ["Semiconductors"]),
        "Hạ tầng 5G và công nghiệp bán dẫn: cơ hội cho doanh nghiệp địa phương",
        "5G and semiconductors: openings for local firms",
        "Các khu công nghiệp mở rộng hạ tầng 5G, tạo nhu cầu nhân lực bán dẫn.",
        "Industrial parks roll out 5G, raising demand for semiconductor skills.",
    ),
]

RESULTS = {
    "vi": {
        "title": "Kết quả Cuộc thi Khởi nghiệp 2026",
        "slug": "ket-qua-khoi-nghiep-2026",
        "intro": "Hội đồng giám khảo công bố các đội đoạt giải. [Nội dung mẫu]",
    },
    "en": {
        "title": "Startup Contest 2026 results",
        "slug": "startup-2026-results",
        "intro": "The jury announces the winning teams. [Sample content]",
    },
}
# (prize vi, prize en, project, organisation, amount in VND)
WINNERS = [
    ("Giải Nhất", "First prize", "AgriTrace", "Công ty CP Nông nghiệp số (mẫu)", 100_000_000),
    ("Giải Nhì", "Second prize", "GreenSensor", "Công ty TNHH Cảm biến Xanh (mẫu)", 60_000_000),
    ("Giải Ba", "Third prize", "HeritageVR", "Nhóm khởi nghiệp Di sản số (mẫu)", 40_000_000),
]

ABOUT = {
    "vi": {
        "title": "Giới thiệu chương trình",
        "slug": "gioi-thieu",
        "intro": "Chương trình đổi mới sáng tạo mở của tỉnh thực hiện Nghị quyết 57. "
        "[Nội dung mẫu]",
        "body": [
            ("heading", {"text": "Mục tiêu", "level": "h2"}),
            (
                "paragraph",
                "<p>Kết nối doanh nghiệp công nghệ với các bài toán lớn của tỉnh, phát triển "
                "nhân lực STEM và hệ sinh thái khởi nghiệp.</p>",
            ),
        ],
    },
    "en": {
        "title": "About the programme",
        "slug": "about",
        "intro": "The province's open-innovation programme carries out Resolution 57. "
        "[Sample content]",
        "body": [
            ("heading", {"text": "Aims", "level": "h2"}),
            (
                "paragraph",
                "<p>Connect technology firms with the province's major problems, grow STEM "
                "skills and the startup ecosystem.</p>",
            ),
        ],
    },
}
FUND = {
    "vi": {
        "title": "Quỹ đầu tư mạo hiểm",
        "slug": "quy-dau-tu",
        "intro": "Quỹ đầu tư mạo hiểm cho khởi nghiệp sáng tạo, ươm tạo công nghệ và chuyển "
        "đổi số. [Nội dung mẫu]",
    },
    "en": {
        "title": "Venture fund",
        "slug": "venture-fund",
        "intro": "The venture fund for creative startups, technology incubation and digital "
        "transformation. [Sample content]",
    },
}
FOOTER_TEXT = {
    "vi": "<p>Sở Khoa học và Công nghệ, Số 1 đường Lý Thái Tổ (địa chỉ mẫu). Giờ làm việc: "
    "thứ Hai đến thứ Sáu, 8:00–17:00.</p>",
    "en": "<p>Department of Science and Technology, 1 Ly Thai To Street (sample address). "
    "Open Monday to Friday, 8:00–17:00.</p>",
}


def _stream_data(value) -> list:
    """A StreamField's content as (type, JSON value) pairs, block ids left out."""
    return [(item["type"], item["value"]) for item in value.get_prep_value()]


def _differs(page, name, value) -> bool:
    field = page._meta.get_field(name)
    if isinstance(field, StreamField):
        current = getattr(page, name)
        setattr(page, name, value)
        changed = _stream_data(current) != _stream_data(getattr(page, name))
        setattr(page, name, current)
        return changed
    return getattr(page, name) != value


def _publish(page, *, tags=None, winners=None, **fields):
    """Set fields and publish a revision, only when something changed (idempotent)."""
    changed = any(_differs(page, name, value) for name, value in fields.items())
    if tags is not None and sorted(page.tags.names()) != sorted(tags):
        page.tags.set(tags)
        changed = True
    if winners is not None:
        rows = [
            (w.prize, w.name, w.organization_name, w.amount_vnd) for w in page.winner_rows.all()
        ]
        if rows != winners:
            page.winner_rows = [
                ResultsPageWinner(prize=prize, name=name, organization_name=org, amount_vnd=amount)
                for prize, name, org, amount in winners
            ]
            changed = True
    if changed or not page.live:
        for name, value in fields.items():
            setattr(page, name, value)
        page.save_revision(log_action=False).publish(log_action=False)
    return page


def _translation(page, locale, **fields):
    existing = page.get_translation_or_none(locale)
    if existing is None:
        existing = page.copy_for_translation(locale, copy_parents=True)
    return _publish(existing.specific, **fields)


def _child(parent, model, slug, **fields):
    """`parent`'s child of `model` with `slug`, made when missing."""
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = parent.add_child(instance=model(slug=slug, **fields))
    return page


def _rich(text: str) -> str:
    return f"<p>{text}</p>"


def _day(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def _challenge_sections(challenge, language: str) -> dict:
    sample = SAMPLE[language]
    fields = {
        "support_and_prizes": SUPPORT[language],
        "contact": CONTACT[language],
        "faq": [
            {"type": "question", "value": {"question": q, "answer": _rich(a)}}
            for q, a in FAQ[language]
        ],
    }
    if challenge.code in PROBLEM_SECTIONS:
        problem, context, outcomes = PROBLEM_SECTIONS[challenge.code][language]
        opens = (timezone.localdate(challenge.opens_at) - timezone.localdate()).days
        fields.update(
            problem_statement=_rich(sample + problem),
            context_and_data=_rich(sample + context),
            expected_outcomes=_rich(sample + outcomes),
            timeline=[
                {
                    "type": "milestone",
                    "value": {"date": _day(opens + 7), "label": INFO_DAY[language]},
                }
            ],
        )
    elif challenge.code in CONTEST_SECTIONS:
        texts = CONTEST_SECTIONS[challenge.code][language]
        fields.update(
            problem_statement=_rich(sample + texts["problem_statement"]),
            rules=_rich(sample + texts["rules"]),
            rounds=[
                {
                    "type": "round",
                    "value": {
                        "name": name,
                        "starts": _day(starts),
                        "ends": _day(ends),
                        "description": "",
                    },
                }
                for name, starts, ends in texts["rounds"]
            ],
        )
    return fields


def _seed_menus(locales, pages) -> None:
    """Main menu and footer in each language, pointing at that language's pages."""
    for code, locale in locales.items():
        links = {
            MenuLocation.MAIN: [pages[name][code] for name in ("index", "news", "fund", "about")],
            MenuLocation.FOOTER: [pages[name][code] for name in ("about", "directory")],
        }
        for location, targets in links.items():
            menu, _ = Menu.objects.get_or_create(locale=locale, location=location)
            if location == MenuLocation.FOOTER and menu.text != FOOTER_TEXT[code]:
                menu.text = FOOTER_TEXT[code]
                menu.save()
            if [item.link_page_id for item in menu.items.all()] != [p.pk for p in targets]:
                menu.items.all().delete()
                for order, target in enumerate(targets):
                    MenuItem.objects.create(menu=menu, link_page=target, sort_order=order)
    # Both languages' menus share one translation key, as Wagtail's "Translate" makes them.
    for location in MenuLocation.values:
        menus = list(Menu.objects.filter(location=location).order_by("pk"))
        for menu in menus[1:]:
            if menu.translation_key != menus[0].translation_key:
                menu.translation_key = menus[0].translation_key
                menu.save(update_fields=["translation_key"])


def seed_site(*, challenges) -> None:
    vi = Locale.objects.get(language_code="vi")
    en = Locale.objects.get(language_code="en")
    locales = {"vi": vi, "en": en}
    pages: dict[str, dict[str, Page]] = {}

    def both(name, page_vi, fields_vi, fields_en):
        pages[name] = {
            "vi": _publish(page_vi, **fields_vi),
            "en": _translation(page_vi, en, **fields_en),
        }
        return pages[name]["vi"]

    home = HomePage.objects.get(depth=2, locale=vi)
    # The English home page first, so that its children's translations go below it
    # (copy_parents would otherwise make it an alias).
    _publish(home, **HOME["vi"])
    _translation(home, en, **HOME["en"])
    index = _child(home, ChallengeIndexPage, INDEX["vi"]["slug"], title=INDEX["vi"]["title"])
    both("index", index, INDEX["vi"], INDEX["en"])
    directory = _child(home, DirectoryPage, DIRECTORY["vi"]["slug"], title=DIRECTORY["vi"]["title"])
    both("directory", directory, DIRECTORY["vi"], DIRECTORY["en"])
    news_index = _child(
        home, NewsIndexPage, NEWS_INDEX["vi"]["slug"], title=NEWS_INDEX["vi"]["title"]
    )
    both("news", news_index, NEWS_INDEX["vi"], NEWS_INDEX["en"])
    about = _child(home, StandardPage, ABOUT["vi"]["slug"], title=ABOUT["vi"]["title"])
    both("about", about, ABOUT["vi"], ABOUT["en"])
    fund = _child(home, FundPage, FUND["vi"]["slug"], title=FUND["vi"]["title"])
    both("fund", fund, FUND["vi"], FUND["en"])
    # The home page last: its button leads to the challenge index.
    for code in ("vi", "en"):
        page = home if code == "vi" else home.get_translation(en).specific
        _publish(
            page,
            cta_label="Xem các bài toán" if code == "vi" else "See the problems",
            cta_page_id=pages["index"][code].pk,
        )

    by_code = {}
    for challenge, texts in challenges:
        by_code[challenge.code] = challenge
        page = ChallengePage.objects.filter(challenge=challenge, locale=vi).first()
        title_vi, intro_vi = texts["vi"]
        if page is None:
            page = index.add_child(
                instance=ChallengePage(
                    challenge=challenge, title=title_vi, intro=intro_vi, slug=challenge.code.lower()
                )
            )
        _publish(page, title=title_vi, intro=intro_vi, **_challenge_sections(challenge, "vi"))
        title_en, intro_en = texts["en"]
        _translation(
            page, en, title=title_en, intro=intro_en, **_challenge_sections(challenge, "en")
        )

    contest = by_code.get("STARTUP-2026")
    if contest is not None:
        results = ResultsPage.objects.filter(challenge=contest, locale=vi).first()
        if results is None:
            results = index.add_child(
                instance=ResultsPage(
                    challenge=contest, title=RESULTS["vi"]["title"], slug=RESULTS["vi"]["slug"]
                )
            )
        both(
            "results",
            results,
            {**RESULTS["vi"], "winners": [(w[0], w[2], w[3], w[4]) for w in WINNERS]},
            {**RESULTS["en"], "winners": [(w[1], w[2], w[3], w[4]) for w in WINNERS]},
        )

    for slug, days, (tags_vi, tags_en), title_vi, title_en, intro_vi, intro_en in NEWS:
        date = timezone.localdate() - timedelta(days=days)
        item = _child(news_index, NewsPage, slug, title=title_vi, date=date)
        _publish(item, title=title_vi, intro=SAMPLE["vi"] + intro_vi, date=date, tags=tags_vi)
        _translation(
            item, en, title=title_en, intro=SAMPLE["en"] + intro_en, date=date, tags=tags_en
        )

    _seed_menus(locales, pages)
    contact = SiteSettings.load()
    if contact.contact_email != "doimoisangtao@sokhcn.example":
        contact.contact_email = "doimoisangtao@sokhcn.example"
        contact.phone = "0222 000 0000"
        contact.facebook_url = "https://www.facebook.com/example-sokhcn"
        contact.save()

    # Wagtail caches the site's root paths; new translations change them.
    Site.clear_site_root_paths_cache()
