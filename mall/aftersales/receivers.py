"""After-sales receivers: an order cancelled or wholly refunded closes the requests still open on it."""

from __future__ import annotations

from flask import Flask

from mall import signals
from mall.aftersales.operations import close_with_order


def on_order_closed(sender, order, refund=None, **kwargs) -> None:
    """Sent after a cancellation or a refund; only an order left with nothing to refund closes its requests."""
    close_with_order(order, refund)


def connect(app: Flask) -> None:
    """Subscribe to this app's order signals."""
    signals.order_cancelled.connect(on_order_closed, sender=app)
    signals.order_refunded.connect(on_order_closed, sender=app)
