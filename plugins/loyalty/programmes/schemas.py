"""The programme document's marshmallow schema, with its bounds."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from mall.validation import MAX_INT

ONE = Decimal("1")
#: Bounds of the document's numbers: what the columns hold and what a real programme would set.
MAX_BONUS = 100_000  # points given at once: joining, a check-in, a review, a birthday, a referral
MAX_POINTS_PER_YUAN = 100  # earning rate, before a tier's multiplier
MAX_MULTIPLIER = 10
MAX_METRIC = Decimal("1000000000")  # tier thresholds, in yuan, orders or growth value
MAX_PER_AMOUNT = Decimal("100000")
MAX_RATE = 100_000  # points for every per_amount, and no more than MAX_POINTS_PER_YUAN a yuan
MAX_MIN_POINTS = 10_000_000
MAX_REFERRALS_A_MONTH = 1000
DEFAULT_REFERRALS_A_MONTH = 10
MAX_RULES = 20
MAX_RULE_ITEMS = 200  # categories or products one earning rule names
MAX_EVENTS = 30
MAX_EVENT_TIMES = 1000
MAX_BUDGET_AMOUNT = Decimal("100000000")
MAX_BUDGET_POINTS = 1_000_000_000
NON_NEGATIVE = validate.Range(min=0, error=_l("Must be zero or more."))
FRACTION = validate.Range(min=0, max=1, min_inclusive=False, error=_l("Must be above 0 and at most 1."))


class Places(validate.Validator):
    """At most so many decimal places: a rate of 1E-999999 would be exact but absurd, and slow to compute with."""

    def __init__(self, places: int):
        self.places = places

    def __call__(self, value: Decimal) -> Decimal:
        if value.as_tuple().exponent < -self.places:
            raise ValidationError([_l("Use at most %(n)d decimal places.", n=self.places)])
        return value


def _bounds(low, high) -> list:
    """Separate checks of the least and the largest value, so each message names the bound that was missed."""
    return [NON_NEGATIVE if low == 0 else validate.Range(min=low), validate.Range(max=high)]


def _dec(low=0, high=1, places=2, **kwargs):
    """A decimal field bounded to [low, high] with at most `places` decimals."""
    bounds = _bounds(Decimal(str(low)), Decimal(str(high)))
    return fields.Decimal(as_string=True, allow_nan=False, validate=[*bounds, Places(places)], **kwargs)


def _fraction(**kwargs):
    """A factor above 0 and at most 1 (a price factor, the share of an order points may pay)."""
    return fields.Decimal(as_string=True, allow_nan=False, validate=[FRACTION, Places(4)], **kwargs)


def _int(low=0, high=MAX_BONUS, **kwargs):
    """A whole-number field bounded to [low, high]."""
    return fields.Integer(validate=_bounds(low, high), **kwargs)


def _rate(**kwargs):
    """Points for every `per_amount` yuan."""
    return _dec(0, MAX_RATE, places=4, **kwargs)


def _check_per_yuan(data: dict, names) -> None:
    """Refuse a rate above MAX_POINTS_PER_YUAN points a yuan (the rate over per_amount)."""
    per_amount = data.get("per_amount")
    errors = {}
    for name in names:
        rates = data.get(name)
        for key, rate in (rates.items() if isinstance(rates, dict) else [(None, rates)]):
            if per_amount and rate is not None and rate / per_amount > MAX_POINTS_PER_YUAN:
                path = name if key is None else f"{name}.{key}"
                errors[path] = [_l("At most %(n)d points a yuan.", n=MAX_POINTS_PER_YUAN)]
    if errors:
        raise ValidationError(errors)


class Strict(Schema):
    """Unknown keys are errors, so a typo never silently does nothing."""

    class Meta:
        unknown = RAISE


class EarnSchema(Strict):
    per_amount = _dec(Decimal("0.01"), MAX_PER_AMOUNT, required=True)
    points = _rate(required=True)
    sale_points = _rate(load_default=None)
    payment_methods = fields.Dict(keys=fields.String(validate=validate.OneOf(["wallet_bonus", "wallet_cash",
                                                                             "gateway"])),
                                  values=_rate(), load_default=dict)

    @validates_schema
    def _per_yuan(self, data, **kwargs):
        _check_per_yuan(data, ("points", "sale_points", "payment_methods"))


class ExpirySchema(Strict):
    policy = fields.String(required=True, validate=validate.OneOf(["fixed", "inactivity", "year_end", "none"]))
    days = _int(1, 3650)
    years_after = _int(0, 10)

    @validates_schema
    def _needs(self, data, **kwargs):
        policy = data.get("policy")
        if policy in ("fixed", "inactivity") and "days" not in data:
            raise ValidationError(_l("Give the number of days."), "days")
        if policy == "year_end" and "years_after" not in data:
            raise ValidationError(_l("Give years_after."), "years_after")


class RedeemSchema(Strict):
    points_per_unit = _int(1, 100000, required=True)
    max_order_fraction = _fraction(required=True)
    min_points = _int(0, MAX_MIN_POINTS, load_default=0)


class BonusSchema(Strict):
    join = _int(load_default=0)
    check_in = _int(load_default=0)
    check_in_streak = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,2}$",
                                                                              error=_l("A streak length in days."))),
                                  values=_int(), load_default=dict, validate=validate.Length(max=50))
    review = _int(load_default=0)
    birthday = _int(load_default=0)
    referral = _int(load_default=0)
    referee = _int(load_default=0)


class BudgetSchema(Strict):
    """A campaign's budget: money of discount (`amount`) or `points`, per calendar month or for the whole campaign."""

    amount = _dec(Decimal("0.01"), MAX_BUDGET_AMOUNT)
    points = _int(1, MAX_BUDGET_POINTS)
    period = fields.String(required=True, validate=validate.OneOf(["month", "campaign"]))

    @validates_schema
    def _one(self, data, **kwargs):
        if ("amount" in data) == ("points" in data):
            raise ValidationError(_l("Give either an amount or points."), "_schema")


