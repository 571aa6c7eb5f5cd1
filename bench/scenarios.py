"""What `make bench` measures, who asks, and the budget each must meet.

A scenario is one GET request. Its path may name values that `fixtures()` reads from the
bench database once per run (a challenge's code, its page's path), so scenarios never
hard-code generated data. Budgets are for the default scale (1). `max_queries` is the
count the page runs today, at any scale: a change that adds a query fails the run until
the budget is raised on purpose, in the same commit that says why. `max_ms` caps the
in-process median on the production profile; `no_slower_than` caps it relative to another
scenario's (a deep page against the first), and `max_memory_mb` caps how much a streamed
response (an export) grows the Python heap.

A later feature adds its scenarios to `SCENARIOS` (and its rows to `bench.data.STEPS`):
the list pages at their largest page size, a detail, and the same list with one row under
`same_queries_as`, so that the run proves the query count does not grow with the rows.
"""

from dataclasses import dataclass, field
from urllib.parse import quote

ANONYMOUS = "anonymous"
# Demo users made by bench_data (the same addresses as seed_demo's).
APPLICANT = "applicant@demo.example"
MANAGER = "manager@demo.example"
JUROR = "juror@demo.example"
OFFICER = "officer@demo.example"
APPROVER = "approver@demo.example"


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    max_queries: int
    max_ms: float
    who: str = ANONYMOUS
    # How a signed-in user proves who they are: an API token or a browser session.
    auth: str = "token"
    language: str = "vi"
    status: int = 200
    # This scenario must run exactly as many queries as the one named here.
    same_queries_as: str | None = None
    # Also load-tested through gunicorn in the HTTP pass.
    http: bool = False
    # In the HTTP pass (page cache on), an anonymous page answered from the whole-page
    # cache: its last warm-up must say `X-Cache: hit`, and where time budgets apply it
    # must reach at least half of the static file's requests/s (bench.report.CACHED_SHARE).
    cached: bool = False
    description: str = ""
    headers: dict = field(default_factory=dict)
    # (other scenario, factor): this median may be at most `factor` times the other's
    # (a deep page no slower than the first). Checked where time budgets apply.
    no_slower_than: tuple[str, float] | None = None
    # A streamed response (an export): the most the Python heap may grow, in MB, while
    # one request is answered and its body read. Checked at every scale.
    max_memory_mb: float | None = None


# The floor every other median is divided by: one query, no template, no serializer.
FLOOR = Scenario("healthz", "/healthz", max_queries=1, max_ms=3, http=True)

