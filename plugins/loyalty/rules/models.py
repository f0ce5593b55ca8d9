"""What each earning rule gave each order in a programme, so histories name it and refunds stay exact."""

from __future__ import annotations

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class RuleGrant(db.Model):
    """One rule's extra points on one order for one membership: asked (after the cap per order) and granted
    (after the member's cap and the rule's budget). Written once at payment; refunds read it, never change it."""

    __tablename__ = "loyalty_rule_grants"
    __table_args__ = (db.Index("ix_loyalty_rule_grants_order_member", "order_id", "membership_id"),)

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False, index=True)
    #: The rule's place in the programme's list at payment: several rules split an order's extra in this order.
    position = db.Column(db.Integer, nullable=False)
    name = db.Column(db.String(60), nullable=False)
    #: The rule as it stood at payment, so a refund recomputes the kept lines under the same terms.
    rule = db.Column(db.JSON, nullable=False)
    asked = db.Column(db.Integer, nullable=False, default=0)
    points = db.Column(db.Integer, nullable=False, default=0)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
