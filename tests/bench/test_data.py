"""`manage.py bench_data`: the benchmark's data set, deterministic for a seed."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from wagtail.models import Page

from bench.data import NEWS_TAGS, generate, proposals_challenge, results_challenge
from challenges.enums import ChallengeStatus, ProposalStatus
from challenges.judging.models import Assignment, JurorProfile, Round
from challenges.judging.services import sheet_score
from challenges.models import Attachment, Challenge, Proposal
from challenges.selectors import challenges_public
from cms.models import ChallengePage, NewsPage
from portal.models import User
from startups.models import Organization

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 10, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(scope="class")
def scale_one(django_db_setup, django_db_blocker):
    """The data set at scale 1, built once for the tests that read it (each takes a
    quarter of a minute to build) and rolled back after them; each test runs in a
    savepoint inside it, so what one writes the next does not see."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield generate(scale=1, seed=1, now=NOW)
        transaction.set_rollback(True)


def _snapshot():
    return (
        [
            (c.code, c.kind, c.sector, c.title, c.opens_at, c.closes_at, c.is_published)
            for c in Challenge.objects.order_by("code")
        ]
        + list(
            Organization.objects.order_by("tax_code", "legal_name").values_list(
                "kind", "legal_name", "tax_code", "sector", "is_public", "verified"
            )
        )
        + [
            (p.locale.language_code, p.url_path, p.title, p.intro, p.live)
            for p in ChallengePage.objects.select_related("locale").order_by("path")
        ]
        + list(
            NewsPage.objects.order_by("path", "tagged_items__tag__name").values_list(
                "locale__language_code", "url_path", "title", "date", "tagged_items__tag__name"
            )
        )
        + list(
            Assignment.objects.order_by("entry__proposal__reference", "juror__email").values_list(
                "entry__proposal__reference", "juror__email", "status", "score"
            )
        )
    )


def test_the_pages_it_makes_are_served_in_both_languages(client):
    generate(scale=0.03, seed=3, now=NOW)
    page = ChallengePage.objects.filter(locale__language_code="en", live=True).first()

    response = client.get(page.url)

    assert response.status_code == 200
    assert page.title in response.content.decode()
    assert client.get("/bai-toan/").content.decode().count('class="card"') == 3


def _empty_fund():
    """The fund's rows. The ledger refuses DELETE (on PostgreSQL a trigger does, below the
    ORM), so the money tables are emptied with TRUNCATE, which only a session that says
    so may run (test databases do: tests/conftest.py)."""
    from django.db import connection

    from fund import models as fund

    money = [fund.LedgerEntry, fund.Disbursement, fund.Tranche, fund.Award]
    rest = [fund.FundDocument, fund.FundApplication, fund.FundingCall, fund.Fund]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(m._meta.db_table for m in money))
        else:
            for model in money:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608
        for model in rest:
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608


def _empty():
    """What generate() made, gone again (the demo users and the site stay)."""
    from cms.models import ResultsPage

    _empty_fund()
    NewsPage.objects.filter(slug__startswith=("tin-")).delete()
    NewsPage.objects.filter(slug__startswith=("news-")).delete()
    ResultsPage.objects.all().delete()
    ChallengePage.objects.all().delete()
    Round.objects.all().delete()  # with its entries, panel and score sheets
    JurorProfile.objects.all().delete()
    Proposal.objects.all().delete()
    Challenge.objects.all().delete()
    Organization.objects.all().delete()
    User.objects.filter(email__endswith="@bench.example").delete()


def test_same_seed_same_data_other_seed_other_data():
    generate(scale=0.1, seed=7, now=NOW)
    first = _snapshot()
    _empty()

    generate(scale=0.1, seed=7, now=NOW)
    assert _snapshot() == first

    _empty()
    generate(scale=0.1, seed=8, now=NOW)
    assert _snapshot() != first


def test_refuses_a_database_that_already_has_challenges():
    generate(scale=0.01, seed=1, now=NOW)

    with pytest.raises(CommandError, match="empty database"):
        call_command("bench_data", "--scale=0.01")


def test_refused_in_production(settings):
    settings.PRODUCTION = True

    with pytest.raises(CommandError, match="refused"):
        call_command("bench_data", "--scale=0.01")
    assert not Challenge.objects.exists()


def test_scale_must_be_positive():
    with pytest.raises(CommandError, match="greater than 0"):
        call_command("bench_data", "--scale=0")


