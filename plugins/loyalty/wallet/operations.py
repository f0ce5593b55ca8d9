"""The platform wallet: cash and bonus balances, each movement a ledger row with its own key."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mall import clock
from mall.audit.operations import record
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.ledger import Posted, Posting, post, taken_in
from mall.money import format_money
from mall.payments import gateway
from mall.request_cache import remembered
from plugins.loyalty import keys
from plugins.loyalty.wallet.models import Wallet, WalletEntry

ZERO = Decimal("0.00")
MAX_TOP_UP = Decimal("50000.00")
_BALANCES = {"cash": Wallet.__table__.c.cash, "bonus": Wallet.__table__.c.bonus}
#: A wallet history reads newest first by when it happened; the id breaks ties within one moment.
HISTORY_ORDER = (WalletEntry.created_at.desc(), WalletEntry.id.desc())


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


def move_posting(wallet: Wallet, balance: str, delta: Decimal, kind: str, key: str, *, order_id=None, reason=None,
                 actor=None, funded_by=None) -> Posting:
    """A wallet entry and the move of one balance, to send alone or with other writes."""
    return Posting(WalletEntry.__table__, {
        "wallet_id": wallet.id, "balance": balance, "delta": delta, "kind": kind, "order_id": order_id,
        "idempotency_key": key, "reason": reason, "actor_id": getattr(actor, "id", None), "funded_by": funded_by,
        "created_at": clock.now()}, _BALANCES[balance], wallet.id, delta)


def moved(wallet: Wallet, posting: Posting, result: Posted) -> int | None:
    """Take in what sending a wallet posting did: the entry id (None for a used key); 409 when money was short."""
    return taken_in(wallet, posting, result,
                    lambda: Conflict(_("Your wallet balance is not enough."), code="insufficient_wallet"))


def move(wallet: Wallet, balance: str, delta: Decimal, kind: str, key: str, *, order_id=None, reason=None,
         actor=None, funded_by=None) -> int | None:
    """Change one balance by `delta` with its ledger row; the entry id, None if `key` was used before; 409 if short."""
    if delta == 0:
        return None
    posting = move_posting(wallet, balance, delta, kind, key, order_id=order_id, reason=reason, actor=actor,
                           funded_by=funded_by)
    return moved(wallet, posting, post(posting))


def bonus_first(bonus: Decimal, amount: Decimal) -> tuple[Decimal, Decimal]:
    """How the wallet pays an amount: (from the bonus balance, from cash), the bonus balance first."""
    from_bonus = min(max(bonus, ZERO), amount)
    return from_bonus, amount - from_bonus


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
    """Charge the gateway between transactions, then add the amount to the cash balance.

    The wallet is committed before the card is charged; the charge's key is the request's, so a replay after
    a failure between the two credits the first charge instead of charging again.
    """
    amount = parse_amount(amount)
    wallet = wallet_for(user)
    reference = gateway.charge_between_transactions(amount, token, keys.top_up_charge(key))
    move(wallet, "cash", amount, "top_up", keys.top_up(user.id, key), reason=reference)
    return wallet


def adjust(user, balance: str, amount: Decimal, reason: str, request_key: str, actor) -> Wallet:
    """An operator moves `amount` on one balance with a reason, audited; the page and the API use it.

    Taking more than the balance holds is a field error on `amount`; a refused adjustment writes nothing,
    not even a wallet (the balance is read without making one).
    """
    current = wallet_for(user, create=False)
    have = getattr(current, balance) if current is not None else Decimal("0.00")
    if amount < 0 and -amount > have:
        held = format_money(have)
        said = (_("The cash balance is ¥%(v)s.", v=held) if balance == "cash"
                else _("The bonus balance is ¥%(v)s.", v=held))
        raise FieldErrors(_("Not enough balance."), {"amount": [said]})
    wallet = wallet_for(user)
    move(wallet, balance, amount, "adjust", keys.wallet_adjustment(wallet.id, request_key), reason=reason,
         actor=actor, funded_by="platform")
    record("wallet.adjusted", user.email, actor=actor, amount=str(amount), balance=balance, reason=reason)
    return wallet
