"""The budget boxes a coupon template's and a push's forms share: what is counted, how much, over which period."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from mall.forms import MoneyField

PERIOD_CHOICES = [SelectChoice("month", _l("Each calendar month")),
                  SelectChoice("campaign", _l("The whole campaign"))]


class BudgetFields:
    """Mixed into a FlaskForm: `budget_kind`, `budget` (the size) and `budget_period`; BudgetSchema judges them."""

    budget_kind = SelectField(_l("Budget"), choices=[
        SelectChoice("", _l("No budget")), SelectChoice("amount", _l("Face value of coupons issued (¥)")),
        SelectChoice("points", _l("Points members pay for the coupon"))], validators=[Optional()])
    budget = MoneyField(_l("Budget size (yuan or points)"), places=2, validators=[Optional()],
                        description=_l("Issuing stops when the coupons issued in the period reach it."))
    budget_period = SelectField(_l("Budget period"), choices=PERIOD_CHOICES, default="month")

    def budget_raw(self) -> dict | None:
        """The budget as the API takes it, or None when the merchant chose no budget."""
        if not self.budget_kind.data:
            return None
        raw = {"period": self.budget_period.data}
        size = self.budget.data
        if self.budget_kind.data == "points":
            raw["points"] = int(size) if size is not None and size == size.to_integral_value() else str(size)
        elif size is not None:
            raw["amount"] = str(size)
        if size is None:
            raw.pop("points", None)
        return raw

    def fill_budget(self, budget: dict | None) -> None:
        """Show a stored budget in the boxes (a GET of an edit page)."""
        if not budget:
            return
        self.budget_kind.data = "amount" if budget.get("amount") is not None else "points"
        self.budget.data = Decimal(str(budget["amount"] if budget.get("amount") is not None else budget["points"]))
        self.budget_period.data = budget.get("period", "month")


def flat_budget_errors(messages: dict) -> dict:
    """The schema's messages with a nested budget's ("budget": {"amount": […]}) joined under "budget", so they
    show beside the budget's size box rather than at the top of the form."""
    nested = messages.get("budget")
    if isinstance(nested, dict):
        messages = {**messages, "budget": [str(m) for value in nested.values()
                                           for m in (value if isinstance(value, list) else [value])]}
    return messages


class PushBudgetFields(BudgetFields):
    """A push's budget boxes: pushed coupons are free, so only their face value is counted."""

    budget_kind = SelectField(_l("Budget"), choices=[
        SelectChoice("", _l("No budget")), SelectChoice("amount", _l("Face value of coupons issued (¥)"))],
        validators=[Optional()])
    budget = MoneyField(_l("Budget (yuan)"), places=2, validators=[Optional()],
                        description=_l("Issuing stops when the coupons issued in the period reach it."))


class CofundingForm(FlaskForm):
    """The platform's co-funding budget: the platform's share of co-funded shop coupons it may issue."""

    budget_kind = SelectField(_l("Co-funding budget"), choices=[
        SelectChoice("", _l("No budget")), SelectChoice("amount", _l("Face value of the platform's share (¥)"))],
        validators=[Optional()])
    budget = MoneyField(_l("Budget (yuan)"), places=2, validators=[Optional()])
    budget_period = BudgetFields.budget_period
    budget_raw = BudgetFields.budget_raw
    fill_budget = BudgetFields.fill_budget
