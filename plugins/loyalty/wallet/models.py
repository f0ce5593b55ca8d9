"""Wallet tables: the wallet's balances and its ledger."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db
from mall.money import ZERO


class Wallet(db.Model):
    """A shopper's platform wallet: cash (top-ups, refunds) and bonus (rebates, gifts; spent first)."""

    __tablename__ = "loyalty_wallets"
    __table_args__ = (CheckConstraint("cash >= 0 AND bonus >= 0", name="nonneg"),)

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, unique=True)
    cash = db.Column(Money, nullable=False, default=ZERO)
    bonus = db.Column(Money, nullable=False, default=ZERO)


class WalletEntry(db.Model):
    """One wallet movement on the cash or bonus balance."""

    __tablename__ = "loyalty_wallet_entries"
    __table_args__ = (
        CheckConstraint("balance IN ('cash', 'bonus')", name="balance"),
        db.Index("ix_loyalty_wallet_entries_wallet", "wallet_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    wallet_id = db.Column(db.Integer, db.ForeignKey("loyalty_wallets.id"), nullable=False)
    balance = db.Column(db.String(8), nullable=False)
    delta = db.Column(Money, nullable=False)
    #: top_up, payment, refund, rebate, adjust, paid_tier
    kind = db.Column(db.String(16), nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=True, index=True)
    idempotency_key = db.Column(db.String(120), nullable=False, unique=True)
    reason = db.Column(db.String(200), nullable=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    #: Who bears the cost of a bonus credit: "shop" (shop rebates) or "platform".
    funded_by = db.Column(db.String(10), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
