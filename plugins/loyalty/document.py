"""The programme document: its marshmallow schema and typed access to the rules it holds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

ONE = Decimal("1")


def _dec(places=None, **kwargs):
    return fields.Decimal(as_string=True, places=places, allow_nan=False, **kwargs)


NON_NEGATIVE = validate.Range(min=0, error=_l("Must be zero or more."))


class Strict(Schema):
    """Unknown keys are errors, so a typo never silently does nothing."""

    class Meta:
        unknown = RAISE


class EarnSchema(Strict):
    per_amount = _dec(required=True, validate=validate.Range(min=Decimal("0.01"), error=_l("Must be at least 0.01.")))
    points = _dec(required=True, validate=NON_NEGATIVE)
    sale_points = _dec(load_default=None, validate=NON_NEGATIVE)
    payment_methods = fields.Dict(keys=fields.String(validate=validate.OneOf(["wallet_bonus", "wallet_cash",
                                                                             "gateway"])),
                                  values=_dec(validate=NON_NEGATIVE), load_default=dict)


class ExpirySchema(Strict):
    policy = fields.String(required=True, validate=validate.OneOf(["fixed", "inactivity", "year_end", "none"]))
    days = fields.Integer(validate=validate.Range(min=1, max=3650))
    years_after = fields.Integer(validate=validate.Range(min=0, max=10))

    @validates_schema
    def _needs(self, data, **kwargs):
        policy = data.get("policy")
        if policy in ("fixed", "inactivity") and "days" not in data:
            raise ValidationError(_l("Give the number of days."), "days")
        if policy == "year_end" and "years_after" not in data:
            raise ValidationError(_l("Give years_after."), "years_after")


class RedeemSchema(Strict):
    points_per_unit = fields.Integer(required=True, validate=validate.Range(min=1, max=100000))
    max_order_fraction = _dec(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False,
                                                                      error=_l("Must be above 0 and at most 1.")))
    min_points = fields.Integer(load_default=0, validate=NON_NEGATIVE)


class BonusSchema(Strict):
    join = fields.Integer(load_default=0, validate=NON_NEGATIVE)
    check_in = fields.Integer(load_default=0, validate=NON_NEGATIVE)
    check_in_streak = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[1-9][0-9]{0,2}$",
                                                                              error=_l("A streak length in days."))),
                                  values=fields.Integer(validate=NON_NEGATIVE), load_default=dict)
    review = fields.Integer(load_default=0, validate=NON_NEGATIVE)
    birthday = fields.Integer(load_default=0, validate=NON_NEGATIVE)
    referral = fields.Integer(load_default=0, validate=NON_NEGATIVE)


class PointsSchema(Strict):
    earn = fields.Nested(EarnSchema, required=True)
    expiry = fields.Nested(ExpirySchema, load_default=lambda: {"policy": "none"})
    redeem = fields.Nested(RedeemSchema, load_default=None, allow_none=True)
    bonuses = fields.Nested(BonusSchema, load_default=lambda: BonusSchema().load({}))
    join_coupon = fields.Integer(load_default=None, allow_none=True)
    birthday_coupon = fields.Integer(load_default=None, allow_none=True)


class WindowSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(["lifetime", "validity", "rolling"]))
    days = fields.Integer(validate=validate.Range(min=1, max=3650))
    evaluate = fields.String(validate=validate.OneOf(["month", "quarter"]))

    @validates_schema
    def _needs(self, data, **kwargs):
        if data.get("kind") in ("validity", "rolling") and "days" not in data:
            raise ValidationError(_l("Give the number of days."), "days")
        if data.get("kind") == "rolling" and "evaluate" not in data:
            raise ValidationError(_l("Say when to re-evaluate: month or quarter."), "evaluate")


class TierCouponSchema(Strict):
    template = fields.Integer(required=True)
    every = fields.String(required=True, validate=validate.OneOf(["month", "quarter"]))


class TierSchema(Strict):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9_-]{1,40}$", error=_l("Use 1–40 lowercase letters, digits, - or _.")))
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    threshold = _dec(required=True, validate=NON_NEGATIVE)
    keep = _dec(load_default=None, validate=NON_NEGATIVE)
    discount = _dec(load_default=lambda: Decimal("1.00"),
                    validate=validate.Range(min=0, max=1, min_inclusive=False,
                                            error=_l("Must be above 0 and at most 1.")))
    points_multiplier = _dec(load_default=lambda: Decimal("1"), validate=validate.Range(min=0, max=100))
    free_shipping = fields.Boolean(load_default=False)
    rebate_rate = _dec(load_default=lambda: Decimal("0"), validate=validate.Range(min=0, max=1))
    perks = fields.List(fields.String(validate=validate.Length(max=80)), load_default=list)
    coupons = fields.List(fields.Nested(TierCouponSchema), load_default=list)
    fee = _dec(load_default=None, validate=validate.Range(min=Decimal("0.01"), max=100000))
    duration_days = fields.Integer(load_default=None, validate=validate.Range(min=1, max=3660))


class GrowthSchema(Strict):
    per_amount = _dec(required=True, validate=validate.Range(min=Decimal("0.01")))
    points = _dec(required=True, validate=NON_NEGATIVE)
    check_in = fields.Integer(load_default=0, validate=NON_NEGATIVE)
    review = fields.Integer(load_default=0, validate=NON_NEGATIVE)


class ActivitySchema(Strict):
    active_days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))
    sleeping_days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))


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
    points = fields.Nested(PointsSchema, required=True)
    levels = fields.Nested(LevelsSchema, required=True)


def validate_document(raw) -> dict:
    """Validate a programme document; returns its normalised JSON form or raises ValidationError."""
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": [_l("A programme is a JSON object.")]})
    try:
        loaded = ProgrammeSchema().load(raw)
    except ValidationError as exc:
        raise ValidationError(flatten(exc.messages)) from None
    return ProgrammeSchema().dump(loaded)


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


@dataclass(frozen=True)
class Tier:
    """One level of a programme, with its benefits."""

    rank: int
    code: str
    name: str
    threshold: Decimal
    keep: Decimal
    discount: Decimal
    points_multiplier: Decimal
    free_shipping: bool
    rebate_rate: Decimal
    perks: tuple
    coupons: tuple
    fee: Decimal | None
    duration_days: int | None

    @property
    def is_paid(self) -> bool:
        return self.fee is not None


class Rules:
    """Typed reading of a stored (normalised) programme document."""

    def __init__(self, document: dict, version: int = 1):
        self.doc = document
        self.version = version
        points, levels = document["points"], document["levels"]
        self.name = document["name"]
        earn = points["earn"]
        self.per_amount = Decimal(earn["per_amount"])
        self.rate = Fraction(Decimal(earn["points"]))
        self.sale_rate = Fraction(Decimal(earn["sale_points"] if earn.get("sale_points") is not None
                                          else earn["points"]))
        self.method_rates = {k: Fraction(Decimal(v)) for k, v in (earn.get("payment_methods") or {}).items()}
        self.expiry = points.get("expiry") or {"policy": "none"}
        self.redeem = points.get("redeem")
        self.bonuses = points.get("bonuses") or {}
        self.join_coupon = points.get("join_coupon")
        self.birthday_coupon = points.get("birthday_coupon")
        self.metric = levels.get("metric", "spend")
        self.count_at = levels.get("count_at", "settlement")
        self.window = levels.get("window") or {"kind": "lifetime"}
        self.upgrade = levels.get("upgrade", "jump")
        self.reset_on_change = bool(levels.get("reset_on_change"))
        self.discount_sale_items = bool(levels.get("discount_sale_items"))
        self.activity = levels.get("activity") or {"active_days": 30, "sleeping_days": 90}
        self.growth = levels.get("growth")
        self.tiers = [
            Tier(rank=i, code=t["code"], name=t["name"], threshold=Decimal(t["threshold"]),
                 keep=Decimal(t["keep"]) if t.get("keep") is not None else Decimal(t["threshold"]),
                 discount=Decimal(t.get("discount") or "1"),
                 points_multiplier=Decimal(t.get("points_multiplier") or "1"),
                 free_shipping=bool(t.get("free_shipping")), rebate_rate=Decimal(t.get("rebate_rate") or "0"),
                 perks=tuple(t.get("perks") or ()),
                 coupons=tuple((c["template"], c["every"]) for c in t.get("coupons") or ()),
                 fee=Decimal(t["fee"]) if t.get("fee") is not None else None, duration_days=t.get("duration_days"))
            for i, t in enumerate(levels["tiers"])
        ]
        self.earned_tiers = [t for t in self.tiers if not t.is_paid]
        self.paid_tiers = [t for t in self.tiers if t.is_paid]

    def tier(self, code: str | None) -> Tier:
        """The tier with this code; unknown codes (removed by an edit) fall back to the lowest."""
        for tier in self.tiers:
            if tier.code == code:
                return tier
        return self.earned_tiers[0]

    @property
    def lowest(self) -> Tier:
        return self.earned_tiers[0]

    def earned_index(self, code: str) -> int:
        """Position of an earned tier (0 = lowest)."""
        for i, tier in enumerate(self.earned_tiers):
            if tier.code == code:
                return i
        return 0

    def reached(self, metric: Decimal) -> Tier:
        """The highest earned tier whose threshold the metric reaches."""
        best = self.lowest
        for tier in self.earned_tiers:
            if tier.threshold <= metric:
                best = tier
        return best

    def next_tier(self, code: str) -> Tier | None:
        """The earned tier above this one, if any."""
        i = self.earned_index(code)
        return self.earned_tiers[i + 1] if i + 1 < len(self.earned_tiers) else None
