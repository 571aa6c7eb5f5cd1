"""The public directory of organisations: public fields only, search, filters, pages."""

import re

import pytest
from django.utils import translation
from wagtail.models import Locale, Site

from cms.models import DirectoryPage, HomePage
from startups.enums import OrganizationKind, Sector, StartupStage
from tests.factories import OrganizationFactory, StartupFactory, StartupProfileFactory
from tests.factories.challenges import translate
from tests.helpers import assert_constant_queries, count_queries

pytestmark = pytest.mark.django_db

URL = "/danh-ba/"


@pytest.fixture
def directory():
    home = HomePage.objects.get(depth=2, locale__language_code="vi")
    page = home.add_child(
        instance=DirectoryPage(title="Danh bạ đổi mới sáng tạo", slug="danh-ba", intro="Danh bạ")
    )
    Site.clear_site_root_paths_cache()
    return page


@pytest.fixture
def en_directory(directory):
    translate(HomePage.objects.get(depth=2), "en", title="Open Innovation Portal")
    page = translate(directory, "en", title="Innovation directory", slug="directory")
    Site.clear_site_root_paths_cache()
    return page


def _public(**fields):
    return OrganizationFactory(is_public=True, **fields)


def _names(html):
    return re.findall(r"<h3>([^<]+?)(?: <small>|</h3>)", html)


