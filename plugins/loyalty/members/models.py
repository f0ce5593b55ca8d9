"""Member tables: memberships, level credits, tier changes, paid tier purchases, and the shop's tags and notes."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, UniqueConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db
from mall.money import ZERO


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


class MemberTag(db.Model):
    """A shop's own short label for members ("VIP", "wholesale"), applied to any of its members."""

    __tablename__ = "loyalty_member_tags"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    name = db.Column(db.String(20), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class MemberTagging(db.Model):
    """One tag on one member of the same shop."""

    __tablename__ = "loyalty_member_taggings"
    __table_args__ = (UniqueConstraint("membership_id", "tag_id"), db.Index("ix_loyalty_member_taggings_tag", "tag_id"))

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False)
    tag_id = db.Column(db.Integer, db.ForeignKey("loyalty_member_tags.id"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    tag = db.relationship("MemberTag")


class MemberNote(db.Model):
    """The shop's private note on a member (one per membership), with who wrote it last."""

    __tablename__ = "loyalty_member_notes"

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False, unique=True)
    body = db.Column(db.Text, nullable=False, default="")
    updated_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    author = db.relationship("User")
