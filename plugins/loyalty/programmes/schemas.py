"""The programme document's marshmallow schema, with its bounds."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from mall.validation import MAX_INT
from plugins.loyalty.events.schemas import EventSchema
from plugins.loyalty.programmes.bounds import (
    DEFAULT_REFERRALS_A_MONTH,
    MAX_EVENTS,
    MAX_METRIC,
    MAX_MIN_POINTS,
    MAX_MULTIPLIER,
    MAX_PER_AMOUNT,
    MAX_REFERRALS_A_MONTH,
    MAX_RULES,
    Strict,
    check_per_yuan,
    decimal_field,
    fraction_field,
    int_field,
    rate_field,
)
from plugins.loyalty.reminders.schemas import RemindersSchema
from plugins.loyalty.rules.schemas import RuleSchema


class EarnSchema(Strict):
    per_amount = decimal_field(Decimal("0.01"), MAX_PER_AMOUNT, required=True)
    points = rate_field(required=True)
    sale_points = rate_field(load_default=None)
    payment_methods = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["wallet_bonus", "wallet_cash", "gateway"])),
        values=rate_field(),
        load_default=dict,
    )

    @validates_schema
    def _per_yuan(self, data, **kwargs):
        check_per_yuan(data, ("points", "sale_points", "payment_methods"))


class ExpirySchema(Strict):
    policy = fields.String(required=True, validate=validate.OneOf(["fixed", "inactivity", "year_end", "none"]))
    days = int_field(1, 3650)
    years_after = int_field(0, 10)

    @validates_schema
    def _needs(self, data, **kwargs):
        policy = data.get("policy")
        if policy in ("fixed", "inactivity") and "days" not in data:
            raise ValidationError(_l("Give the number of days."), "days")
        if policy == "year_end" and "years_after" not in data:
            raise ValidationError(_l("Give years_after."), "years_after")


class RedeemSchema(Strict):
    points_per_unit = int_field(1, 100000, required=True)
    max_order_fraction = fraction_field(required=True)
    min_points = int_field(0, MAX_MIN_POINTS, load_default=0)


class BonusSchema(Strict):
    join = int_field(load_default=0)
    check_in = int_field(load_default=0)
    check_in_streak = fields.Dict(
        keys=fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,2}$", error=_l("A streak length in days."))),
        values=int_field(),
        load_default=dict,
        validate=validate.Length(max=50),
    )
    review = int_field(load_default=0)
    birthday = int_field(load_default=0)
    referral = int_field(load_default=0)
    referee = int_field(load_default=0)


class PointsSchema(Strict):
    earn = fields.Nested(EarnSchema, required=True)
    expiry = fields.Nested(ExpirySchema, load_default=lambda: {"policy": "none"})
    redeem = fields.Nested(RedeemSchema, load_default=None, allow_none=True)
    bonuses = fields.Nested(BonusSchema, load_default=lambda: BonusSchema().load({}))
    join_coupon = int_field(1, MAX_INT, load_default=None, allow_none=True)
    birthday_coupon = int_field(1, MAX_INT, load_default=None, allow_none=True)
    referral_monthly_cap = int_field(0, MAX_REFERRALS_A_MONTH, load_default=DEFAULT_REFERRALS_A_MONTH)
    #: The coupon template the referred member receives (instead of, or with, `bonuses.referee` points).
    referee_coupon = int_field(1, MAX_INT, load_default=None, allow_none=True)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list, validate=validate.Length(max=MAX_RULES))
    events = fields.Dict(
        keys=fields.String(
            validate=validate.Regexp(r"^[a-z0-9_]{1,40}$", error=_l("Use 1–40 lowercase letters, digits or _."))
        ),
        values=fields.Nested(EventSchema),
        load_default=dict,
        validate=validate.Length(max=MAX_EVENTS),
    )

    @validates_schema
    def _review_is_a_bonus(self, data, **kwargs):
        if "review" in (data.get("events") or {}):
            raise ValidationError(_l("The review event pays bonuses.review; set it there."), "events.review")

    reminders = fields.Nested(RemindersSchema, load_default=lambda: RemindersSchema().load({}))

    @validates_schema
    def _rule_names(self, data, **kwargs):
        # A rule's name owns its budget and caps ("rule:<name>"): two rules of one name would share them.
        names = [rule.get("name") for rule in data.get("rules") or []]
        errors = {
            f"rules.{i}.name": [_l("Another rule has this name.")] for i, name in enumerate(names) if name in names[:i]
        }
        if errors:
            raise ValidationError(errors)


class WindowSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(["lifetime", "validity", "rolling"]))
    days = int_field(1, 3650)
    evaluate = fields.String(validate=validate.OneOf(["month", "quarter"]))

    @validates_schema
    def _needs(self, data, **kwargs):
        if data.get("kind") in ("validity", "rolling") and "days" not in data:
            raise ValidationError(_l("Give the number of days."), "days")
        if data.get("kind") == "rolling" and "evaluate" not in data:
            raise ValidationError(_l("Say when to re-evaluate: month or quarter."), "evaluate")


class TierCouponSchema(Strict):
    template = int_field(1, MAX_INT, required=True)
    every = fields.String(required=True, validate=validate.OneOf(["month", "quarter"]))


class TierSchema(Strict):
    code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z0-9_-]{1,40}$", error=_l("Use 1–40 lowercase letters, digits, - or _.")),
    )
    #: The Chinese name; `name_en` the English one (optional: each language falls back to the other).
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name_en = fields.String(validate=validate.Length(max=40))
    threshold = decimal_field(0, MAX_METRIC, required=True)
    keep = decimal_field(0, MAX_METRIC, load_default=None)
    discount = fraction_field(load_default=lambda: Decimal("1.00"))
    points_multiplier = decimal_field(0, MAX_MULTIPLIER, load_default=lambda: Decimal("1"))
    free_shipping = fields.Boolean(load_default=False)
    rebate_rate = decimal_field(0, 1, places=4, load_default=lambda: Decimal("0"))
    perks = fields.List(
        fields.String(validate=validate.Length(max=80)), load_default=list, validate=validate.Length(max=20)
    )
    #: The perks in English, in the same order (an empty item shows the Chinese one).
    perks_en = fields.List(fields.String(validate=validate.Length(max=80)), validate=validate.Length(max=20))
    coupons = fields.List(fields.Nested(TierCouponSchema), load_default=list, validate=validate.Length(max=10))
    fee = decimal_field(Decimal("0.01"), 100000, load_default=None)
    duration_days = int_field(1, 3660, load_default=None)

    @validates_schema
    def _perks_match(self, data, **kwargs):
        perks, english = data.get("perks") or [], data.get("perks_en") or []
        if perks and english and len(english) != len(perks):
            raise ValidationError(_l("Give one English perk for each perk, in the same order."), "perks_en")


class GrowthSchema(Strict):
    per_amount = decimal_field(Decimal("0.01"), MAX_PER_AMOUNT, required=True)
    points = rate_field(required=True)
    check_in = int_field(load_default=0)
    review = int_field(load_default=0)

    @validates_schema
    def _per_yuan(self, data, **kwargs):
        check_per_yuan(data, ("points",))


class ActivitySchema(Strict):
    active_days = int_field(1, 3650, required=True)
    sleeping_days = int_field(1, 3650, required=True)


class LevelsSchema(Strict):
    metric = fields.String(load_default="spend", validate=validate.OneOf(["spend", "orders", "growth"]))
    count_at = fields.String(load_default="settlement", validate=validate.OneOf(["settlement", "payment"]))
    window = fields.Nested(WindowSchema, load_default=lambda: {"kind": "lifetime"})
    upgrade = fields.String(load_default="jump", validate=validate.OneOf(["step", "jump"]))
    reset_on_change = fields.Boolean(load_default=False)
    discount_sale_items = fields.Boolean(load_default=False)
    activity = fields.Nested(ActivitySchema, load_default=lambda: {"active_days": 30, "sleeping_days": 90})
    growth = fields.Nested(GrowthSchema, load_default=None, allow_none=True)
    tiers = fields.List(fields.Nested(TierSchema), required=True, validate=validate.Length(min=1, max=20))

    @validates_schema
    def _tiers(self, data, **kwargs):
        tiers = data.get("tiers") or []
        earned = [t for t in tiers if t.get("fee") is None]
        errors = {}
        if not earned or earned[0]["threshold"] != 0:
            errors["tiers"] = [_l("The first tier must have threshold 0.")]
        for i, (low, high) in enumerate(zip(earned, earned[1:], strict=False), start=1):
            if high["threshold"] <= low["threshold"]:
                errors[f"tiers.{i}.threshold"] = [_l("Thresholds must increase from tier to tier.")]
        codes = [t["code"] for t in tiers]
        if len(set(codes)) != len(codes):
            errors["tiers"] = [_l("Tier codes must be unique.")]
        for i, tier in enumerate(tiers):
            if (tier.get("fee") is None) != (tier.get("duration_days") is None):
                errors[f"tiers.{i}.fee"] = [_l("A paid tier needs both fee and duration_days.")]
        if data.get("metric") == "growth" and not data.get("growth"):
            errors["growth"] = [_l("The growth metric needs growth rules.")]
        a = data.get("activity") or {}
        if a and a["sleeping_days"] <= a["active_days"]:
            errors["activity.sleeping_days"] = [_l("Must be more than active_days.")]
        if errors:
            raise ValidationError(errors)


class ProgrammeSchema(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    name_en = fields.String(validate=validate.Length(max=80))
    points = fields.Nested(PointsSchema, required=True)
    levels = fields.Nested(LevelsSchema, required=True)
    # The version GET shows is accepted back and dropped (dump leaves load-only fields out): PUT makes the next one.
    version = fields.Integer(load_only=True)

    @validates_schema
    def _rule_tiers(self, data, **kwargs):
        codes = {t["code"] for t in (data.get("levels") or {}).get("tiers") or []}
        errors = {
            f"points.rules.{i}.tiers": [_l("Unknown tier: %(code)s.", code=code)]
            for i, rule in enumerate((data.get("points") or {}).get("rules") or [])
            for code in rule.get("tiers") or []
            if code not in codes
        }
        if errors:
            raise ValidationError(errors)


def validate_document(raw) -> dict:
    """Validate a programme document; returns its normalised JSON form or raises ValidationError."""
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": [_l("A programme is a JSON object.")]})
    try:
        loaded = ProgrammeSchema().load(raw)
    except ValidationError as exc:
        raise ValidationError(_event_paths(flatten(exc.messages))) from None
    return ProgrammeSchema().dump(loaded)


def _event_paths(messages: dict) -> dict:
    """An event's messages at "points.events.x.limit" (its name's at "points.events.x"), not under key / value."""
    out: dict = {}
    for path, texts in messages.items():
        out.setdefault(re.sub(r"^(points\.events\.[^.]+)\.(?:key|value)\b", r"\1", path), []).extend(texts)
    return out


def flatten(messages, prefix: str = "") -> dict:
    """Nested marshmallow messages as dotted field paths: {"levels.tiers.2.threshold": [...]}."""
    if not isinstance(messages, dict):
        return {prefix or "_schema": messages if isinstance(messages, list) else [str(messages)]}
    out: dict = {}
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix and key != "_schema" else (prefix or str(key))
        if key == "_schema" and prefix:
            path = prefix
        if isinstance(value, dict):
            out.update(flatten(value, path))
        else:
            out.setdefault(path, []).extend(value if isinstance(value, list) else [str(value)])
    return out


class ProgrammeBody(ProgrammeSchema):
    """A programme document as PROGRAMME.md describes it."""


class ProgrammeReply(Schema):
    """The current programme document with its version."""

    programme = fields.Dict()
