"""Referral receivers: a record at sign-up, the qualifying order and card at payment, a hold on a full refund."""

from __future__ import annotations

from mall import clock, signals
from mall.orders.models import OrderStatus
from plugins.loyalty.referrals import operations


def connect(app) -> None:
    """Subscribe the referral receivers to this app's sign-up, payment, refund and cancellation signals."""
    signals.user_registered.connect(on_user_registered, sender=app)
    signals.order_paid.connect(on_order_paid, sender=app)
    signals.order_refunded.connect(on_order_refunded, sender=app)
    signals.order_cancelled.connect(on_order_refunded, sender=app)


def on_user_registered(sender, user, **kwargs) -> None:
    """A user who signed up with a friend's code is a pending referral of the platform programme."""
    operations.note_registration(user, clock.now())


def on_order_paid(sender, order, card=None, **kwargs) -> None:
    """The card that paid, and the referred member's qualifying order."""
    operations.note_payment(order, card, order.paid_at or clock.now())


def on_order_refunded(sender, order, **kwargs) -> None:
    """A qualifying order refunded in full (or cancelled) holds its referrals until another order settles."""
    if order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
        operations.note_refund(order)