def test_judging_reviews_every_sent_proposal_five_times_with_even_loads():
    from django.db.models import Count

    counts = generate(scale=0.1, seed=3, now=NOW)

    round_ = Round.objects.get()
    sent = Proposal.objects.filter(challenge=round_.challenge).exclude(
        status__in=[ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN]
    )
    assert round_.entries.count() == sent.count() == counts["entries"]
    per_entry = set(
        round_.assignments.values("entry").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert per_entry == {5}
    loads = list(
        round_.assignments.values("juror").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert max(loads) - min(loads) <= 1
    mine = set(
        round_.assignments.filter(juror__email="juror@demo.example").values_list(
            "status", flat=True
        )
    )
    assert "submitted" in mine and mine & {"assigned", "draft"}
    # Each submitted sheet's kept score is the one its score rows give.
    for sheet in round_.assignments.filter(status="submitted").prefetch_related(
        "scores__criterion"
    )[:50]:
        assert sheet.score == pytest.approx(sheet_score(sheet.scores.all()))
    assert counts["ms to assign all entries (one run)"] > 0


class TestScaleOne:
    """The data set at scale 1, as `make bench` builds it (built once for the class)."""

    def test_scale_one_makes_a_hundred_published_challenges_with_both_pages(self, scale_one):
        counts = scale_one

        published = Challenge.objects.filter(is_published=True)
        assert published.count() == 100
        assert counts["challenges"] == Challenge.objects.count() == 105
        live = ChallengePage.objects.live()
        for language in ("vi", "en"):
            pages = live.filter(locale__language_code=language, challenge__is_published=True)
            assert pages.values("challenge").distinct().count() == 100
        # Unpublished ones have a Vietnamese draft only.
        drafts = ChallengePage.objects.filter(challenge__is_published=False)
        assert drafts.count() == 5 and not drafts.filter(live=True).exists()
        statuses = set(challenges_public(now=NOW).values_list("current_status", flat=True))
        assert statuses == set(ChallengeStatus.values)
        assert all(not problems for problems in Page.find_problems())
        # Vietnamese text with its diacritics, and the demo users to log in with.
        assert any(set("ạảấầẩẫậắằẳẵặđ") & set(c.title) for c in published)
        assert User.objects.filter(email="manager@demo.example").exists()

    def test_its_searches_find_rows_with_or_without_diacritics(self, scale_one, anon_client):
        # The bench's search scenarios measure real matches: bulk-written rows carry their
        # folded search text as saved ones do.
        english = ChallengePage.objects.live().filter(locale__language_code="en").first()

        for query in ("nền tảng", "nen tang", english.title):
            response = anon_client.get("/api/v1/challenges/", {"search": query})
            assert response.data["count"] > 0, query
        assert Organization.objects.filter(is_public=True, search_text__contains="du lieu").exists()

    def test_scale_one_makes_five_thousand_organisations_applicant_belongs_to_150(self, scale_one):
        from stdnum.vn import mst

        from startups.enums import KINDS_REQUIRING_TAX_CODE, MembershipRole, OrganizationKind
        from startups.models import Membership, StartupProfile

        counts = scale_one

        organizations = Organization.objects.all()
        assert counts["organizations"] == organizations.count() == 5000
        assert set(organizations.values_list("kind", flat=True)) == set(OrganizationKind.values)
        assert organizations.filter(is_public=True).count() > 4000
        firms = organizations.filter(kind__in=KINDS_REQUIRING_TAX_CODE)
        codes = list(firms.values_list("tax_code", flat=True))
        assert all(mst.is_valid(code) for code in codes) and len(set(codes)) == len(codes)
        startups = organizations.filter(kind=OrganizationKind.STARTUP)
        assert StartupProfile.objects.count() == startups.count() > 0
        mine = Membership.objects.filter(user__email="applicant@demo.example")
        assert mine.count() == 150
        assert set(mine.values_list("role", flat=True)) == set(MembershipRole.values)
        # Every organisation has an owner.
        owned = Membership.objects.filter(role=MembershipRole.OWNER).values("organization")
        assert organizations.exclude(pk__in=owned).count() == 0

    def test_scale_one_sends_two_thousand_proposals_with_their_receipts_and_files(self, scale_one):
        from django.db.models import Count

        from challenges.services import proposal_content_digest

        counts = scale_one

        challenge = proposals_challenge(now=NOW)
        mine = challenge.proposals.all()
        sent = mine.exclude(status=ProposalStatus.DRAFT)
        assert sent.count() == counts["sent proposals"] - 1 == 2000
        assert 0 < mine.filter(status=ProposalStatus.DRAFT).count() <= 50
        assert {ProposalStatus.SUBMITTED, ProposalStatus.UNDER_REVIEW} <= set(
            sent.values_list("status", flat=True)
        )
        # One per organisation; sent ones numbered in the order they came, as the service does.
        assert mine.values("organization").distinct().count() == mine.count()
        in_order = list(sent.order_by("submitted_at", "id").values_list("reference", flat=True))
        assert in_order == [f"{challenge.code}-{n:04d}" for n in range(1, 2001)]
        challenge.refresh_from_db()
        assert challenge.last_reference_number == 2000
        assert all(challenge.opens_at <= p.submitted_at <= NOW for p in sent.only("submitted_at"))
        # One to three files each.
        files = Proposal.objects.annotate(n=Count("attachments")).values_list("n", flat=True)
        assert set(files) == {1, 2, 3} and counts["attachments"] == Attachment.objects.count()
        # applicant@'s organisations send more than the API's largest page, drafts among them.
        theirs = Proposal.objects.filter(
            organization__memberships__user__email="applicant@demo.example"
        )
        assert theirs.count() > 100 and theirs.filter(status=ProposalStatus.DRAFT).exists()
        # Receipts are the services' own: the digest covers the attachments in the database.
        for proposal in theirs.exclude(status=ProposalStatus.DRAFT).select_related(
            "challenge", "track"
        ):
            assert proposal.content_sha256 == proposal_content_digest(proposal)
        # The one-row twin of the staff lists: another challenge with a single sent proposal.
        lone = Challenge.objects.exclude(pk=challenge.pk).filter(proposals__isnull=False)
        assert lone.count() == 1 and lone.get().proposals.get().reference.endswith("-0001")
        # Ids were given by the step: the next one the database gives follows them.
        last = Proposal.objects.order_by("pk").last()
        draft = Proposal.objects.create(
            challenge=challenge, organization=last.organization, author=last.author, title="x"
        )
        assert draft.pk > last.pk

    def test_scale_one_adds_500_news_items_with_tags_a_results_page_and_the_site_chrome(
        self, scale_one, client
    ):
        from taggit.models import Tag

        from cms.models import (
            FundPage,
            Menu,
            NewsIndexPage,
            ResultsPage,
            SiteSettings,
            StandardPage,
        )

        counts = scale_one

        assert counts["news items"] == 500 and counts["news translations"] == 125
        vi_index = NewsIndexPage.objects.get(locale__language_code="vi")
        en_index = NewsIndexPage.objects.get(locale__language_code="en")
        # Besides seed_demo's six items in each language.
        assert NewsPage.objects.live().child_of(vi_index).count() == 506
        assert NewsPage.objects.live().child_of(en_index).count() == 131
        # Every English item translates a Vietnamese one; every item carries its tags.
        english = NewsPage.objects.child_of(en_index)
        keys = set(NewsPage.objects.child_of(vi_index).values_list("translation_key", flat=True))
        assert set(english.values_list("translation_key", flat=True)) <= keys
        assert not NewsPage.objects.filter(tagged_items__isnull=True).exists()
        item = english.order_by("-path").first()
        assert {t.name for t in item.tags.all()} <= {en for _vi, en in NEWS_TAGS}
        assert Tag.objects.filter(name="Chuyển đổi số").exists()
        assert all(not problems for problems in Page.find_problems())
        # One results page per language, for a challenge whose results are out.
        results = ResultsPage.objects.live()
        assert sorted(results.values_list("locale__language_code", flat=True)) == ["en", "vi"]
        assert all(page.winner_rows.count() == 3 for page in results)
        assert {page.challenge_id for page in results} == {results_challenge(now=NOW).pk}
        assert StandardPage.objects.live().count() == FundPage.objects.live().count() == 2
        assert Menu.objects.count() == 4 and SiteSettings.objects.exists()

        # Served, in both languages, and found by the site search (indexed after bulk writes).
        for url in (item.url, vi_index.url + "?page=43", results.first().url):
            assert client.get(url).status_code == 200, url
        found = client.get("/tim-kiem/", {"q": "giam sat"}).content.decode()
        assert "giám sát" in found.lower()
        assert "?tag=" in client.get(en_index.url).content.decode()
