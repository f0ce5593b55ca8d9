"""Webhook endpoints (a shop's or the platform's) and their outbox of deliveries."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db

#: The events an endpoint may subscribe to, with their labels.
EVENTS = {
    "points.credited": _l("Points credited"),
    "points.expiring": _l("Points about to expire"),
    "points.expired": _l("Points expired"),
    "tier.changed": _l("Tier changed"),
    "coupon.issued": _l("Coupon issued"),
    "coupon.used": _l("Coupon used"),
    "order.settled": _l("Order settled"),
    "push.completed": _l("Push completed"),
    "member.joined": _l("Member joined"),
    "after_sale.refunded": _l("After-sales refunded"),
}
#: The event "send test event" delivers, whatever the endpoint subscribes to.
TEST_EVENT = "webhook.test"


class DeliveryStatus:
    """pending (waits for its next attempt) → sending (claimed) → succeeded, or failed after the last attempt."""

    PENDING = "pending"
    SENDING = "sending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ALL = (PENDING, SENDING, SUCCEEDED, FAILED)


STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("Waiting to send"),
    DeliveryStatus.SENDING: _l("Sending"),
    DeliveryStatus.SUCCEEDED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Gave up"),
}


class WebhookEndpoint(db.Model):
    """A URL that receives the events it subscribes to, signed with its secret; no shop = the platform's."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (db.Index("ix_webhook_endpoints_tenant", "tenant_id", "is_active"),)

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    url = db.Column(db.String(500), nullable=False)
    events = db.Column(db.JSON, nullable=False, default=list)
    secret = db.Column(db.String(100), nullable=False)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    #: Failed attempts in a row (any delivery); a success resets it, DISABLE_AFTER disables the endpoint.
    failures = db.Column(db.Integer, nullable=False, default=0)
    disabled_at = db.Column(UTCDateTime, nullable=True)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class WebhookDelivery(db.Model):
    """One event for one endpoint: written with its cause, then sent by the queue until it succeeds or gives up."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'succeeded', 'failed')", name="status"),
        db.Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        db.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    #: The stable id the receiver sees (X-Mall-Delivery and the body's "id"), the same on every attempt.
    uid = db.Column(db.String(40), nullable=False, unique=True)
    endpoint_id = db.Column(db.Integer, db.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    event = db.Column(db.String(40), nullable=False)
    #: The exact JSON body sent on every attempt (the signature covers it byte for byte).
    body = db.Column(db.Text, nullable=False)
    #: "<endpoint id>:<the cause's key>": one delivery per cause and endpoint however often it is emitted.
    idempotency_key = db.Column(db.String(240), nullable=False, unique=True)
    status = db.Column(db.String(10), nullable=False, default=DeliveryStatus.PENDING)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    next_attempt_at = db.Column(UTCDateTime, nullable=True)
    last_attempt_at = db.Column(UTCDateTime, nullable=True)
    response_status = db.Column(db.Integer, nullable=True)
    response_body = db.Column(db.String(500), nullable=True)
    error = db.Column(db.String(300), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    delivered_at = db.Column(UTCDateTime, nullable=True)

    endpoint = db.relationship(WebhookEndpoint)
