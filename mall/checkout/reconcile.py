"""Reconciliation on the tick: checkouts left pending payment, and refunds whose card part is still to send.

A checkout stays pending payment when its card was declined, or when the outcome is unknown (the process
died, or recording the payment failed after the charge). The gateway's books decide: a charged key makes
the orders paid (transaction 2 again, no second charge); a key never charged, once the payment window has
passed, cancels them, which gives back stock, points, coupons and wallet money.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from mall import jobs
from mall.checkout.operations import mark_paid
from mall.errors import DomainError
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Checkout, Order, OrderStatus, Refund
from mall.payments import gateway

#: Minutes a checkout is left to its own request before the tick asks the gateway about it.
CHECK_AFTER_MINUTES = 5
#: Default of PAYMENT_WINDOW_MINUTES: how long an unpaid checkout keeps its stock, points and coupons.
PAYMENT_WINDOW_MINUTES = 30


def on_tick(sender, at, dry_run: bool, report: dict, **kwargs) -> None:
    """Tick receiver: settle pending checkouts with the gateway's books, resend pending card refunds."""
    report.update(reconcile(at, dry_run=dry_run))


def reconcile(at, dry_run: bool = False) -> dict:
    """Finish or cancel every checkout pending payment for a few minutes; queue refunds left unsent.

    Each checkout is handled in its own transactions, and the gateway is asked between them.
    """
    checked_before = at - timedelta(minutes=CHECK_AFTER_MINUTES)
    window = timedelta(minutes=current_app.config.get("PAYMENT_WINDOW_MINUTES", PAYMENT_WINDOW_MINUTES))
    ids = db.session.execute(
        select(Order.checkout_id).where(Order.status == OrderStatus.PENDING_PAYMENT,
                                        Order.created_at <= checked_before)
        .group_by(Order.checkout_id).order_by(Order.checkout_id)
    ).scalars().all()
    refunds = db.session.execute(
        select(Refund.id).where(Refund.gateway_state == "pending", Refund.created_at <= checked_before)
        .order_by(Refund.id)
    ).scalars().all()
    if dry_run:
        return {"payments_to_check": len(ids), "card_refunds_to_send": len(refunds)}
    db.session.commit()  # what the tick did so far stands; the gateway is never asked inside a transaction
    paid = cancelled = 0
    for checkout_id in ids:
        try:
            outcome = _settle_one(checkout_id, at, window)
        except DomainError:
            # The shopper acted on it meanwhile (paid, cancelled): the next tick looks again.
            db.session.rollback()
            continue
        paid += outcome == "paid"
        cancelled += outcome == "cancelled"
    for refund_id in refunds:
        jobs.enqueue(orders.send_gateway_refund, refund_id, idempotency_key=f"refund-resend:{refund_id}")
    return {"payments_recorded": paid, "checkouts_expired": cancelled, "card_refunds_resent": len(refunds)}


def _settle_one(checkout_id: int, at, window) -> str | None:
    """One pending checkout: paid when the gateway charged its key, cancelled when its window has passed."""
    checkout = db.session.get(Checkout, checkout_id)
    key, created_at = checkout.payment_key, checkout.created_at
    db.session.commit()
    booked = gateway.lookup(key)
    pending = [o for o in db.session.get(Checkout, checkout_id).orders if o.status == OrderStatus.PENDING_PAYMENT]
    if booked.outcome == gateway.CHARGED and pending:
        mark_paid(pending[0].checkout, pending, booked.reference, at)
        db.session.commit()
        return "paid"
    if booked.outcome != gateway.CHARGED and created_at <= at - window and pending:
        for order in pending:
            orders.cancel(order, None)
        db.session.commit()
        return "cancelled"
    db.session.rollback()
    return None
