"""Earning rules on the order lifecycle: an order cancelled before it was ever paid gives its rules' points back."""

from __future__ import annotations

from mall import signals
from plugins.loyalty.rules.operations import release


def connect(app) -> None:
    """Subscribe to this app's order cancellations."""
    signals.order_cancelled.connect(on_order_cancelled, sender=app)


def on_order_cancelled(sender, order, **kwargs) -> None:
    """A checkout whose card was declined (or never paid in time) earned nothing: what its rules took from their
    caps and budgets goes back, so unpaid orders cannot drain a campaign. Paid orders keep them (docs)."""
    if order.paid_at is None:
        release(order)
