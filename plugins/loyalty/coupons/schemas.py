"""Coupon shapes: a template as the API and the admin form send it, and the API's replies."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from mall.validation import Id, Int, Moment, Money, Points, Text
from plugins.loyalty.budgets.schemas import BudgetSchema, BudgetShown, budget_field, template_budget_problem
from plugins.loyalty.web.schemas import MoneyString

KINDS = ("amount_off", "percent_off", "free_shipping")
FAR_FUTURE_DAYS = 3650


class TemplateSchema(Schema):
    """A coupon template as the API and the admin form send it."""

    class Meta:
        unknown = RAISE

    name = Text(80, 1, required=True, metadata={"description": "the name in Chinese"})
    name_en = Text(80, load_default="", metadata={"description": "the name in English (optional; each language "
                                                                 "falls back to the other)"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    value = fields.Decimal(load_default=Decimal("0"), allow_nan=False, places=2,
                           validate=validate.Range(min=0, max=100000))
    min_spend = Money(high=Decimal("1000000"), load_default=Decimal("0"))
    max_discount = Money("0.01", Decimal("100000"), load_default=None, allow_none=True)
    exclude_sale_items = fields.Boolean(load_default=False)
    category_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=200))
    product_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=200))
    stock = Int(0, 10_000_000, load_default=None, allow_none=True)
    per_member_limit = Int(1, 100, load_default=1)
    valid_days = Int(1, FAR_FUTURE_DAYS, load_default=None, allow_none=True)
    valid_from = Moment(load_default=None, allow_none=True)
    valid_until = Moment(load_default=None, allow_none=True)
    claimable = fields.Boolean(load_default=False)
    points_price = Points(1, 10_000_000, load_default=None, allow_none=True)
    funded_by = fields.String(load_default=None, validate=validate.OneOf(["shop", "platform", "split"]))
    platform_share = fields.Decimal(load_default=Decimal("0"), allow_nan=False, places=4,
                                    validate=validate.Range(min=0, max=1))
    budget = budget_field(metadata={"description": "face value (amount) or points paid that issuing may give "
                                                   "per month or for the whole campaign"})

    @validates_schema
    def _rules(self, data, **kwargs):
        errors = {}
        kind, value = data.get("kind"), data.get("value")
        problem = template_budget_problem(data.get("budget"), kind, data.get("max_discount"), data.get("points_price"))
        if problem:
            errors["budget"] = [problem]
        if kind == "amount_off" and (value is None or value <= 0):
            errors["value"] = [_l("An amount-off coupon needs an amount above 0.")]
        if kind == "percent_off" and (value is None or not 0 < value < 1):
            errors["value"] = [_l("Give the factor paid, above 0 and below 1 (0.80 means 20 percent off).")]
        has_days = data.get("valid_days") is not None
        has_dates = data.get("valid_from") is not None or data.get("valid_until") is not None
        if has_days and has_dates:
            errors["valid_days"] = [_l("Give valid_days or valid_from + valid_until, not both.")]
        elif not has_days and not (data.get("valid_from") and data.get("valid_until")):
            errors["valid_days"] = [_l("Give valid_days, or valid_from and valid_until.")]
        elif has_dates and data["valid_until"] <= data["valid_from"]:
            errors["valid_until"] = [_l("Must be after valid_from.")]
        elif has_dates and data["valid_until"] - data["valid_from"] > timedelta(days=FAR_FUTURE_DAYS):
            errors["valid_until"] = [_l("A coupon can be valid for at most %(n)d days.", n=FAR_FUTURE_DAYS)]
        if errors:
            raise ValidationError(errors)


class CouponTemplateBody(TemplateSchema):
    """A coupon template."""


class TemplatePatchSchema(Schema):
    """What may change on a template that may already have issued coupons; absent fields stay as they are."""

    class Meta:
        unknown = RAISE

    name = Text(80, 1)
    name_en = Text(80)
    stock = Int(0, 10_000_000, allow_none=True)
    per_member_limit = Int(1, 100)
    valid_days = Int(1, FAR_FUTURE_DAYS, allow_none=True)
    claimable = fields.Boolean()
    points_price = Points(1, 10_000_000, allow_none=True)
    budget = fields.Nested(BudgetSchema, allow_none=True, metadata={"description": "null removes the budget"})


class CouponTemplatePatch(TemplatePatchSchema):
    """Changes to a coupon template."""


class Coupon(Schema):
    """A shopper's coupon."""

    id = fields.Integer()
    template_id = fields.Integer()
    programme = fields.String()
    name = fields.String()
    kind = fields.String()
    value = fields.String()
    min_spend = MoneyString()
    status = fields.String(metadata={"enum": ["available", "used", "expired"]})
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()
    used_order_id = fields.Integer(allow_none=True)


class CouponReply(Schema):
    """A coupon just issued."""

    coupon = fields.Nested(Coupon)


class CouponsReply(Schema):
    """The shopper's coupons."""

    items = fields.List(fields.Nested(Coupon))


class Template(Schema):
    """A coupon template, with its budget and what the budget's current period has spent."""

    id = fields.Integer()
    name = fields.String()
    name_zh = fields.String()
    name_en = fields.String()
    kind = fields.String(metadata={"enum": list(KINDS)})
    value = fields.String()
    min_spend = MoneyString()
    max_discount = MoneyString(allow_none=True)
    exclude_sale_items = fields.Boolean()
    stock = fields.Integer(allow_none=True)
    issued = fields.Integer()
    per_member_limit = fields.Integer()
    valid_days = fields.Integer(allow_none=True)
    valid_from = fields.DateTime(allow_none=True)
    valid_until = fields.DateTime(allow_none=True)
    claimable = fields.Boolean()
    points_price = fields.Integer(allow_none=True)
    funded_by = fields.String(metadata={"enum": ["shop", "platform", "split"]})
    active = fields.Boolean()
    budget = fields.Nested(BudgetShown, allow_none=True)


class TemplateReply(Schema):
    """One template."""

    template = fields.Nested(Template)


class TemplatesReply(Schema):
    """A programme's templates, newest first."""

    items = fields.List(fields.Nested(Template))
