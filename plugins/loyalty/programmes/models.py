"""Programme tables and typed access to the rules a programme document holds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import UniqueConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db
from mall.money import round_half_up
from plugins.loyalty.programmes.bounds import DEFAULT_REFERRALS_A_MONTH

PLATFORM = "platform"


@dataclass(frozen=True)
class Tier:
    """One level of a programme, with its benefits."""

    rank: int
    code: str
    #: Chinese name and perks; the `_en` fields the English ones (shown by mall.i18n.localized).
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
    name_en: str = ""
    perks_en: tuple = ()

    @property
    def is_paid(self) -> bool:
        return self.fee is not None

    def price_off(self, base: Decimal) -> Decimal:
        """What this tier's member price changes on a line's base: round(base × discount) − base (zero or less)."""
        return round_half_up(base * self.discount) - base


class Rules:
    """Typed reading of a stored (normalised) programme document."""

    def __init__(self, document: dict, version: int = 1):
        self.doc = document
        self.version = version
        points, levels = document["points"], document["levels"]
        self.name = document["name"]
        self.name_en = document.get("name_en") or ""
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
        self.referral_monthly_cap = points.get("referral_monthly_cap", DEFAULT_REFERRALS_A_MONTH)
        self.referee_coupon = points.get("referee_coupon")
        #: Earning rules, events and reminders as stored (PROGRAMME.md); their features read them.
        self.earning_rules = points.get("rules") or []
        self.events = points.get("events") or {}
        self.reminders = points.get("reminders") or {"expiry_days": [30, 7], "tier_days": 30}
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
                 fee=Decimal(t["fee"]) if t.get("fee") is not None else None, duration_days=t.get("duration_days"),
                 name_en=t.get("name_en") or "", perks_en=tuple(t.get("perks_en") or ()))
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


class Programme(db.Model):
    """A shop's or the platform's programme; `document` is the current version's JSON."""

    __tablename__ = "loyalty_programmes"

    id = db.Column(db.Integer, primary_key=True)
    #: "platform" or "shop:<tenant id>": one programme per owner.
    key = db.Column(db.String(40), nullable=False, unique=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True, unique=True)
    version = db.Column(db.Integer, nullable=False, default=1)
    document = db.Column(db.JSON, nullable=False)
    #: On the platform programme: {"amount", "period"}, the platform's share of co-funded shop coupons it may
    #: issue per period (plugins/loyalty/budgets); None = no limit.
    cofunding_budget = db.Column(db.JSON, nullable=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    tenant = db.relationship("Tenant")

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None

    @property
    def funder(self) -> str:
        """Who pays for what the programme gives away by default: "platform" or "shop"."""
        return "platform" if self.tenant_id is None else "shop"

    @property
    def slug(self) -> str:
        """How the API names the programme: the shop's slug or "platform"."""
        return PLATFORM if self.tenant_id is None else self.tenant.slug


class ProgrammeVersion(db.Model):
    """Every saved version of a programme document, with who saved it."""

    __tablename__ = "loyalty_programme_versions"
    __table_args__ = (UniqueConstraint("programme_id", "version"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    version = db.Column(db.Integer, nullable=False)
    document = db.Column(db.JSON, nullable=False)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    actor = db.relationship("User")
