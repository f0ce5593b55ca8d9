"""Loyalty tables: programmes and versions, memberships, points ledger and lots, wallet, coupons."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db

ZERO = Decimal("0.00")
PLATFORM = "platform"


class Programme(db.Model):
    """A shop's or the platform's programme; `document` is the current version's JSON."""

    __tablename__ = "loyalty_programmes"

    id = db.Column(db.Integer, primary_key=True)
    #: "platform" or "shop:<tenant id>": one programme per owner.
    key = db.Column(db.String(40), nullable=False, unique=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True, unique=True)
    version = db.Column(db.Integer, nullable=False, default=1)
    document = db.Column(db.JSON, nullable=False)
    updated_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    tenant = db.relationship("Tenant")

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None

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


class Membership(db.Model):
    """A shopper in one programme: tier, level period, cached points balances, check-in streak."""

    __tablename__ = "loyalty_memberships"
    __table_args__ = (
        UniqueConstraint("programme_id", "user_id"),
        CheckConstraint("points_available >= 0 AND points_pending >= 0", name="points_nonneg"),
        db.Index("ix_loyalty_memberships_user", "user_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    tier_code = db.Column(db.String(40), nullable=False)
    #: The current level period (validity window); NULL end = no end (lowest tier, other windows).
    period_start = db.Column(UTCDateTime, nullable=True)
    period_end = db.Column(UTCDateTime, nullable=True)
    #: Metric accumulated in the current period (spend in yuan; orders and growth as whole numbers).
    period_metric = db.Column(Money, nullable=False, default=ZERO)
    lifetime_metric = db.Column(Money, nullable=False, default=ZERO)
    #: The last rolling-window evaluation boundary applied (e.g. "2026-11").
    evaluated_for = db.Column(db.String(16), nullable=True)
    paid_tier_code = db.Column(db.String(40), nullable=True)
    paid_until = db.Column(UTCDateTime, nullable=True)
    points_available = db.Column(db.Integer, nullable=False, default=0)
    points_pending = db.Column(db.Integer, nullable=False, default=0)
    #: Inactivity expiry: the last paid order in this programme.
    last_order_at = db.Column(UTCDateTime, nullable=True)
    streak = db.Column(db.Integer, nullable=False, default=0)
    last_check_in = db.Column(db.Date, nullable=True)
    joined_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    programme = db.relationship("Programme")
    user = db.relationship("User")


class PointsEntry(db.Model):
    """One points movement in the pending or available bucket; the balances are their sums."""

    __tablename__ = "loyalty_points_entries"
    __table_args__ = (
        CheckConstraint("bucket IN ('pending', 'available')", name="bucket"),
        db.Index("ix_loyalty_points_entries_member", "membership_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False)
    bucket = db.Column(db.String(10), nullable=False)
    delta = db.Column(db.Integer, nullable=False)
    #: earn, unlock, redeem, return, expire, join, check_in, review, birthday, referral, adjust, cancel, clawback
    kind = db.Column(db.String(16), nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=True, index=True)
    lot_id = db.Column(db.Integer, db.ForeignKey("loyalty_points_lots.id"), nullable=True)
    expires_at = db.Column(UTCDateTime, nullable=True)
    #: When pending points are expected to unlock (settlement), for the member's statement.
    available_at = db.Column(UTCDateTime, nullable=True)
    programme_version = db.Column(db.Integer, nullable=False)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)
    reason = db.Column(db.String(200), nullable=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    #: Who pays for a credit: "shop" or "platform".
    funded_by = db.Column(db.String(10), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    actor = db.relationship("User")


class PointsLot(db.Model):
    """Available points earned together, spent earliest-expiring first."""

    __tablename__ = "loyalty_points_lots"
    __table_args__ = (
        CheckConstraint("remaining >= 0 AND remaining <= amount", name="remaining"),
        db.Index("ix_loyalty_points_lots_spend", "membership_id", "remaining", "expires_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False)
    amount = db.Column(db.Integer, nullable=False)
    remaining = db.Column(db.Integer, nullable=False)
    #: NULL for the "none" and "inactivity" policies (inactivity lapses all lots together).
    expires_at = db.Column(UTCDateTime, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class LotUse(db.Model):
    """Points a redemption took from a lot, so a full refund can put them back where they were."""

    __tablename__ = "loyalty_lot_uses"

    id = db.Column(db.Integer, primary_key=True)
    entry_id = db.Column(db.Integer, db.ForeignKey("loyalty_points_entries.id"), nullable=False, index=True)
    lot_id = db.Column(db.Integer, db.ForeignKey("loyalty_points_lots.id"), nullable=False)
    points = db.Column(db.Integer, nullable=False)


class OrderCredit(db.Model):
    """What one order did in one programme: points redeemed, pending / released, level credit."""

    __tablename__ = "loyalty_order_credits"
    __table_args__ = (UniqueConstraint("order_id", "membership_id"),)

    id = db.Column(db.Integer, primary_key=True)
    # Look-ups by order use the (order_id, membership_id) unique index.
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False, index=True)
    multiplier = db.Column(db.String(12), nullable=False, default="1")
    points_redeemed = db.Column(db.Integer, nullable=False, default=0)
    points_value = db.Column(Money, nullable=False, default=ZERO)
    points_returned = db.Column(db.Integer, nullable=False, default=0)
    pending = db.Column(db.Integer, nullable=False, default=0)
    released = db.Column(db.Integer, nullable=False, default=0)
    #: Level metric credited (and whether it has been, per count_at).
    metric = db.Column(Money, nullable=False, default=ZERO)
    metric_counted = db.Column(db.Boolean, nullable=False, default=False)
    metric_counted_at = db.Column(UTCDateTime, nullable=True)
    shortfall = db.Column(db.Integer, nullable=False, default=0)


class HandledEvent(db.Model):
    """An order event the loyalty plugin has acted on; a replayed signal or job finds its key and does nothing."""

    __tablename__ = "loyalty_handled_events"

    id = db.Column(db.Integer, primary_key=True)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class LevelCredit(db.Model):
    """A dated change of a member's level metric (rolling windows sum these)."""

    __tablename__ = "loyalty_level_credits"
    __table_args__ = (db.Index("ix_loyalty_level_credits_member_at", "membership_id", "at"),)

    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False)
    amount = db.Column(Money, nullable=False)
    at = db.Column(UTCDateTime, nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=True)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)


class TierChange(db.Model):
    """A member's tier history (up, down, kept at a period end, bought)."""

    __tablename__ = "loyalty_tier_changes"

    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False, index=True)
    from_code = db.Column(db.String(40), nullable=True)
    to_code = db.Column(db.String(40), nullable=False)
    reason = db.Column(db.String(20), nullable=False)
    at = db.Column(UTCDateTime, nullable=False)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)


class TierPurchase(db.Model):
    """A paid tier bought (or renewed) for its fee, from the wallet or through the gateway."""

    __tablename__ = "loyalty_tier_purchases"

    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False, index=True)
    tier_code = db.Column(db.String(40), nullable=False)
    fee = db.Column(Money, nullable=False)
    paid_with = db.Column(db.String(10), nullable=False)
    wallet_bonus = db.Column(Money, nullable=False, default=ZERO)
    wallet_cash = db.Column(Money, nullable=False, default=ZERO)
    gateway_paid = db.Column(Money, nullable=False, default=ZERO)
    gateway_reference = db.Column(db.String(40), nullable=True)
    starts_at = db.Column(UTCDateTime, nullable=False)
    ends_at = db.Column(UTCDateTime, nullable=False)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    membership = db.relationship("Membership")


class Wallet(db.Model):
    """A shopper's platform wallet: cash (top-ups, refunds) and bonus (rebates, gifts; spent first)."""

    __tablename__ = "loyalty_wallets"
    __table_args__ = (CheckConstraint("cash >= 0 AND bonus >= 0", name="nonneg"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, unique=True)
    cash = db.Column(Money, nullable=False, default=ZERO)
    bonus = db.Column(Money, nullable=False, default=ZERO)


class WalletEntry(db.Model):
    """One wallet movement on the cash or bonus balance."""

    __tablename__ = "loyalty_wallet_entries"
    __table_args__ = (
        CheckConstraint("balance IN ('cash', 'bonus')", name="balance"),
        db.Index("ix_loyalty_wallet_entries_wallet", "wallet_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    wallet_id = db.Column(db.Integer, db.ForeignKey("loyalty_wallets.id"), nullable=False)
    balance = db.Column(db.String(8), nullable=False)
    delta = db.Column(Money, nullable=False)
    #: top_up, payment, refund, rebate, adjust, paid_tier
    kind = db.Column(db.String(16), nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=True, index=True)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)
    reason = db.Column(db.String(200), nullable=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    #: Who bears the cost of a bonus credit: "shop" (shop rebates) or "platform".
    funded_by = db.Column(db.String(10), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class CouponTemplate(db.Model):
    """What a coupon is worth, where and when it applies, and how many may exist."""

    __tablename__ = "loyalty_coupon_templates"
    __table_args__ = (
        CheckConstraint("kind IN ('amount_off', 'percent_off', 'free_shipping')", name="kind"),
        CheckConstraint("stock IS NULL OR issued <= stock", name="within_stock"),
    )

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True, index=True)
    name = db.Column(db.String(80), nullable=False)
    kind = db.Column(db.String(16), nullable=False)
    #: amount_off: yuan off; percent_off: the factor paid (0.80 = 20 % off); free_shipping: 0.
    value = db.Column(db.Numeric(12, 2), nullable=False)
    min_spend = db.Column(Money, nullable=False, default=ZERO)
    max_discount = db.Column(Money, nullable=True)
    exclude_sale_items = db.Column(db.Boolean, nullable=False, default=False)
    #: Empty lists = the whole shop.
    category_ids = db.Column(db.JSON, nullable=False, default=list)
    product_ids = db.Column(db.JSON, nullable=False, default=list)
    stock = db.Column(db.Integer, nullable=True)
    issued = db.Column(db.Integer, nullable=False, default=0)
    per_member_limit = db.Column(db.Integer, nullable=False, default=1)
    valid_days = db.Column(db.Integer, nullable=True)
    valid_from = db.Column(UTCDateTime, nullable=True)
    valid_until = db.Column(UTCDateTime, nullable=True)
    claimable = db.Column(db.Boolean, nullable=False, default=False)
    points_price = db.Column(db.Integer, nullable=True)
    #: "shop", "platform" or "split" (co-funded; platform_share of the discount is the platform's).
    funded_by = db.Column(db.String(10), nullable=False, default="shop")
    platform_share = db.Column(db.Numeric(5, 4), nullable=False, default=0)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    programme = db.relationship("Programme")


class Coupon(db.Model):
    """A coupon issued to a shopper; used by at most one checkout."""

    __tablename__ = "loyalty_coupons"
    __table_args__ = (db.Index("ix_loyalty_coupons_user", "user_id", "valid_until"),
                      # How many of a template a member holds (the per-member limit), in one index probe.
                      db.Index("ix_loyalty_coupons_template_user", "template_id", "user_id"))

    id = db.Column(db.Integer, primary_key=True)
    # Indexed by (template_id, user_id) above.
    template_id = db.Column(db.Integer, db.ForeignKey("loyalty_coupon_templates.id"), nullable=False)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    #: claim, exchange, join, birthday, level, staff, push
    source = db.Column(db.String(12), nullable=False)
    #: Unique per issue: "<template>:<user>:<n>" for claims (n ≤ per-member limit), or the rule's period.
    issue_key = db.Column(db.String(120), nullable=False, unique=True)
    valid_from = db.Column(UTCDateTime, nullable=False)
    valid_until = db.Column(UTCDateTime, nullable=False)
    used_checkout_id = db.Column(db.Integer, db.ForeignKey("checkouts.id"), nullable=True)
    used_order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=True, index=True)
    used_at = db.Column(UTCDateTime, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    template = db.relationship("CouponTemplate")
    programme = db.relationship("Programme")

    def status(self, at) -> str:
        """available, used or expired at a moment."""
        if self.used_order_id is not None:
            return "used"
        return "expired" if at >= self.valid_until else "available"
