"""Referral records (one per programme and referred member) and the cards members have paid with."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db

STATUSES = ("pending", "rewarded", "held")
#: Why a referral is held. Every reason but "refunded" is final; "refunded" is looked at again when a later
#: order of the referred member settles (a kept order then qualifies). "earlier_rules": decided without a
#: reward before referrals had records (loyalty_0012_referrals), for a reason not kept then.
REASONS = ("self_referral_phone", "self_referral_address", "self_referral_payment", "monthly_cap", "refunded",
           "referrer_disabled", "earlier_rules")


class Referral(db.Model):
    """A referred member in one programme: who referred them, and whether both sides were rewarded."""

    __tablename__ = "loyalty_referrals"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'rewarded', 'held')", name="status"),
        CheckConstraint("referrer_points >= 0 AND referee_points >= 0", name="points_nonneg"),
        db.Index("ix_loyalty_referrals_referrer", "programme_id", "referrer_id"),
        db.Index("ix_loyalty_referrals_status", "programme_id", "status"),
    )

    id = db.Column(db.Integer, primary_key=True)
    #: keys.referral_record(programme, referee): one record per programme and referred member.
    idempotency_key = db.Column(db.String(80), nullable=False, unique=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    referrer_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    referee_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    status = db.Column(db.String(10), nullable=False, default="pending")
    #: One of REASONS while held.
    reason = db.Column(db.String(32), nullable=True)
    #: The qualifying order: the first one paid (while pending), then the one whose settlement decided.
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=True)
    #: What was paid to each side when rewarded (points; the coupon is `coupon_id`).
    referrer_points = db.Column(db.Integer, nullable=False, default=0)
    referee_points = db.Column(db.Integer, nullable=False, default=0)
    coupon_id = db.Column(db.Integer, db.ForeignKey("loyalty_coupons.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    #: When the referral was decided (rewarded, or held for good).
    decided_at = db.Column(UTCDateTime, nullable=True)
    rewarded_at = db.Column(UTCDateTime, nullable=True)

    programme = db.relationship("Programme")
    referrer = db.relationship("User", foreign_keys=[referrer_id])
    referee = db.relationship("User", foreign_keys=[referee_id])


class PaymentCard(db.Model):
    """A card (its gateway fingerprint) a user has paid with: two accounts paying with one card are one person."""

    __tablename__ = "loyalty_payment_cards"

    id = db.Column(db.Integer, primary_key=True)
    #: keys.payment_card(user, fingerprint).
    idempotency_key = db.Column(db.String(80), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    fingerprint = db.Column(db.String(64), nullable=False, index=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