class MemberCapSchema(Strict):
    points = _int(1, MAX_BUDGET_POINTS, required=True)
    period = fields.String(required=True, validate=validate.OneOf(["day", "week", "month", "campaign"]))


class RuleSchema(Strict):
    """An earning rule: matching lines earn a multiplier or extra points (PROGRAMME.md, "points.rules")."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    name_en = fields.String(validate=validate.Length(max=60))
    categories = fields.List(_int(1, MAX_INT), validate=validate.Length(min=1, max=MAX_RULE_ITEMS))
    products = fields.List(_int(1, MAX_INT), validate=validate.Length(min=1, max=MAX_RULE_ITEMS))
    tiers = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                        validate=validate.Length(min=1, max=20))
    #: Local date-times of the programme's zone ("2026-12-05T00:00"), `until` excluded.
    from_ = fields.NaiveDateTime(data_key="from")
    until = fields.NaiveDateTime()
    weekdays = fields.List(_int(1, 7), validate=validate.Length(min=1, max=7))
    payment_methods = fields.List(fields.String(validate=validate.OneOf(["wallet_bonus", "wallet_cash", "gateway"])),
                                  validate=validate.Length(min=1, max=3))
    multiplier = _dec(Decimal("1.01"), MAX_MULTIPLIER)
    extra_points = _int(1, MAX_BONUS)
    stacking = fields.String(load_default="best", validate=validate.OneOf(["best", "add"]))
    cap_per_order = _int(1, MAX_BONUS)
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


class EventSchema(Strict):
    """Points for a member event (a completed profile, a review with a photo): how many and how often."""

    points = _int(1, MAX_BONUS, required=True)
    #: "once", "daily", "weekly", or a whole number of times in all.
    limit = fields.Raw(load_default="once")
    name = fields.String(validate=validate.Length(max=40))  # what members read; else the mall names known events
    name_en = fields.String(validate=validate.Length(max=40))

    @validates_schema
    def _limit(self, data, **kwargs):
        limit = data.get("limit")
        if isinstance(limit, bool) or not (limit in ("once", "daily", "weekly")
                                           or (isinstance(limit, int) and 1 <= limit <= MAX_EVENT_TIMES)):
            raise ValidationError(_l("Use once, daily, weekly or a number of times from 1 to %(n)d.",
                                     n=MAX_EVENT_TIMES), "limit")


class RemindersSchema(Strict):
    """When members are reminded: days before points expire, and before a tier's validity period ends."""

    expiry_days = fields.List(_int(1, 365), load_default=lambda: [30, 7], validate=validate.Length(max=5))
    tier_days = _int(1, 365, load_default=30, allow_none=True)

    @validates_schema
    def _distinct(self, data, **kwargs):
        days = data.get("expiry_days") or []
        if len(set(days)) != len(days):
            raise ValidationError(_l("Each number of days once."), "expiry_days")


