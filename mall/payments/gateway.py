"""The simulated payment gateway: always available, deterministic, and able to decline."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from mall.errors import DomainError

#: A payment token starting with this is declined (e.g. "decline-insufficient-funds").
DECLINE_PREFIX = "decline"


class PaymentDeclined(DomainError):
    """The gateway refused the charge; nothing was taken and nothing was written."""

    status = 422
    code = "payment_declined"


def charge(amount: Decimal, token: str | None, reference_seed: str) -> str | None:
    """Charge `amount`; return a deterministic reference, or raise PaymentDeclined."""
    if amount <= 0:
        return None
    token = token or "ok"
    if current_app.config.get("GATEWAY_DECLINE_ALL") or token.startswith(DECLINE_PREFIX):
        raise PaymentDeclined(
            _("The payment was declined by the bank. Nothing was charged."),
            {"payment_token": [_("Declined: try another card.")]},
        )
    return "SIM-" + hashlib.sha256(f"{reference_seed}:{amount}".encode()).hexdigest()[:16].upper()


def refund(reference: str | None, amount: Decimal) -> None:
    """Return money to the card; the simulated gateway always accepts refunds."""
    return None
