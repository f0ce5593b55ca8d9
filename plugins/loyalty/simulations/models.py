"""A programme simulation: a draft document replayed over past settled orders, and its result."""

from __future__ import annotations

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db

#: The statuses a simulation passes through.
STATUSES = ("queued", "running", "done", "failed")


class Simulation(db.Model):
    """One run of a draft against the programme's current version; the only row a simulation writes."""

    __tablename__ = "loyalty_simulations"
    __table_args__ = (db.Index("ix_loyalty_simulations_programme", "programme_id", "id"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    status = db.Column(db.String(10), nullable=False, default="queued")
    progress = db.Column(db.Integer, nullable=False, default=0)  # percent
    months = db.Column(db.Integer, nullable=False)
    document = db.Column(db.JSON, nullable=False)  # the draft, normalised
    version = db.Column(db.Integer, nullable=False)  # the current version it is compared with
    result = db.Column(db.JSON, nullable=True)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    finished_at = db.Column(UTCDateTime, nullable=True)

    programme = db.relationship("Programme")
