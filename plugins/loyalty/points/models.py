"""Points tables: the ledger, its lots and what each spending took from them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


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
