"""What each budget has spent in each of its periods, one row per (programme, owner, period)."""

from __future__ import annotations

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class BudgetSpend(db.Model):
    """Money (yuan) or points a budget's owner has given in one period; raised only by a conditional update."""

    __tablename__ = "loyalty_budget_spends"

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    #: Whose budget: "template:12", "push:5", "rule:<name>", or a per-member cap "rule:<name>:member:<membership id>".
    owner = db.Column(db.String(160), nullable=False)
    #: "campaign", or the calendar month in the programme's zone ("2026-12").
    period = db.Column(db.String(16), nullable=False)
    #: "<programme>:<owner>:<period>", so the row is created once however many callers race to create it.
    idempotency_key = db.Column(db.String(200), nullable=False, unique=True)
    spent = db.Column(db.Numeric(16, 2), nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class BudgetDay(db.Model):
    """What a budget gave on one day of the programme's zone: the burn-down's points, written with each take."""

    __tablename__ = "loyalty_budget_days"
    __table_args__ = (db.Index("ix_loyalty_budget_days_owner", "programme_id", "owner", "period"),)

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    owner = db.Column(db.String(160), nullable=False)
    period = db.Column(db.String(16), nullable=False)
    day = db.Column(db.Date, nullable=False)
    #: "<programme>:<owner>:<period>:<day>", created once like the period's row.
    idempotency_key = db.Column(db.String(220), nullable=False, unique=True)
    spent = db.Column(db.Numeric(16, 2), nullable=False, default=0)