class PointsSchema(Strict):
    earn = fields.Nested(EarnSchema, required=True)
    expiry = fields.Nested(ExpirySchema, load_default=lambda: {"policy": "none"})
    redeem = fields.Nested(RedeemSchema, load_default=None, allow_none=True)
    bonuses = fields.Nested(BonusSchema, load_default=lambda: BonusSchema().load({}))
    join_coupon = _int(1, MAX_INT, load_default=None, allow_none=True)
    birthday_coupon = _int(1, MAX_INT, load_default=None, allow_none=True)
    referral_monthly_cap = _int(0, MAX_REFERRALS_A_MONTH, load_default=DEFAULT_REFERRALS_A_MONTH)
    #: The coupon template the referred member receives (instead of, or with, `bonuses.referee` points).
    referee_coupon = _int(1, MAX_INT, load_default=None, allow_none=True)
    rules = fields.List(fields.Nested(RuleSchema), load_default=list, validate=validate.Length(max=MAX_RULES))
    events = fields.Dict(keys=fields.String(validate=validate.Regexp(
        r"^[a-z0-9_]{1,40}$", error=_l("Use 1–40 lowercase letters, digits or _."))),
        values=fields.Nested(EventSchema), load_default=dict, validate=validate.Length(max=MAX_EVENTS))

    @validates_schema
    def _review_is_a_bonus(self, data, **kwargs):
        if "review" in (data.get("events") or {}):
            raise ValidationError(_l("The review event pays bonuses.review; set it there."), "events.review")
    reminders = fields.Nested(RemindersSchema, load_default=lambda: RemindersSchema().load({}))

    @validates_schema
    def _rule_names(self, data, **kwargs):
        # A rule's name owns its budget and caps ("rule:<name>"): two rules of one name would share them.
        names = [rule.get("name") for rule in data.get("rules") or []]
        errors = {f"rules.{i}.name": [_l("Another rule has this name.")]
                  for i, name in enumerate(names) if name in names[:i]}
        if errors:
            raise ValidationError(errors)


class WindowSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(["lifetime", "validity", "rolling"]))
    days = _int(1, 3650)
    evaluate = fields.String(validate=validate.OneOf(["month", "quarter"]))

    @validates_schema
    def _needs(self, data, **kwargs):
        if data.get("kind") in ("validity", "rolling") and "days" not in data:
            raise ValidationError(_l("Give the number of days."), "days")
        if data.get("kind") == "rolling" and "evaluate" not in data:
            raise ValidationError(_l("Say when to re-evaluate: month or quarter."), "evaluate")


class TierCouponSchema(Strict):
    template = _int(1, MAX_INT, required=True)
    every = fields.String(required=True, validate=validate.OneOf(["month", "quarter"]))


class TierSchema(Strict):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9_-]{1,40}$", error=_l("Use 1–40 lowercase letters, digits, - or _.")))
    #: The Chinese name; `name_en` the English one (optional: each language falls back to the other).
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name_en = fields.String(validate=validate.Length(max=40))
    threshold = _dec(0, MAX_METRIC, required=True)
    keep = _dec(0, MAX_METRIC, load_default=None)
    discount = _fraction(load_default=lambda: Decimal("1.00"))
    points_multiplier = _dec(0, MAX_MULTIPLIER, load_default=lambda: Decimal("1"))
    free_shipping = fields.Boolean(load_default=False)
    rebate_rate = _dec(0, 1, places=4, load_default=lambda: Decimal("0"))
    perks = fields.List(fields.String(validate=validate.Length(max=80)), load_default=list,
                        validate=validate.Length(max=20))
    #: The perks in English, in the same order (an empty item shows the Chinese one).
    perks_en = fields.List(fields.String(validate=validate.Length(max=80)), validate=validate.Length(max=20))
    coupons = fields.List(fields.Nested(TierCouponSchema), load_default=list, validate=validate.Length(max=10))
    fee = _dec(Decimal("0.01"), 100000, load_default=None)
    duration_days = _int(1, 3660, load_default=None)

    @validates_schema
    def _perks_match(self, data, **kwargs):
        perks, english = data.get("perks") or [], data.get("perks_en") or []
        if perks and english and len(english) != len(perks):
            raise ValidationError(_l("Give one English perk for each perk, in the same order."), "perks_en")


class GrowthSchema(Strict):
    per_amount = _dec(Decimal("0.01"), MAX_PER_AMOUNT, required=True)
    points = _rate(required=True)
    check_in = _int(load_default=0)
    review = _int(load_default=0)

    @validates_schema
    def _per_yuan(self, data, **kwargs):
        _check_per_yuan(data, ("points",))


class ActivitySchema(Strict):
    active_days = _int(1, 3650, required=True)
    sleeping_days = _int(1, 3650, required=True)


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

    @validates_schema
    def _rule_tiers(self, data, **kwargs):
        codes = {t["code"] for t in (data.get("levels") or {}).get("tiers") or []}
        errors = {f"points.rules.{i}.tiers": [_l("Unknown tier: %(code)s.", code=code)]
                  for i, rule in enumerate((data.get("points") or {}).get("rules") or [])
                  for code in rule.get("tiers") or [] if code not in codes}
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
