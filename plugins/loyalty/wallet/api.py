"""The wallet API: balances and history, top-up, the operator's adjustment."""

from __future__ import annotations

from flask import abort, jsonify

from mall.accounts.models import User
from mall.api import json_body, write
from mall.api.openapi import documented
from mall.api.serializers import iso
from mall.extensions import db
from mall.money import format_money
from mall.pagination import page_number
from mall.tenants.access import actor, login_required, operator_required
from plugins.loyalty.wallet import operations as wallet_ledger
from plugins.loyalty.wallet import schemas as docs
from plugins.loyalty.wallet.models import WalletEntry
from plugins.loyalty.wallet.operations import parse_amount, top_up, wallet_for
from plugins.loyalty.web.api import PAGE, api_bp, request_key


def wallet_json(wallet) -> dict:
    """Balances of a wallet; None, a wallet not made yet, holds nothing."""
    cash, bonus = (wallet.cash, wallet.bonus) if wallet is not None else (wallet_ledger.ZERO, wallet_ledger.ZERO)
    return {"cash": format_money(cash), "bonus": format_money(bonus), "total": format_money(cash + bonus)}



def _wallet_reply(user):
    """The user's balances and a page of movements; a wallet not yet made reads as empty (it is made on a credit)."""
    wallet = wallet_for(user, create=False)
    if wallet is None:
        return {**wallet_json(None), "items": []}
    rows = db.session.execute(
        db.select(WalletEntry).filter_by(wallet_id=wallet.id).order_by(*wallet_ledger.HISTORY_ORDER)
        .limit(PAGE).offset((page_number() - 1) * PAGE)
    ).scalars()
    items = [{"balance": e.balance, "delta": format_money(e.delta), "kind": e.kind, "order_id": e.order_id,
              "reason": e.reason if e.kind == "adjust" else None, "created_at": iso(e.created_at)} for e in rows]
    return {**wallet_json(wallet), "items": items}


@api_bp.route("/me/wallet", methods=["GET"])
@documented(response=docs.WalletHistoryReply)
@login_required
def my_wallet():
    """Cash and bonus balances with the latest movements."""
    return jsonify(_wallet_reply(actor()))


@api_bp.route("/me/wallet/top-up", methods=["POST"])
@documented(docs.TopUpBody, docs.WalletReply)
@login_required
@write
def my_top_up():
    """Top the cash balance up through the simulated gateway."""
    data = docs.TopUpBody().load(json_body())
    wallet = top_up(actor(), data["amount"], data["payment_token"], request_key())
    return 200, {"wallet": wallet_json(wallet)}


@api_bp.route("/platform/users/<int:user_id>/wallet/adjust", methods=["POST"])
@documented(docs.WalletAdjustBody, docs.WalletReply)
@operator_required
@write
def wallet_adjust(user_id: int):
    """Credit or debit a user's wallet with a reason."""
    data = docs.WalletAdjustBody().load(json_body())
    amount = parse_amount(data["amount"], allow_negative=True)
    user = db.session.get(User, user_id) or abort(404)
    wallet = wallet_ledger.adjust(user, data["balance"], amount, data["reason"], request_key(), actor())
    return 200, {"wallet": wallet_json(wallet)}
