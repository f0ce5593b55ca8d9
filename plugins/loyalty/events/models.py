"""Member events as reported: who reported what for which member under which key, and what it credited."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class EventReport(db.Model):
    """One report of a member event (by staff, a shop's server or the mall itself), kept so a replay of its key
    answers what the first report did; the limit itself is held by the points ledger's unique keys."""

    __tablename__ = "loyalty_event_reports"
    __table_args__ = (
        CheckConstraint("points >= 0", name="points_nonneg"),
        db.Index("ix_loyalty_event_reports_member_event", "membership_id", "event"),
    )

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    #: The event's name in the programme document ("follow_shop"), or a built-in one ("review").
    event = db.Column(db.String(40), nullable=False)
    #: "api" for a report through the API; a built-in event's name for the mall's own reports.
    source = db.Column(db.String(20), nullable=False)
    #: The reporter's key as sent (unique within the programme and source).
    key = db.Column(db.String(80), nullable=False)
    #: Points credited (0 when the event's limit was reached).
    points = db.Column(db.Integer, nullable=False, default=0)
    #: Why nothing was credited: "limit"; NULL when points were credited.
    reason = db.Column(db.String(10), nullable=True)
    #: The slot of the limit the points took: "1".."n" (times in all, "once" is 1), a local day, an ISO week.
    slot = db.Column(db.String(16), nullable=True)
    entry_id = db.Column(db.Integer, db.ForeignKey("loyalty_points_entries.id"), nullable=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    idempotency_key = db.Column(db.String(160), nullable=False, unique=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
