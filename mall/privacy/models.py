"""One row per personal-data request: a shopper's export or erasure, kept for the record after the account is gone."""

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db

#: The kinds of request.
KINDS = ("export", "erase")


class PrivacyRequest(db.Model):
    """A shopper's request about their own data; an erasure's key is "erase:<user id>", so it happens once."""

    __tablename__ = "privacy_requests"
    __table_args__ = (
        db.CheckConstraint("kind IN ('export', 'erase')", name="kind"),
        db.Index("ix_privacy_requests_user", "user_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    kind = db.Column(db.String(10), nullable=False)
    idempotency_key = db.Column(db.String(80), nullable=False, unique=True)
    #: Where it came from: "web" or "api".
    channel = db.Column(db.String(8), nullable=False, default="web")
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
