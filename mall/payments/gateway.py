"""The simulated payment gateway: deterministic, able to decline, and idempotent by key like a real one.

It keeps its own books (`gateway_charges`), written through its own connection and committed at once,
so what it did stands whatever the mall's transaction does next. The same key never charges or refunds
twice: a repeat returns the first answer. The mall never calls it inside an open transaction of its own
session, because that transaction could still fail after the money moved.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import UniqueConstraint, insert, select

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.errors import DomainError
from mall.extensions import db

#: A payment token starting with this is declined (e.g. "decline-insufficient-funds").
DECLINE_PREFIX = "decline"
CHARGED, DECLINED, REFUNDED, UNKNOWN = "charged", "declined", "refunded", "unknown"
MAX_KEY_LENGTH = 160


class PaymentDeclined(DomainError):
    """The gateway refused the charge; nothing was taken."""

    status = 422
    code = "payment_declined"


class OpenTransaction(RuntimeError):
    """The gateway was called while the session had a transaction open (a programming error)."""


class GatewayCharge(db.Model):
    """One keyed request the gateway answered: a charge (charged or declined) or a refund."""

    __tablename__ = "gateway_charges"
    __table_args__ = (UniqueConstraint("key"),)

    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(MAX_KEY_LENGTH), nullable=False)
    #: "charge" or "refund".
    kind = db.Column(db.String(10), nullable=False)
    #: charged / declined for a charge; refunded for a refund.
    outcome = db.Column(db.String(10), nullable=False)
    amount = db.Column(Money, nullable=False)
    reference = db.Column(db.String(40), nullable=True)
    #: For a refund: the reference of the charge it returns money from.
    charge_reference = db.Column(db.String(40), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


@dataclass(frozen=True)
class Booked:
    """What the gateway's books say about a key."""

    outcome: str
    reference: str | None = None
    amount: Decimal | None = None


def charge(amount: Decimal, token: str | None, key: str) -> str | None:
    """Charge `amount` once per key; return the charge's reference, or raise PaymentDeclined.

    A repeated key returns the first answer (the same reference, or the same decline) and takes nothing.
    """
    if amount <= 0:
        return None
    token = token or "ok"
    declined = bool(current_app.config.get("GATEWAY_DECLINE_ALL")) or token.startswith(DECLINE_PREFIX)
    booked = _book(key, "charge", DECLINED if declined else CHARGED, amount, None)
    if booked.outcome == DECLINED:
        raise PaymentDeclined(
            _("The payment was declined by the bank. Nothing was charged."),
            {"payment_token": [_("Declined: try another card.")]},
        )
    return booked.reference


def fingerprint(token: str | None) -> str | None:
    """The card behind a payment token, the same for every payment with that card; None without a token.

    A real gateway answers a charge with its card's fingerprint; the simulated one treats a token as its card.
    """
    if not token:
        return None
    return hashlib.sha256(f"card:{token}".encode()).hexdigest()[:32]


def refund(reference: str | None, amount: Decimal, key: str) -> str | None:
    """Return `amount` of a charge to the card once per key; the simulated gateway accepts every refund."""
    if amount <= 0 or reference is None:
        return None
    return _book(key, "refund", REFUNDED, amount, reference).reference


def lookup(key: str) -> Booked:
    """What happened to a key: charged, declined, refunded, or unknown (the gateway never saw it)."""
    _outside_transaction()
    table = GatewayCharge.__table__
    with db.engine.begin() as conn:
        row = conn.execute(select(table).where(table.c.key == key)).first()
    if row is None:
        return Booked(UNKNOWN)
    return Booked(row.outcome, row.reference, row.amount)


def _book(key: str, kind: str, outcome: str, amount: Decimal, charge_reference: str | None) -> Booked:
    """Write the gateway's answer to a key in its own committed transaction, or read the first answer."""
    _outside_transaction()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValueError("a gateway key has 1 to 160 characters")
    table = GatewayCharge.__table__
    reference = reference_for(kind, key, amount) if outcome != DECLINED else None
    values = {"key": key, "kind": kind, "outcome": outcome, "amount": amount, "reference": reference,
              "charge_reference": charge_reference, "created_at": clock.now()}
    with db.engine.begin() as conn:
        exists = conn.execute(select(table.c.id).where(table.c.key == key)).first()
        if exists is None:
            conn.execute(_insert_once(conn, table, values))
        row = conn.execute(select(table).where(table.c.key == key)).one()
    return Booked(row.outcome, row.reference, row.amount)


def reference_for(kind: str, key: str, amount: Decimal) -> str:
    """The reference the simulated gateway answers a charge or a refund of `amount` under `key` with."""
    prefix = "SIM-" if kind == "charge" else "SIMR-"
    return prefix + hashlib.sha256(f"{key}:{amount}".encode()).hexdigest()[:16].upper()


def _insert_once(conn, table, values: dict):
    """INSERT … ON CONFLICT (key) DO NOTHING: a concurrent request with the same key loses quietly."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(values).on_conflict_do_nothing(index_elements=["key"])
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).values(values).on_conflict_do_nothing(index_elements=["key"])
    return insert(table).values(values)


def _outside_transaction() -> None:
    """Refuse to move money while the session's transaction is open: it could still roll back."""
    if db.session().in_transaction():
        raise OpenTransaction("the payment gateway is called only between transactions")



def charge_between_transactions(amount: Decimal, token: str | None, key: str) -> str | None:
    """Commit the session's work so far, then charge: for a purchase that is fulfilled after the charge.

    Loaded rows are kept as they are (not expired), so the fulfilment goes on without reloading them; the
    purchase's own key makes a replay after a failed fulfilment reuse the charge instead of taking more.
    """
    session = db.session()
    if session.in_transaction():
        session.expire_on_commit = False
        try:
            session.commit()
        finally:
            session.expire_on_commit = True
    return charge(amount, token, key)


def give_back(reference: str | None, amount: Decimal, key: str) -> None:
    """Roll the session back and refund a charge whose fulfilment was refused (keyed: sent once)."""
    db.session.rollback()
    refund(reference, amount, f"{key}:void")
