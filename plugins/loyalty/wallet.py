"""The platform wallet: cash and bonus balances, each movement a ledger row with its own key."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from mall import clock
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.insert_once import insert_once
from mall.payments import gateway
from mall.request_cache import remembered
from plugins.loyalty.models import Wallet, WalletEntry

ZERO = Decimal("0.00")
MAX_TOP_UP = Decimal("50000.00")


def wallet_for(user, create: bool = True) -> Wallet | None:
    """The user's wallet, created empty on first use."""
    return remembered("wallet", user.id, lambda: _load_wallet(user, create))


def _load_wallet(user, create: bool) -> Wallet | None:
    wallet = db.session.execute(db.select(Wallet).filter_by(user_id=user.id)).scalar_one_or_none()
    if wallet is None and create:
        try:
            with db.session.begin_nested():
                wallet = Wallet(user_id=user.id, cash=ZERO, bonus=ZERO)
                db.session.add(wallet)
        except IntegrityError:
            wallet = db.session.execute(db.select(Wallet).filter_by(user_id=user.id)).scalar_one()
    return wallet


def move(wallet: Wallet, balance: str, delta: Decimal, kind: str, key: str, *, order_id=None, reason=None,
         actor=None, funded_by=None) -> WalletEntry | None:
    """Change one balance by `delta` with its ledger row; None if `key` was used before; 409 if short."""
    if delta == 0:
        return None
    entry = WalletEntry(wallet_id=wallet.id, balance=balance, delta=delta, kind=kind, order_id=order_id,
                        idempotency_key=key, reason=reason, actor_id=getattr(actor, "id", None),
                        funded_by=funded_by, created_at=clock.now())
    entry = insert_once(entry)
    if entry is None:
        return None
    column = Wallet.cash if balance == "cash" else Wallet.bonus
    balance = db.session.execute(
        update(Wallet).where(Wallet.id == wallet.id, column + delta >= 0)
        .values({column.key: column + delta}).returning(column).execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if balance is None:
        raise Conflict(_("Your wallet balance is not enough."), code="insufficient_wallet")
    set_committed_value(wallet, column.key, balance)
    return entry


def parse_amount(value, field: str = "amount", maximum: Decimal = MAX_TOP_UP, allow_negative=False) -> Decimal:
    """A money amount from a request (string or number, two decimals at most)."""
    try:
        amount = Decimal(str(value)) if isinstance(value, str | int | Decimal) and not isinstance(value, bool) else None
    except ArithmeticError:
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(Decimal("0.01")) \
            or abs(amount) > maximum or (amount <= 0 and not allow_negative) or amount == 0:
        raise FieldErrors(_("Please enter a valid amount."),
                          {field: [_("Enter an amount up to %(max)s with at most two decimals.", max=maximum)]})
    return amount.quantize(Decimal("0.01"))


def top_up(user, amount, token: str | None, key: str) -> Wallet:
    """Charge the simulated gateway and add the amount to the cash balance."""
    amount = parse_amount(amount)
    wallet = wallet_for(user)
    reference = gateway.charge(amount, token, f"top-up:{key}")
    move(wallet, "cash", amount, "top_up", f"top-up:{user.id}:{key}", reason=reference)
    return wallet