# Public pages, anonymous, rendered (the in-process pass runs with the page cache off).
# Every page runs the site's chrome: the route (the site, then the home page in the
# reader's language with its translations' paths, then one query per level below:
# cms.routing), view restrictions, the menus (one query) and the site settings. English
# pages run the same queries as Vietnamese ones. The ceilings: home <= 12,
# indexes <= 12, a challenge page <= 15, the news index <= 10.
SCENARIOS = [
    FLOOR,
    Scenario(
        "home",
        "/",
        max_queries=10,
        max_ms=25,
        http=True,
        cached=True,
        description="home page, anonymous, nothing cached",
    ),
    Scenario("home.en", "/en/", max_queries=10, max_ms=25, language="en"),
    Scenario(
        "challenge-index",
        "/bai-toan/",
        max_queries=8,
        max_ms=30,
        http=True,
        cached=True,
        description="challenge index page, anonymous, nothing cached",
    ),
    Scenario(
        "challenge-index.last",
        "/bai-toan/?page={index_last_page}",
        max_queries=8,
        max_ms=30,
        same_queries_as="challenge-index",
        no_slower_than=("challenge-index", 1.2),
        description="the index's deepest page",
    ),
    Scenario(
        "challenge-index.filtered",
        "/bai-toan/?kind=problem&status=open&sector={index_sector}",
        max_queries=8,
        max_ms=30,
        same_queries_as="challenge-index",
        description="the index filtered by kind, status and sector",
    ),
    Scenario("challenge-index.en", "/en/challenges/", max_queries=8, max_ms=30, language="en"),
    # Every section of the page, the challenge's rules, its results page's link.
    Scenario(
        "challenge-page",
        "{challenge_page}",
        max_queries=8,
        max_ms=20,
        http=True,
        cached=True,
        description="an open problem's page",
    ),
    Scenario("challenge-page.en", "{challenge_page_en}", max_queries=8, max_ms=20, language="en"),
    Scenario(
        "challenge-page.contest",
        "{contest_page}",
        max_queries=8,
        max_ms=20,
        same_queries_as="challenge-page",
        description="a contest's page (the problem's at scales without a contest)",
    ),
    Scenario(
        "news-index",
        "/tin-tuc/",
        max_queries=9,
        max_ms=30,
        http=True,
        cached=True,
        description="news index, 12 of 500 items with their tags",
    ),
    Scenario(
        "news-index.last",
        "/tin-tuc/?page={news_last_page}",
        max_queries=9,
        max_ms=30,
        same_queries_as="news-index",
        no_slower_than=("news-index", 1.2),
        description="the news index's deepest page",
    ),
    Scenario(
        "news-index.tag",
        "/tin-tuc/?tag={news_tag}",
        max_queries=9,
        max_ms=30,
        same_queries_as="news-index",
        description="the news index filtered by a tag",
    ),
    Scenario("news-index.en", "/en/news/", max_queries=9, max_ms=30, language="en"),
    Scenario(
        "news-page",
        "{news_page}",
        max_queries=8,
        max_ms=20,
        http=True,
        cached=True,
        description="one news item with its tags",
    ),
    Scenario("news-page.en", "{news_page_en}", max_queries=8, max_ms=20, language="en"),
    Scenario(
        "results-page",
        "{results_page}",
        max_queries=12,
        max_ms=25,
        description="a challenge's published results and winners",
    ),
    Scenario("results-page.en", "{results_page_en}", max_queries=12, max_ms=25, language="en"),
    Scenario("standard-page", "/gioi-thieu/", max_queries=6, max_ms=20),
    Scenario("standard-page.en", "/en/about/", max_queries=6, max_ms=20, language="en"),
    # The fund's figures, paid per month (past months kept in the cache, the current one
    # summed from the ledger) and per sector, its open calls and 25 of its 1,000 awards.
    Scenario(
        "fund-page",
        "/quy-dau-tu/",
        max_queries=11,
        max_ms=60,
        description="the fund's public page: totals, charts, open calls, 25 of 1,000 awards",
    ),
    Scenario("fund-page.en", "/en/venture-fund/", max_queries=11, max_ms=60, language="en"),
    Scenario(
        "fund-page.trail",
        "/quy-dau-tu/awards/{fund_award}/",
        max_queries=8,
        max_ms=30,
        description="the public trail of the largest award: its tranches, met and paid",
    ),
    Scenario(
        "search",
        "/tim-kiem/?q=giam%20sat",
        max_queries=6,
        max_ms=30,
        description="site search 'giam sat' typed without diacritics",
    ),
    Scenario(
        "search.en",
        "/en/search/?q=monitoring",
        max_queries=6,
        max_ms=30,
        language="en",
        description="site search in English",
    ),
    Scenario(
        "calendar",
        "/calendar.ics",
        max_queries=2,
        max_ms=60,
        # Built by the icalendar library, two events with a reminder per call: CPU, not SQL.
        description="iCalendar feed of every published call's opening and deadline",
    ),
    Scenario(
        "sitemap",
        "/sitemap.xml",
        max_queries=4,
        max_ms=80,
        # About 850 pages and 2,000 award trails at scale 1, each with its alternates:
        # grows with the site.
        description="every live page and award trail in both languages with its alternates",
    ),
    Scenario(
        "directory",
        "/danh-ba/",
        max_queries=7,
        max_ms=30,
        http=True,
        cached=True,
        description="public directory, 24 organisations, anonymous, nothing cached",
    ),
    Scenario(
        "directory.last",
        "/danh-ba/?page={directory_last_page}",
        max_queries=7,
        max_ms=30,
        same_queries_as="directory",
        description="the directory's deepest page",
    ),
    Scenario(
        "directory.search",
        "/danh-ba/?q=d%E1%BB%AF%20li%E1%BB%87u&sector=ai_data",
        max_queries=7,
        max_ms=30,
        description="directory search 'dữ liệu' in one sector",
    ),
    Scenario(
        "api.challenges",
        "/api/v1/challenges/?page_size=100",
        max_queries=3,
        max_ms=15,
        http=True,
        description="GET /api/v1/challenges/?page_size=100",
    ),
    Scenario(
        "api.challenges.1",
        "/api/v1/challenges/?page_size=1",
        max_queries=3,
        max_ms=15,
        same_queries_as="api.challenges",
    ),
    Scenario(
        "api.challenges.en",
        "/api/v1/challenges/?page_size=100",
        max_queries=3,
        max_ms=15,
        language="en",
    ),
    Scenario(
        "api.challenges.search",
        "/api/v1/challenges/?page_size=100&status=open&search=n%E1%BB%81n%20t%E1%BA%A3ng",
        max_queries=3,
        max_ms=15,
        description="open challenges matching 'nền tảng'",
    ),
    Scenario(
        "api.challenge",
        "/api/v1/challenges/{challenge}/",
        # The challenge, its tracks, its rubric's criteria, its page.
        max_queries=4,
        max_ms=8,
        http=True,
    ),
    # The bench applicant belongs to 150 organisations: /me/ lists every membership.
    Scenario("api.me", "/api/v1/me/", max_queries=5, max_ms=10, who=APPLICANT),
    Scenario(
        "api.organizations",
        "/api/v1/organizations/?page_size=100",
        max_queries=4,
        max_ms=15,
        who=APPLICANT,
        description="GET /api/v1/organizations/?page_size=100, a member of several",
    ),
    Scenario(
        "api.organizations.1",
        "/api/v1/organizations/?page_size=1",
        max_queries=4,
        max_ms=15,
        who=APPLICANT,
        same_queries_as="api.organizations",
    ),
    Scenario(
        "dashboard",
        "/dashboard/",
        max_queries=9,
        # Every one of the bench applicant's 150 organisations is on the page (real
        # applicants have one or two; the count of queries is what must not grow).
        max_ms=45,
        who=APPLICANT,
        auth="session",
        description="applicant's dashboard home, a member of 150 organisations",
    ),
    Scenario(
        "api.proposals",
        "/api/v1/proposals/?page_size=100",
        max_queries=5,
        max_ms=30,
        who=APPLICANT,
        description="GET /api/v1/proposals/?page_size=100, with attachments, of 150 organisations",
    ),
    Scenario(
        "api.proposals.1",
        "/api/v1/proposals/?page_size=1",
        max_queries=5,
        max_ms=30,
        who=APPLICANT,
        same_queries_as="api.proposals",
    ),
    Scenario(
        "api.proposal",
        "/api/v1/proposals/{applicant_proposal}/",
        max_queries=5,
        max_ms=25,
        who=APPLICANT,
        description="one sent proposal with its attachments",
    ),
    Scenario(
        "dashboard.proposals",
        "/dashboard/proposals/",
        max_queries=10,
        max_ms=30,
        who=APPLICANT,
        auth="session",
        description="the applicant's proposal list page, 50 of 134",
    ),
    Scenario(
        "dashboard.proposal",
        "/dashboard/proposals/{applicant_proposal}/",
        # The ceiling (proposals): 10.
        max_queries=10,
        max_ms=25,
        who=APPLICANT,
        auth="session",
        description="the same proposal on the applicant's dashboard",
    ),
    # Department staff: a challenge's 2,000 sent proposals, 100 a page (the API's largest
    # page, the admin's list_per_page; `p` is Wagtail's page parameter). The one-row twin
    # of the admin list is a challenge with one sent proposal: the admin takes no page size.
    Scenario(
        "api.challenge-proposals",
        "/api/v1/challenges/{challenge}/proposals/?page_size=100",
        max_queries=7,
        max_ms=60,
        who=MANAGER,
        description="a challenge's sent proposals, 100 of 2,000, programme manager",
    ),
    Scenario(
        "api.challenge-proposals.20",
        "/api/v1/challenges/{challenge}/proposals/?page_size=100&page={proposals_last_page}",
        max_queries=7,
        max_ms=60,
        who=MANAGER,
        same_queries_as="api.challenge-proposals",
        no_slower_than=("api.challenge-proposals", 1.2),
        description="the same list's last page (20 at scale 1)",
    ),
    Scenario(
        "api.challenge-proposals.1",
        "/api/v1/challenges/{challenge}/proposals/?page_size=1",
        max_queries=7,
        max_ms=60,
        who=MANAGER,
        same_queries_as="api.challenge-proposals",
    ),
    # DESIGN.md's peer shows 60 submissions in 328 ms; five times faster is 65 ms, for a
    # page of 100 here (most of it Wagtail's admin chrome, the rows written in one go).
    Scenario(
        "admin.proposals",
        "/admin/proposals/?challenge={challenge_id}",
        max_queries=12,
        max_ms=65,
        who=MANAGER,
        auth="session",
        description="Wagtail admin list of a challenge's proposals, 100 a page of 2,000",
    ),
    Scenario(
        "admin.proposals.20",
        "/admin/proposals/?challenge={challenge_id}&p={proposals_last_page}",
        max_queries=12,
        max_ms=65,
        who=MANAGER,
        auth="session",
        same_queries_as="admin.proposals",
        no_slower_than=("admin.proposals", 1.2),
        description="the same list's last page (20 at scale 1)",
    ),
    Scenario(
        "admin.proposals.1",
        "/admin/proposals/?challenge={lone_challenge_id}",
        max_queries=12,
        max_ms=60,
        who=MANAGER,
        auth="session",
        same_queries_as="admin.proposals",
        description="a challenge with one sent proposal",
    ),
    Scenario(
        "admin.proposals.csv",
        "/admin/proposals/?challenge={challenge_id}&export=csv",
        max_queries=7,
        max_ms=250,
        who=MANAGER,
        auth="session",
        max_memory_mb=50,
        description="CSV export of a challenge's 2,000 sent proposals, streamed",
    ),
    Scenario(
        "admin.proposals.csv.1",
        "/admin/proposals/?challenge={lone_challenge_id}&export=csv",
        max_queries=7,
        # The twin proves the query count; its time is the admin's fixed cost (12-15 ms).
        max_ms=20,
        who=MANAGER,
        auth="session",
        same_queries_as="admin.proposals.csv",
        description="CSV export of a challenge with one sent proposal",
    ),
    # Judging: the bench challenge's round, about 1,900 entries x 5 jurors x 6 criteria;
    # the demo juror is one of 40 jurors, with about 240 reviews.
    Scenario(
        "api.ranking",
        "/api/v1/challenges/{challenge}/ranking/",
        max_queries=5,
        max_ms=300,
        who=MANAGER,
        description="the round's ranking: mean, z-scores, trimmed mean, spread, in the database",
    ),
    Scenario(
        "admin.judging",
        "/admin/snippets/challenges/round/judging/{judging_round}/",
        max_queries=15,
        max_ms=300,
        who=MANAGER,
        auth="session",
        description="a round's judging page: progress per juror and the whole ranking",
    ),
    Scenario(
        "api.reviews",
        "/api/v1/reviews/assignments/?page_size=100",
        max_queries=5,
        max_ms=25,
        who=JUROR,
        description="a juror's assignments, 100 of about 240",
    ),
    Scenario(
        "api.reviews.1",
        "/api/v1/reviews/assignments/?page_size=1",
        max_queries=5,
        max_ms=25,
        who=JUROR,
        same_queries_as="api.reviews",
    ),
    Scenario(
        "dashboard.reviews",
        "/dashboard/reviews/",
        max_queries=9,
        # Every review on one page: 240 here, four times the sixty a juror usually has.
        max_ms=80,
        who=JUROR,
        auth="session",
        description="a juror's workspace: every one of about 240 reviews, by round",
    ),
    # The fund: 1,000 awards and a ledger of 1,000,000 rows, a tenth of it on the largest
    # award ({fund_award}); a typical award ({fund_award_typical}) has about 900 entries.
    Scenario(
        "api.fund.position",
        "/api/v1/fund/position/",
        # Capital, committed and paid per fund, summed over the awards' running totals.
        max_queries=1,
        max_ms=50,
        http=True,
        description="GET /api/v1/fund/position/: two funds, 1,000 awards, anonymous",
    ),
    Scenario(
        "api.fund.awards",
        "/api/v1/fund/awards/?page_size=100",
        max_queries=6,
        max_ms=50,
        who=OFFICER,
        description="GET /api/v1/fund/awards/?page_size=100 with tranches, 100 of 1,000",
    ),
    Scenario(
        "api.fund.awards.1",
        "/api/v1/fund/awards/?page_size=1",
        max_queries=6,
        max_ms=50,
        who=OFFICER,
        same_queries_as="api.fund.awards",
    ),
    Scenario(
        "api.fund.awards.applicant",
        "/api/v1/fund/awards/?page_size=100",
        max_queries=6,
        max_ms=50,
        who=APPLICANT,
        same_queries_as="api.fund.awards",
        description="the awards of applicant@'s 150 organisations",
    ),
    Scenario(
        "api.fund.award",
        "/api/v1/fund/awards/{fund_award}/",
        # The award with its application and organisation and the count of its ledger,
        # its tranches, its newest 20 entries (the whole ledger is at .../ledger/).
        max_queries=6,
        max_ms=50,
        who=OFFICER,
        description="the largest award: tranches, the count of 100,000 entries, the newest 20",
    ),
    Scenario(
        "api.fund.award.typical",
        "/api/v1/fund/awards/{fund_award_typical}/",
        max_queries=6,
        max_ms=50,
        who=OFFICER,
        same_queries_as="api.fund.award",
        description="a typical award (about 900 ledger entries)",
    ),
    # The largest award's ledger, 100,000 entries, newest first: the count with the
    # award, then the page's ids alone, sorted and sliced, and only its rows joined.
    Scenario(
        "api.fund.ledger",
        "/api/v1/fund/awards/{fund_award}/ledger/?page_size=100",
        max_queries=5,
        max_ms=50,
        who=APPROVER,
        description="GET .../awards/{id}/ledger/?page_size=100: page 1 of 100,000 entries",
    ),
    Scenario(
        "api.fund.ledger.1",
        "/api/v1/fund/awards/{fund_award}/ledger/?page_size=1",
        max_queries=5,
        max_ms=50,
        who=APPROVER,
        same_queries_as="api.fund.ledger",
    ),
    Scenario(
        "api.fund.ledger.deep",
        "/api/v1/fund/awards/{fund_award}/ledger/?page={fund_ledger_middle_page}"
        "&page_size=100&cursor={fund_ledger_middle_cursor}",
        max_queries=5,
        max_ms=50,
        who=APPROVER,
        same_queries_as="api.fund.ledger",
        # The `next` link's cursor: a keyset read from the middle of the ledger.
        no_slower_than=("api.fund.ledger", 1.3),
        description="the page after the 50,000th entry, by the `next` link's cursor",
    ),
    Scenario(
        "api.fund.ledger.last",
        "/api/v1/fund/awards/{fund_award}/ledger/?page=last&page_size=100",
        max_queries=5,
        max_ms=50,
        who=APPROVER,
        same_queries_as="api.fund.ledger",
        # A page by its number is read from the nearer end of the ledger.
        no_slower_than=("api.fund.ledger", 1.3),
        description="the last page (the oldest entries), by its number",
    ),
    Scenario(
        "api.fund.ledger.jump",
        "/api/v1/fund/awards/{fund_award}/ledger/?page={fund_ledger_middle_page}&page_size=100",
        max_queries=5,
        max_ms=50,
        who=APPROVER,
        same_queries_as="api.fund.ledger",
        # The worst case: a page in the middle by its number, 50,000 rows from either end.
        description="the middle page by its number, without a cursor (the slowest page)",
    ),
    Scenario(
        "api.fund.disbursements",
        "/api/v1/fund/disbursements/?page_size=100",
        max_queries=4,
        max_ms=40,
        who=APPROVER,
        # Paged by cursor without a count: counting the history took longer than the page.
        description="GET /api/v1/fund/disbursements/?page_size=100 of about 990,000",
    ),
    Scenario(
        "api.fund.disbursements.waiting",
        "/api/v1/fund/disbursements/?status=requested&page_size=1",
        max_queries=4,
        max_ms=40,
        who=APPROVER,
        same_queries_as="api.fund.disbursements",
        description="the finance approvers' queue, one row",
    ),
    Scenario(
        "dashboard.fund.award",
        "/dashboard/fund/office/awards/{fund_award}/",
        # The ceiling: 10.
        max_queries=10,
        max_ms=50,
        who=OFFICER,
        auth="session",
        # A hundred times the ledger of a typical award, and no slower than its page.
        no_slower_than=("dashboard.fund.award.typical", 1.5),
        description="the award page: tranches, requests, the newest 50 of 100,000 ledger entries",
    ),
    Scenario(
        "dashboard.fund.award.typical",
        "/dashboard/fund/office/awards/{fund_award_typical}/",
        max_queries=10,
        max_ms=50,
        who=OFFICER,
        auth="session",
        same_queries_as="dashboard.fund.award",
        description="a typical award's page (about 900 ledger entries)",
    ),
    Scenario(
        "dashboard.fund.ledger.csv",
        "/dashboard/fund/office/export/ledger.csv?award={fund_award}",
        max_queries=4,
        max_ms=3000,
        who=OFFICER,
        auth="session",
        max_memory_mb=50,
        description="CSV export of the largest award's 100,000 ledger entries, streamed",
    ),
    Scenario(
        "dashboard.fund.ledger.csv.typical",
        "/dashboard/fund/office/export/ledger.csv?award={fund_award_typical}",
        max_queries=4,
        max_ms=60,
        who=OFFICER,
        auth="session",
        same_queries_as="dashboard.fund.ledger.csv",
        description="CSV export of a typical award's ledger",
    ),
    Scenario(
        "admin.dashboard",
        "/admin/",
        max_queries=18,
        max_ms=40,
        who=MANAGER,
        auth="session",
        description="Wagtail admin home of a programme manager",
    ),
]


