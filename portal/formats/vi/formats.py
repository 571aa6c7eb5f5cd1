"""Vietnamese formats: Django's, with amounts grouped by thousands (Django's Vietnamese
locale sets the separator but no grouping, so 1500000000 would show ungrouped) and dates
written as in official letters, 24/11/2026."""

from django.conf.locale.vi.formats import *  # noqa: F403

NUMBER_GROUPING = 3
DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = r"H:i \n\gà\y d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
