"""An order's loyalty figures per programme, and the order events already handled."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db
from mall.money import ZERO


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
