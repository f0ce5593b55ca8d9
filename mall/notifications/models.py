"""A notification row: what to say (a kind with parameters), to whom, on which channel, and its delivery."""

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class Notification(db.Model):
    """One message to one user on one channel; the kind and parameters are rendered when read."""

    __tablename__ = "notifications"
    __table_args__ = (db.Index("ix_notifications_user_channel", "user_id", "channel", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    channel = db.Column(db.String(10), nullable=False, default="inbox")
    kind = db.Column(db.String(40), nullable=False)
    params = db.Column(db.JSON, nullable=False, default=dict)
    link = db.Column(db.String(300), nullable=True)
    status = db.Column(db.String(10), nullable=False, default="sent")
    idempotency_key = db.Column(db.String(160), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    read_at = db.Column(UTCDateTime, nullable=True)
