"""Saved segments: a programme's named member filters."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class SavedSegment(db.Model):
    """A named segment filter of a programme, for the member list and pushes."""

    __tablename__ = "loyalty_saved_segments"
    __table_args__ = (UniqueConstraint("programme_id", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True)
    name = db.Column(db.String(80), nullable=False)
    filter = db.Column(db.JSON, nullable=False, default=dict)
    created_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
