"""Forms of the public pages (GET forms: no session, no CSRF token, so the pages that
hold them stay the same for every anonymous reader)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from challenges.enums import ChallengeKind, ChallengeStatus
from challenges.enums import Sector as ChallengeSector
from startups.enums import OrganizationKind, Sector, StartupStage


def _choices(blank_label, choices):
    return [("", blank_label), *choices]


class DirectoryFilterForm(forms.Form):
    """The directory's search box and filters. A value that is not one of the choices is
    dropped, not an error: the page then lists what the other filters select."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100, strip=True)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=_choices(_("All kinds"), OrganizationKind.choices),
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=_choices(_("All sectors"), Sector.choices)
    )
    stage = forms.ChoiceField(
        label=_("Startup stage"),
        required=False,
        choices=_choices(_("All stages"), StartupStage.choices),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "directory-%s")
        super().__init__(*args, **kwargs)

    def selects(self) -> list[dict]:
        """The three filters, for a template to write out as plain <select>s: cheaper than
        rendering each option through Django's widget templates."""
        filters = self.filters()
        selected = {"kind": filters["kind"], "sector": filters["sector"], "stage": filters["stage"]}
        return [
            {
                "name": name,
                "id": self.auto_id % name,
                "label": self.fields[name].label,
                "choices": [(value, str(label)) for value, label in self.fields[name].choices],
                "value": selected[name],
            }
            for name in ("kind", "sector", "stage")
        ]

    def filters(self) -> dict[str, str]:
        """The valid values, by the names `directory_organizations` takes."""
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "search": cleaned.get("q", ""),
            "kind": cleaned.get("kind", ""),
            "sector": cleaned.get("sector", ""),
            "stage": cleaned.get("stage", ""),
        }


class ChallengeFilterForm(forms.Form):
    """The challenge index's filters; as in the directory, a value that is not one of
    the choices is dropped."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_choices(_("All kinds"), ChallengeKind.choices)
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_choices(_("Any status"), ChallengeStatus.choices),
    )
    sector = forms.ChoiceField(
        label=_("Theme"),
        required=False,
        choices=_choices(_("All themes"), ChallengeSector.choices),
    )
    names = ("kind", "status", "sector")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "calls-%s")
        super().__init__(*args, **kwargs)

    def filters(self) -> dict[str, str]:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {name: cleaned.get(name, "") for name in self.names}

    def selects(self) -> list[dict]:
        filters = self.filters()
        return [
            {
                "name": name,
                "id": self.auto_id % name,
                "label": self.fields[name].label,
                "choices": [(value, str(label)) for value, label in self.fields[name].choices],
                "value": filters[name],
            }
            for name in self.names
        ]
