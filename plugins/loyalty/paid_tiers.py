"""Paid tiers (the platform's Plus): bought or renewed for their fee from the wallet or through the gateway."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import update

from mall import clock
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.insert_once import insert_once
from mall.money import format_money
from mall.payments import gateway
from plugins.loyalty.models import Membership, TierPurchase
from plugins.loyalty.programmes import rules
from plugins.loyalty.wallet import move, wallet_for

PAY_WITH = ("wallet", "gateway")


def _paid_tier(programme, code):
    for tier in rules(programme).paid_tiers:
        if tier.code == code:
            return tier
    names = ", ".join(t.code for t in rules(programme).paid_tiers) or _("none")
    raise FieldErrors(_("No such paid tier."), {"tier": [_("Choose one of: %(codes)s.", codes=names)]})


def buy(programme, user, code, pay_with, key: str, token: str | None = None) -> TierPurchase:
    """Buy a paid tier, or renew it from the end of the current term; the caller commits.

    The membership moves with a conditional update on its previous end date, so two
    purchases at once cannot both extend from the same term.
    """
    from plugins.loyalty.lifecycle import join_programme

    tier = _paid_tier(programme, code)
    if pay_with not in PAY_WITH:
        raise FieldErrors(_("Choose how to pay."), {"pay_with": [_("Pay with wallet or gateway.")]})
    at = clock.now()
    member, _created = join_programme(programme, user, at)
    previous = member.paid_until if member.paid_until and member.paid_until > at else None
    if previous and member.paid_tier_code != tier.code:
        raise Conflict(_("You already hold %(tier)s until %(until)s.", tier=rules(programme).tier(
            member.paid_tier_code).name, until=previous.date().isoformat()), code="other_paid_tier")
    starts = previous or at
    purchase = TierPurchase(membership_id=member.id, tier_code=tier.code, fee=tier.fee, paid_with=pay_with,
                            starts_at=starts, ends_at=starts + timedelta(days=tier.duration_days),
                            idempotency_key=f"tier:{user.id}:{key}", created_at=at)
    purchase = insert_once(purchase)
    if purchase is None:
        raise Conflict(_("This purchase was already made."), code="duplicate_purchase")
    if pay_with == "wallet":
        _pay_from_wallet(user, purchase)
    else:
        purchase.gateway_reference = gateway.charge(tier.fee, token, purchase.idempotency_key)
        purchase.gateway_paid = tier.fee
    moved = db.session.execute(
        update(Membership).where(Membership.id == member.id,
                                 Membership.paid_until.is_(None) if member.paid_until is None
                                 else Membership.paid_until == member.paid_until)
        .values(paid_tier_code=tier.code, paid_until=purchase.ends_at).execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise Conflict(_("Your membership changed meanwhile; please try again."), code="membership_changed")
    db.session.refresh(member)
    db.session.flush()
    return purchase


def _pay_from_wallet(user, purchase: TierPurchase) -> None:
    """Bonus balance first, then cash, as at checkout; a short wallet is a field error."""
    wallet = wallet_for(user)
    if wallet.cash + wallet.bonus < purchase.fee:
        message = _("Your wallet holds %(have)s; the fee is %(fee)s.", have=format_money(wallet.cash + wallet.bonus),
                    fee=format_money(purchase.fee))
        raise FieldErrors(message, {"pay_with": [message]}, code="insufficient_wallet")
    purchase.wallet_bonus = min(wallet.bonus, purchase.fee)
    purchase.wallet_cash = purchase.fee - purchase.wallet_bonus
    for balance, amount in (("bonus", purchase.wallet_bonus), ("cash", purchase.wallet_cash)):
        move(wallet, balance, -amount, "membership_fee", f"{purchase.idempotency_key}:{balance}")
