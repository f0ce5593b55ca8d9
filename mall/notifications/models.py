"""Notification rows (what to say, to whom, on which channel, and how delivery went) and the marketing policy."""

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class Notification(db.Model):
    """One message to one user on one channel; the kind and parameters are rendered when read or sent.

    Status: inbox messages are `sent` at once; e-mail and SMS go `queued` → `sending` → `sent` or
    `failed` (retried until the attempts run out); a held-back marketing message is `queued` with a
    later `send_after`, or `dropped`.
    """

    __tablename__ = "notifications"
    __table_args__ = (db.Index("ix_notifications_user_channel", "user_id", "channel", "id"),
                      # Only rows still to deliver: the many sent inbox rows stay out of this index.
                      db.Index("ix_notifications_due", "status", "send_after",
                               postgresql_where=db.text("status IN ('queued', 'sending')"),
                               sqlite_where=db.text("status IN ('queued', 'sending')")))

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    channel = db.Column(db.String(10), nullable=False, default="inbox")
    kind = db.Column(db.String(40), nullable=False)
    params = db.Column(db.JSON, nullable=False, default=dict)
    link = db.Column(db.String(300), nullable=True)
    status = db.Column(db.String(10), nullable=False, default="sent")
    idempotency_key = db.Column(db.String(160), nullable=False, unique=True)
    marketing = db.Column(db.Boolean, nullable=False, default=False)
    #: Where it went (the address or phone number at the time it was written).
    address = db.Column(db.String(255), nullable=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    send_after = db.Column(UTCDateTime, nullable=True)
    claimed_at = db.Column(UTCDateTime, nullable=True)
    delivered_at = db.Column(UTCDateTime, nullable=True)
    error = db.Column(db.String(300), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    read_at = db.Column(UTCDateTime, nullable=True)


class MarketingContact(db.Model):
    """A marketing message that reached a member (all its channels count once); the weekly cap counts these."""

    __tablename__ = "marketing_contacts"
    __table_args__ = (db.Index("ix_marketing_contacts_user_at", "user_id", "at"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    idempotency_key = db.Column(db.String(160), nullable=False, unique=True)
    at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class MarketingPolicy(db.Model):
    """The operator's marketing pressure limits (one row): a weekly cap per member and quiet hours."""

    __tablename__ = "marketing_policy"

    id = db.Column(db.Integer, primary_key=True)
    #: Marketing messages a member may receive in any 7 days, across all shops (None = no cap).
    weekly_cap = db.Column(db.Integer, nullable=True, default=3)
    #: Quiet hours in each shop's own time zone, [start, end) in whole hours; equal = none.
    quiet_start = db.Column(db.Integer, nullable=False, default=22)
    quiet_end = db.Column(db.Integer, nullable=False, default=8)
    #: What happens to a held-back message: "defer" (sent when allowed) or "drop".
    held = db.Column(db.String(5), nullable=False, default="defer")
    updated_at = db.Column(UTCDateTime, nullable=True)
    updated_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
