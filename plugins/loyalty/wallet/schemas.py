"""Wallet shapes in the API: balances, history, a top-up and an adjustment."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.validation import Money as Amount
from mall.validation import Text
from plugins.loyalty.wallet.operations import MAX_TOP_UP
from plugins.loyalty.web.schemas import Body, MoneyString


class TopUpBody(Body):
    """A wallet top-up through the gateway."""

    amount = Amount("0.01", MAX_TOP_UP, required=True)
    payment_token = Text(64, load_default=None, allow_none=True)


class WalletAdjustBody(Body):
    """An operator's wallet adjustment: positive credits, negative debits."""

    amount = Amount(-MAX_TOP_UP, MAX_TOP_UP, required=True)
    balance = fields.String(required=True, validate=validate.OneOf(["cash", "bonus"]))
    reason = Text(200, 2, required=True)


class Wallet(Schema):
    """Wallet balances."""

    cash = MoneyString()
    bonus = MoneyString()
    total = MoneyString()


class WalletReply(Schema):
    """A wallet after a change."""

    wallet = fields.Nested(Wallet)


class WalletHistoryReply(Wallet):
    """Balances and one page of history."""

    items = fields.List(fields.Dict())
