"""Reminder tables: each reminder sent (once per lot and threshold, period or tier change) and each member's choice."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class Reminder(db.Model):
    """One reminder decided for a member: its UNIQUE key makes it happen once however often the tick runs.

    Several rows may share one message (a member's lots lapsing on the same day): `message_key` is the
    key prefix of that message's rows in `notifications`.
    """

    __tablename__ = "loyalty_reminders"
    __table_args__ = (CheckConstraint("kind IN ('expiry', 'keep', 'reached')", name="kind"),
                      db.Index("ix_loyalty_reminders_user", "user_id", "id"))

    id = db.Column(db.Integer, primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    kind = db.Column(db.String(10), nullable=False)
    #: The lot (fixed and year-end expiry) this reminder is about, if any.
    lot_id = db.Column(db.Integer, db.ForeignKey("loyalty_points_lots.id"), nullable=True)
    #: Days before `due_at` the reminder was for (an expiry threshold or `tier_days`); None for "you reached".
    days = db.Column(db.Integer, nullable=True)
    #: When the points lapse or the level period ends.
    due_at = db.Column(UTCDateTime, nullable=True)
    idempotency_key = db.Column(db.String(160), nullable=False, unique=True)
    message_key = db.Column(db.String(160), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class ReminderPreference(db.Model):
    """Which reminders a user receives (all programmes); no row means both kinds are on."""

    __tablename__ = "loyalty_reminder_preferences"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, unique=True)
    #: "N points expire on <date>".
    expiry = db.Column(db.Boolean, nullable=False, default=True)
    #: "Keep <tier>: spend ¥X by <date>" and "You reached <tier>".
    tier = db.Column(db.Boolean, nullable=False, default=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
