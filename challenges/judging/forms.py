"""Forms of the juror's workspace: the score sheet and the conflict declaration.

The score sheet's form reads what the browser sends (a score per criterion as radio
buttons or a number, an abstain box with its reason, the comment) and hands the service
the shape it takes. The rules (a score within the criterion's range, a reason for each
abstention, every criterion answered before a submit) are the service's; the form puts
the service's errors next to the fields they are about.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.utils.translation import gettext_lazy as _

from startups.forms import add_service_errors

# Above this, a criterion's score is typed rather than picked among radio buttons.
MAX_RADIO_SCORE = 10


@dataclass
class CriterionRow:
    """One criterion of the sheet as the template lays it out."""

    criterion: object
    number: int
    name: str
    score: forms.BoundField
    abstain: forms.BoundField
    reason: forms.BoundField
    uses_radios: bool
    mid_score: int
    saved: object | None  # the saved Score row, for the read-only view
    focus_first_radio: bool = False


class ScoreSheetForm(forms.Form):
    """Fields `score_<criterion id>`, `abstain_<id>`, `reason_<id>`, and `comment`."""

    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What the entry does well and what it lacks. The department reads it; "
            "other jurors do not."
        ),
    )

    def __init__(self, *args, criteria, scores=None, comment="", language="vi", **kwargs):
        """`criteria`: the rubric's criteria in order; `scores`: the sheet's saved Score
        rows by criterion id, shown as the form's initial values."""
        self.criteria = list(criteria)
        self.saved = scores or {}
        self.language = language
        initial = {"comment": comment}
        for criterion in self.criteria:
            score = self.saved.get(criterion.pk)
            if score is not None:
                initial[f"score_{criterion.pk}"] = score.value
                initial[f"abstain_{criterion.pk}"] = score.abstain
                initial[f"reason_{criterion.pk}"] = score.reason
        super().__init__(*args, initial=initial, **kwargs)
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = self._score_field(criterion)
            self.fields[f"abstain_{criterion.pk}"] = forms.BooleanField(
                label=_("Abstain on this criterion"), required=False
            )
            self.fields[f"reason_{criterion.pk}"] = forms.CharField(
                label=_("Why you abstain"),
                required=False,
                max_length=500,
            )
        # The comment after the criteria, as on the page.
        self.order_fields([name for name in self.fields if name != "comment"] + ["comment"])

    def _score_field(self, criterion):
        # A whole number here; whether it is within the criterion's range is the
        # service's to say (the browser is told too, through the inputs).
        label = _("Score from 0 to %(max)d") % {"max": criterion.max_score}
        if criterion.max_score <= MAX_RADIO_SCORE:
            widget = forms.RadioSelect(
                choices=[(value, str(value)) for value in range(criterion.max_score + 1)]
            )
        else:
            widget = forms.NumberInput(
                attrs={"inputmode": "numeric", "step": 1, "min": 0, "max": criterion.max_score}
            )
        return forms.IntegerField(label=label, required=False, widget=widget)

    def scores(self) -> list[dict]:
        """The answers given, in the service's shape. A criterion left blank is left
        out (a draft may be half-filled); a ticked abstain box wins over a score."""
        answers = []
        for criterion in self.criteria:
            value = self.cleaned_data.get(f"score_{criterion.pk}")
            if self.cleaned_data.get(f"abstain_{criterion.pk}"):
                answers.append(
                    {
                        "criterion": criterion.pk,
                        "abstain": True,
                        "reason": self.cleaned_data.get(f"reason_{criterion.pk}", ""),
                    }
                )
            elif value is not None:
                answers.append({"criterion": criterion.pk, "value": value})
        return answers

    def add_sheet_errors(self, error, sent: list[dict]) -> None:
        """Put a service's ValidationError on the form: a sheet's item errors (one dict
        per score sent, in the order sent) beside their criterion's inputs, the rest
        above the form."""
        item_errors = getattr(error, "item_errors", None)
        if item_errors is None:
            add_service_errors(self, error)
            return
        fields = {"value": "score_{}", "reason": "reason_{}"}
        for item, problems in zip(sent, item_errors, strict=True):
            for key, messages in problems.items():
                name = fields.get(key, "").format(item.get("criterion"))
                self.add_error(name if name in self.fields else None, messages)

    def mark_unanswered(self) -> None:
        """After a refused submit: the criteria still to answer, each on its field."""
        answered = {item["criterion"] for item in self.scores()}
        for criterion in self.criteria:
            if criterion.pk not in answered:
                self.add_error(f"score_{criterion.pk}", _("Give a score or abstain with a reason."))

    def rows(self) -> list[CriterionRow]:
        rows = []
        focus_given = False
        for number, criterion in enumerate(self.criteria, start=1):
            score = self[f"score_{criterion.pk}"]
            abstain = self[f"abstain_{criterion.pk}"]
            reason = self[f"reason_{criterion.pk}"]
            uses_radios = criterion.max_score <= MAX_RADIO_SCORE
            # Focus on the first field with a problem, else on the first criterion not
            # answered yet (a radio group takes it on its first button).
            target = None
            if not focus_given:
                if self.is_bound:
                    target = "reason" if reason.errors else "score" if score.errors else None
                elif criterion.pk not in self.saved:
                    target = "score"
            if target == "reason" or (target == "score" and not uses_radios):
                self.fields[f"{target}_{criterion.pk}"].widget.attrs["autofocus"] = True
            focus_given = focus_given or target is not None
            rows.append(
                CriterionRow(
                    criterion=criterion,
                    number=number,
                    name=(criterion.name_en if self.language == "en" and criterion.name_en else "")
                    or criterion.name,
                    score=score,
                    abstain=abstain,
                    reason=reason,
                    uses_radios=uses_radios,
                    mid_score=(criterion.max_score + 1) // 2,
                    saved=self.saved.get(criterion.pk),
                    focus_first_radio=target == "score" and uses_radios,
                )
            )
        return rows


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you have a conflict of interest"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For instance: you advise this organisation, or a relative works for it. "
            "The department reads it; the entrant does not."
        ),
    )
