"""An earning rule of the programme document (`points.rules`), with its bounds."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate, validates_schema

from mall.validation import MAX_INT
from plugins.loyalty.budgets.schemas import BudgetSchema
from plugins.loyalty.programmes.bounds import (
    MAX_BONUS,
    MAX_BUDGET_POINTS,
    MAX_MULTIPLIER,
    MAX_RULE_ITEMS,
    Strict,
    decimal_field,
    int_field,
)


class MemberCapSchema(Strict):
    points = int_field(1, MAX_BUDGET_POINTS, required=True)
    period = fields.String(required=True, validate=validate.OneOf(["day", "week", "month", "campaign"]))


class RuleSchema(Strict):
    """An earning rule: matching lines earn a multiplier or extra points (PROGRAMME.md, "points.rules")."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    name_en = fields.String(validate=validate.Length(max=60))
    categories = fields.List(int_field(1, MAX_INT), validate=validate.Length(min=1, max=MAX_RULE_ITEMS))
    products = fields.List(int_field(1, MAX_INT), validate=validate.Length(min=1, max=MAX_RULE_ITEMS))
    tiers = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                        validate=validate.Length(min=1, max=20))
    #: Local date-times of the programme's zone ("2026-12-05T00:00"), `until` excluded.
    from_ = fields.NaiveDateTime(data_key="from")
    until = fields.NaiveDateTime()
    weekdays = fields.List(int_field(1, 7), validate=validate.Length(min=1, max=7))
    payment_methods = fields.List(fields.String(validate=validate.OneOf(["wallet_bonus", "wallet_cash", "gateway"])),
                                  validate=validate.Length(min=1, max=3))
    multiplier = decimal_field(Decimal("1.01"), MAX_MULTIPLIER)
    extra_points = int_field(1, MAX_BONUS)
    stacking = fields.String(load_default="best", validate=validate.OneOf(["best", "add"]))
    cap_per_order = int_field(1, MAX_BONUS)
    cap_per_member = fields.Nested(MemberCapSchema)
    budget = fields.Nested(BudgetSchema)

    @validates_schema
    def _gives(self, data, **kwargs):
        errors = {}
        if ("multiplier" in data) == ("extra_points" in data):
            errors["multiplier"] = [_l("Give either a multiplier or extra points.")]
        if data.get("from_") and data.get("until") and data["until"] <= data["from_"]:
            errors["until"] = [_l("Must be after the start.")]
        if data.get("budget") and "points" not in data["budget"]:
            errors["budget"] = [_l("An earning rule's budget is in points.")]
        if errors:
            raise ValidationError(errors)
