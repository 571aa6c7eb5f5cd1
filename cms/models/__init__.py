"""The CMS's models: page types (`pages`), navigation menus and site settings
(`navigation`)."""

from cms.models.navigation import Menu, MenuItem, MenuLocation, SiteSettings
from cms.models.pages import (
    ChallengeIndexPage,
    ChallengePage,
    DirectoryPage,
    FundPage,
    HomePage,
    NewsIndexPage,
    NewsPage,
    NewsPageTag,
    ResultsPage,
    ResultsPageWinner,
    StandardPage,
)

__all__ = [
    "ChallengeIndexPage",
    "ChallengePage",
    "DirectoryPage",
    "FundPage",
    "HomePage",
    "Menu",
    "MenuItem",
    "MenuLocation",
    "NewsIndexPage",
    "NewsPage",
    "NewsPageTag",
    "ResultsPage",
    "ResultsPageWinner",
    "SiteSettings",
    "StandardPage",
]
