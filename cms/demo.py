"""The demo site in Vietnamese and English: home page, challenge index, the directory
and one page per challenge per language. Used only by `manage.py seed_demo`."""

from wagtail.models import Locale, Site

from cms.models import ChallengeIndexPage, ChallengePage, DirectoryPage, HomePage

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


def _publish(page, **fields):
    """Set fields and publish a revision, only when something changed (idempotent)."""
    changed = any(getattr(page, name) != value for name, value in fields.items())
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


def seed_site(*, challenges) -> None:
    vi = Locale.objects.get(language_code="vi")
    en = Locale.objects.get(language_code="en")

    home = HomePage.objects.get(depth=2, locale=vi)
    _publish(home, title=HOME["vi"]["title"], intro=HOME["vi"]["intro"])
    _translation(home, en, title=HOME["en"]["title"], intro=HOME["en"]["intro"])

    index = ChallengeIndexPage.objects.child_of(home).first()
    if index is None:
        index = home.add_child(instance=ChallengeIndexPage(**INDEX["vi"]))
    _publish(index, **INDEX["vi"])
    _translation(index, en, **INDEX["en"])

    directory = DirectoryPage.objects.child_of(home).first()
    if directory is None:
        directory = home.add_child(instance=DirectoryPage(**DIRECTORY["vi"]))
    _publish(directory, **DIRECTORY["vi"])
    _translation(directory, en, **DIRECTORY["en"])

    for challenge, texts in challenges:
        page = ChallengePage.objects.filter(challenge=challenge, locale=vi).first()
        title_vi, intro_vi = texts["vi"]
        if page is None:
            page = index.add_child(
                instance=ChallengePage(
                    challenge=challenge, title=title_vi, intro=intro_vi, slug=challenge.code.lower()
                )
            )
        _publish(page, title=title_vi, intro=intro_vi)
        title_en, intro_en = texts["en"]
        _translation(page, en, title=title_en, intro=intro_en)

    # Wagtail caches the site's root paths; new translations change them.
    Site.clear_site_root_paths_cache()