def _get(client, path=URL, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_lists_public_organisations_only(client, directory):
    _public(legal_name="Công ty Công khai", short_name="CK")
    OrganizationFactory(legal_name="Công ty Kín đáo", is_public=False)

    html = _get(client)

    assert _names(html) == ["Công ty Công khai"]
    assert "Kín đáo" not in html


def test_shows_no_private_field(client, directory):
    firm = _public(
        legal_name="Công ty Bí mật Không",
        email="lien-he@bi-mat.example",
        phone="0222 3855 123",
        address="Số 9 đường Lý Thái Tổ, Bắc Ninh",
        tax_code="0100109106",
    )
    startup = StartupFactory(is_public=True, profile=None)
    StartupProfileFactory(
        organization=startup,
        founders="Đinh Thị Sáng lập (CEO)",
        funding_raised_vnd=987_654_321,
    )
    startup.startup_profile.pitch_deck.name = "pitch-decks/deck-secret-name.pdf"
    startup.startup_profile.save()

    html = _get(client)

    assert "Công ty Bí mật Không" in html and startup.legal_name in html
    for private in (
        firm.email,
        firm.phone,
        firm.address,
        firm.tax_code,
        "0100-109-106",
        startup.tax_code,
        "Đinh Thị Sáng lập",
        "987654321",
        "987.654.321",
        "987,654,321",
        "deck-secret-name",
    ):
        assert private not in html, private


def test_card_shows_the_public_profile(client, directory):
    firm = _public(
        legal_name="Công ty Cổ phần Bán dẫn Kinh Bắc",
        short_name="KBSEMI",
        sector=Sector.ELECTRONICS,
        province="bac-ninh",
        founded_year=2019,
        website="https://kbsemi.example/vi/",
        description="Thiết kế vi mạch " * 40,
        verified=True,
    )
    firm.logo_thumbnail.name = "logos/kbsemi-thumb.webp"
    firm.save()

    html = _get(client)

    card = html[html.index('<article class="card org-card">') :]
    card = card[: card.index("</article>")]
    with translation.override("vi"):
        kind, sector = str(OrganizationKind.ENTERPRISE.label), str(Sector.ELECTRONICS.label)
    assert kind in card and sector in card and "Bắc Ninh" in card and "2019" in card
    assert "<h3>Công ty Cổ phần Bán dẫn Kinh Bắc <small>(KBSEMI)</small></h3>" in card
    assert 'class="badge badge-verified"' in card
    assert re.search(
        r'<img class="org-logo" src="/media/logos/kbsemi-thumb.webp" width="64" height="64"'
        r' loading="lazy" decoding="async" alt="[^"]*KBSEMI[^"]*">',
        card,
    )
    assert (
        '<a href="https://kbsemi.example/vi/" rel="noopener nofollow ugc" target="_blank"'
        ' class="external">kbsemi.example/vi<' in card
    )
    # The description is cut short.
    assert "Thiết kế vi mạch " * 10 in card and "Thiết kế vi mạch " * 20 not in card
    assert "…</p>" in card


def test_filters_by_kind_sector_and_stage(client, directory):
    _public(legal_name="Doanh nghiệp Phần mềm", sector=Sector.SOFTWARE)
    _public(legal_name="Doanh nghiệp Nông nghiệp", sector=Sector.AGRICULTURE)
    idea = StartupFactory(legal_name="Khởi nghiệp Ý tưởng", is_public=True, profile=None)
    StartupProfileFactory(organization=idea, stage=StartupStage.IDEA)
    StartupFactory(legal_name="Khởi nghiệp Sản phẩm", is_public=True)  # MVP
    _public(
        legal_name="Trường THPT Chuyên",
        kind=OrganizationKind.SCHOOL,
        tax_code=None,
        sector=Sector.EDUCATION,
    )

    def names(**params):
        return _names(_get(client, **params))

    assert len(names()) == 5
    assert names(kind="startup") == ["Khởi nghiệp Sản phẩm", "Khởi nghiệp Ý tưởng"]
    assert names(sector="agriculture") == ["Doanh nghiệp Nông nghiệp"]
    assert names(stage="idea") == ["Khởi nghiệp Ý tưởng"]
    assert names(kind="school", sector="education") == ["Trường THPT Chuyên"]
    # An unknown value is dropped, not an error.
    assert len(names(kind="bank", sector="<script>")) == 5
    html = _get(client, kind="startup")
    assert '<option value="startup" selected>' in html


def test_searches_names_and_descriptions(client, directory):
    _public(legal_name="Công ty Nước Sạch", short_name="NUOCSACH", description="Lọc nước")
    _public(legal_name="Công ty Du lịch Số", short_name="DLS", description="Bản đồ di sản số")
    _public(legal_name="Công ty Khác", short_name="KHAC", description="Không liên quan")

    assert _names(_get(client, q="nước sạch")) == ["Công ty Nước Sạch"]
    assert _names(_get(client, q="dls")) == ["Công ty Du lịch Số"]
    assert _names(_get(client, q="di sản")) == ["Công ty Du lịch Số"]
    html = _get(client, q="không có ai")
    assert _names(html) == [] and 'href="?"' in html  # a way back to the full list


def test_pages_of_24_keep_the_filters_and_refuse_bad_pages(client, directory):
    for n in range(30):
        _public(legal_name=f"Công ty {n:02d}", sector=Sector.SOFTWARE)
    _public(legal_name="Công ty Nông nghiệp", sector=Sector.AGRICULTURE)

    first = _get(client, sector="software")
    second = _get(client, sector="software", page="2")

    assert DirectoryPage.per_page == 24
    assert _names(first) == [f"Công ty {n:02d}" for n in range(24)]
    assert _names(second) == [f"Công ty {n:02d}" for n in range(24, 30)]
    assert '<a rel="next" href="?sector=software&amp;page=2">' in first
    assert 'rel="prev"' not in first
    assert '<a rel="prev" href="?sector=software&amp;page=1">' in second
    assert 'rel="next"' not in second
    assert "<title>Danh bạ đổi mới sáng tạo · Trang 2 ·" in second
    for page in ("3", "0", "-1", "x", "", "²", "1.5", "99999999999999999999"):
        assert client.get(URL, {"sector": "software", "page": page}).status_code == 404, page


def test_english_directory_under_en(client, en_directory):
    _public(legal_name="Công ty Song ngữ", sector=Sector.TOURISM)

    vi = _get(client)
    en = _get(client, "/en/directory/")

    assert '<html lang="en">' in en and "Innovation directory" in en
    assert "Công ty Song ngữ" in en
    assert "Tourism, culture and heritage" in en
    assert 'href="/danh-ba/" lang="vi"' in en  # the switcher links the other language
    assert '<html lang="vi">' in vi and 'href="/en/directory/" lang="en"' in vi


def test_home_page_links_the_directory(client, en_directory):
    assert '<a href="/danh-ba/">' in _get(client, "/")
    assert '<a href="/en/directory/">' in _get(client, "/en/")


def test_anonymous_copies_may_be_cached_and_hold_nothing_personal(client, directory, manager):
    _public()

    response = client.get(URL)

    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert not response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
    client.force_login(manager)
    assert "public" not in client.get(URL).get("Cache-Control", "")


@pytest.mark.parametrize("path", [URL, "/en/directory/"])
def test_runs_a_constant_number_of_queries(client, en_directory, path):
    def add(n):
        for i in range(n):
            if i % 3:
                _public()
            else:
                StartupFactory(is_public=True)

    def fetch():
        return _get(client, path)

    queries, html = assert_constant_queries(fetch, add, few=1, many=30)
    assert html.count('class="card org-card"') == 24


def test_costs_one_query_more_than_the_same_page_without_its_list(client, directory):
    """The directory's own work is one query (the organisations of the page with their
    startup stage); the rest is what any page below the home page costs (routing, the
    menus and the site settings)."""
    StartupFactory.create_batch(5, is_public=True)
    _get(client)  # warm Wagtail's cached site root paths

    total, response = count_queries(client.get, URL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cms.models.pages.directory_organizations", _no_rows)
        base, _ = count_queries(client.get, URL)

    assert response.content.decode().count('class="card org-card"') == 5
    assert total - base == 1


def _no_rows(**filters):
    from startups.models import Organization

    return Organization.objects.none()  # lists nothing, without a query


def test_one_directory_per_home_page():
    assert DirectoryPage.max_count_per_parent == 1
    assert DirectoryPage.parent_page_types == ["cms.HomePage"]
    vi = Locale.objects.get(language_code="vi")
    home = HomePage.objects.get(depth=2, locale=vi)
    home.add_child(instance=DirectoryPage(title="Danh bạ", slug="danh-ba"))
    assert not DirectoryPage.can_create_at(home)


def test_search_ignores_diacritics_and_matches_d_for_dj(client, directory):
    _public(legal_name="Công ty Đổi mới Nước sạch", short_name="DMNS", description="Lọc nước")
    _public(legal_name="Công ty Khác", short_name="KHAC", description="Đo đạc bản đồ")

    assert _names(_get(client, q="nuoc sach")) == ["Công ty Đổi mới Nước sạch"]
    assert _names(_get(client, q="DOI MOI")) == ["Công ty Đổi mới Nước sạch"]
    assert _names(_get(client, q="đo đạc")) == ["Công ty Khác"]
    assert _names(_get(client, q="do dac ban do")) == ["Công ty Khác"]
    assert _names(_get(client, q="do dac nuoc")) == []  # every word must match


def test_search_follows_an_edited_profile(client, directory):
    firm = _public(legal_name="Công ty Cũ", short_name="CDS", description="")
    firm.legal_name = "Công ty Chuyển đổi số"
    firm.save(update_fields=["legal_name"])

    assert _names(_get(client, q="chuyen doi so")) == ["Công ty Chuyển đổi số"]
    assert _names(_get(client, q="cong ty cu")) == []