def fixtures() -> dict[str, str]:
    """Values the scenario paths name, read from the bench database: an open challenge
    that has a live page in both languages and the proposals sent to it, a contest's
    page, the sector with the most open problems, the challenge index's, the news
    index's and the directory's last pages, a news item in both languages and a tag,
    the results page, the challenge with a single sent proposal, and one of
    applicant@'s sent proposals with the most attachments."""
    from django.db.models import Count, Q
    from wagtail.models import Locale

    from bench.data import proposals_challenge
    from challenges.enums import ChallengeKind, ChallengeStatus, ProposalStatus
    from challenges.models import Challenge, Proposal
    from challenges.selectors import challenges_public
    from cms.models import (
        ChallengeIndexPage,
        ChallengePage,
        DirectoryPage,
        NewsIndexPage,
        NewsPage,
        NewsPageTag,
        ResultsPage,
    )
    from startups.models import Organization

    challenge = proposals_challenge()
    if challenge is None:
        raise LookupError("The bench database has no open challenge with an English page.")
    sent = ~Q(proposals__status=ProposalStatus.DRAFT) & Q(proposals__isnull=False)
    by_sent = Challenge.objects.annotate(sent=Count("proposals", filter=sent))
    lone = by_sent.filter(sent=1).order_by("code").first()
    if lone is None:
        raise LookupError("The bench database has no challenge with a single sent proposal.")
    mine = (
        Proposal.objects.filter(organization__memberships__user__email=APPLICANT)
        .exclude(status=ProposalStatus.DRAFT)
        .annotate(files=Count("attachments"))
        .order_by("-files", "id")
        .first()
    )
    if mine is None:
        raise LookupError("The bench database has no proposal of applicant@ with attachments.")
    from challenges.judging.models import Round

    judging = Round.objects.filter(challenge=challenge).order_by("number").first()
    if judging is None:
        raise LookupError("The bench database has no judging round.")
    staff_page = 100  # the API's largest page and the admin's list_per_page
    fund_awards = _fund_awards()
    sent_here = by_sent.get(pk=challenge.pk).sent
    vi, en = (Locale.objects.get(language_code=code).pk for code in ("vi", "en"))
    pages = {
        page.locale_id: page for page in ChallengePage.objects.live().filter(challenge=challenge)
    }
    public = challenges_public()
    published = public.count()
    # A contest's page; at the tiniest scales there may be none: the problem's then.
    contest = (
        ChallengePage.objects.live()
        .filter(locale_id=vi, challenge__in=public.exclude(kind=ChallengeKind.PROBLEM))
        .order_by("path")
        .first()
    ) or pages[vi]
    busiest = (
        public.filter(current_status=ChallengeStatus.OPEN, kind=ChallengeKind.PROBLEM)
        .values("sector")
        .annotate(n=Count("id"))
        .order_by("-n", "sector")
        .first()
    )
    listed = Organization.objects.filter(is_public=True).count()
    news_index = NewsIndexPage.objects.get(locale_id=vi)
    news = NewsPage.objects.live().child_of(news_index)
    translated = NewsPage.objects.live().filter(locale_id=en).order_by("path").first()
    if translated is None:
        raise LookupError("The bench database has no news item in English.")
    news_vi = news.get(translation_key=translated.translation_key)
    tag = (
        NewsPageTag.objects.filter(content_object__in=news)
        .values("tag__slug")
        .annotate(n=Count("id"))
        .order_by("n", "tag__slug")
        .first()
    )
    results = {page.locale_id: page for page in ResultsPage.objects.live()}
    if not {vi, en} <= results.keys():
        raise LookupError("The bench database has no results page in both languages.")
    return {
        "index_last_page": str(max(1, -(-published // ChallengeIndexPage.per_page))),
        "index_sector": busiest["sector"] if busiest else challenge.sector,
        "directory_last_page": str(max(1, -(-listed // DirectoryPage.per_page))),
        "news_last_page": str(max(1, -(-news.count() // NewsIndexPage.per_page))),
        # The least used tag: the filtered list is the shortest, the twin of the full one.
        "news_tag": quote(tag["tag__slug"]),
        "news_page": news_vi.url,
        "news_page_en": translated.url,
        "results_page": results[vi].url,
        "results_page_en": results[en].url,
        "challenge": challenge.code,
        "judging_round": str(judging.pk),
        "challenge_id": str(challenge.pk),
        "lone_challenge_id": str(lone.pk),
        "proposals_last_page": str(max(1, -(-sent_here // staff_page))),
        "applicant_proposal": str(mine.pk),
        "challenge_page": pages[vi].url,
        "challenge_page_en": pages[en].url,
        "contest_page": contest.url,
        **fund_awards,
    }


def _fund_awards() -> dict[str, str]:
    """The largest award (a tenth of the ledger: bench.data.make_fund), a typical one to
    compare it with, and a page in the middle of the largest one's ledger."""
    from django.db.models import Count

    from fund.api.views import LEDGER_AFTER, LEDGER_BEFORE, ledger_cursor
    from fund.models import Award, LedgerEntry

    largest = Award.objects.order_by("-approved_vnd", "pk").first()
    if largest is None:
        raise LookupError("The bench database has no fund award.")
    # The award in the middle by the size of its ledger (one GROUP BY, once per run).
    by_size = list(
        LedgerEntry.objects.exclude(award=largest)
        .values("award")
        .annotate(entries=Count("pk"))
        .order_by("entries", "award")
        .values_list("award", flat=True)
    )
    typical = by_size[len(by_size) // 2] if by_size else largest.pk
    # The middle page of the largest award's ledger (100 a page), and the cursor the
    # `next` link into it carries: the last entry of the page before. (A ledger of one
    # page, at the tiniest scales: its first page, after its oldest entry.)
    entries = LedgerEntry.objects.filter(award=largest).order_by("-created_at", "-id")
    pages = max(1, -(-entries.count() // 100))
    middle = pages // 2 + 1 if pages > 1 else 1
    if middle > 1:
        before = entries[(middle - 1) * 100 - 1]
        cursor = ledger_cursor(LEDGER_AFTER, before)
    else:
        oldest = entries.last()
        cursor = ledger_cursor(LEDGER_BEFORE, oldest) if oldest else ""
    return {
        "fund_award": str(largest.pk),
        "fund_award_typical": str(typical),
        "fund_ledger_middle_page": str(middle),
        "fund_ledger_middle_cursor": cursor,
    }
