"""Budget shapes: the budget object templates and pushes take (BudgetSchema) and what makes one fit its owner."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from plugins.loyalty.programmes.bounds import MAX_BUDGET_AMOUNT, MAX_BUDGET_POINTS, Strict, decimal_field, int_field


class BudgetSchema(Strict):
    """A campaign's budget: money of discount (`amount`) or `points`, per calendar month or for the whole campaign."""

    amount = decimal_field(Decimal("0.01"), MAX_BUDGET_AMOUNT)
    points = int_field(1, MAX_BUDGET_POINTS)
    period = fields.String(required=True, validate=validate.OneOf(["month", "campaign"]))
    # What GET shows as spent is accepted back and dropped, so a budget read can be written back as it is.
    spent = fields.Raw(load_only=True)

    @post_load
    def _drop_spent(self, data, **kwargs):
        data.pop("spent", None)
        return data

    @validates_schema
    def _one(self, data, **kwargs):
        if ("amount" in data) == ("points" in data):
            raise ValidationError(_l("Give either an amount or points."), "_schema")


def budget_field(**kwargs):
    """A budget, or null for none: {"amount": "500.00" | "points": 5000, "period": "month" | "campaign"}."""
    return fields.Nested(BudgetSchema, load_default=None, allow_none=True, **kwargs)


def template_budget_problem(budget: dict | None, kind: str, max_discount, points_price) -> str | None:
    """Why a budget cannot count a template's coupons (an amount needs a face value, points a points price)."""
    if not budget:
        return None
    if budget.get("amount") is not None:
        if kind == "free_shipping":
            return _l("A free-shipping coupon has no face value: give its budget in points, with a points price.")
        if kind == "percent_off" and max_discount is None:
            return _l("An amount budget counts a percent-off coupon at its largest discount: give one.")
    elif not points_price:
        return _l("A points budget counts the points members pay for the coupon: give it a points price.")
    return None


def push_budget_problem(budget: dict | None, template) -> str | None:
    """Why a budget cannot count a push's coupons: pushed coupons are free, so only an amount of face value."""
    if not budget:
        return None
    if budget.get("amount") is None:
        return _l("Pushed coupons are free: give the push's budget as an amount.")
    if template is not None and template_budget_problem(budget, template.kind, template.max_discount, 1):
        return template_budget_problem(budget, template.kind, template.max_discount, 1)
    return None


class BudgetShown(Schema):
    """A budget with what its current period has spent."""

    amount = fields.String(metadata={"description": "yuan of face value per period (or points)"})
    points = fields.Integer()
    period = fields.String(metadata={"enum": ["month", "campaign"]})
    spent = fields.Raw(metadata={"description": "spent in the current period: yuan as a string, or points"})
