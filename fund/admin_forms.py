"""The admin's forms for funds and calls (fund/wagtail_hooks.py).

A fund's capital and a call's budget may not drop below what is already committed to
awards. The form checks it against the row it read; then, on save, it locks the row,
reads the committed total again and checks once more, so that a decision committing
money between the two cannot slip under (the decision locks the same rows, in
`fund.services.application_decide`). The lock also keeps the form from writing back a
committed total it read before that decision: the running totals belong to the services.
The database's check constraints hold in any case.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

from challenges.forms import AmountField
from fund.models import MAX_VND, Fund, FundingCall
from fund.services import vnd


class _LockedTotalForm(WagtailAdminModelForm):
    """A form whose `limit_field` may not go below the row's `committed_vnd`."""

    limit_field: str
    too_low_message: str

    def _too_low(self, limit: int, committed: int) -> ValidationError:
        return ValidationError(
            self.too_low_message % {"committed": vnd(committed), "limit": vnd(limit)},
            code="below_committed",
        )

    def clean(self):
        cleaned = super().clean()
        limit = cleaned.get(self.limit_field)
        committed = self.instance.committed_vnd if self.instance.pk else 0
        if limit is not None and limit < committed:
            self.add_error(self.limit_field, self._too_low(limit, committed))
        return cleaned

    def save(self, commit=True):
        """Save under a lock on the row (the admin's save runs in a transaction); raises
        ValidationError if a decision committed more since the form was read."""
        if self.instance.pk:
            locked = type(self.instance).objects.select_for_update().get(pk=self.instance.pk)
            self.instance.committed_vnd = locked.committed_vnd
            self.check_locked(locked)
            limit = getattr(self.instance, self.limit_field)
            if limit < locked.committed_vnd:
                error = self._too_low(limit, locked.committed_vnd)
                raise ValidationError({self.limit_field: error})
        return super().save(commit=commit)

    def check_locked(self, locked) -> None:
        """More checks against the locked row, for subclasses."""


class FundForm(_LockedTotalForm):
    limit_field = "capital_vnd"
    too_low_message = gettext_lazy(
        "The capital cannot be less than the %(committed)s already committed to awards."
    )

    capital_vnd = AmountField(label=gettext_lazy("capital (VND)"), min_value=1, max_value=MAX_VND)

    class Meta:
        model = Fund
        fields = ["name", "managing_unit", "description", "capital_vnd"]


class FundingCallForm(_LockedTotalForm):
    limit_field = "budget_vnd"
    too_low_message = gettext_lazy(
        "The budget cannot be less than the %(committed)s already committed to awards."
    )

    budget_vnd = AmountField(label=gettext_lazy("budget (VND)"), min_value=1, max_value=MAX_VND)

    class Meta:
        model = FundingCall
        fields = [
            "fund",
            "title",
            "description",
            "challenge",
            "opens_at",
            "closes_at",
            "budget_vnd",
            "offers_grant",
            "offers_equity",
            "offers_convertible_loan",
            "is_published",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fund_id_read = self.instance.fund_id

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The call must close after it opens."))
        fund = cleaned.get("fund")
        if self.instance.committed_vnd and fund is not None and fund.pk != self._fund_id_read:
            self.add_error("fund", self._stays_in_its_fund())
        return cleaned

    def check_locked(self, locked) -> None:
        # The awards repeat their call's fund: a call with awards stays in its fund.
        if locked.committed_vnd and self.instance.fund_id != locked.fund_id:
            raise ValidationError({"fund": self._stays_in_its_fund()})

    @staticmethod
    def _stays_in_its_fund() -> ValidationError:
        return ValidationError(
            _("A call with awards cannot move to another fund."), code="has_awards"
        )
