"""Webhook receivers: the core's events (order settled, after-sales refunded), the tick's retries, the notice."""

from __future__ import annotations

from flask import Flask

from mall import signals
from mall.accounts.models import User
from mall.extensions import db
from mall.notifications.operations import notify
from mall.tenants.models import Staff, StaffRole, Tenant
from mall.webhooks import jobs
from mall.webhooks.operations import emit


def on_order_settled(sender, order, at, **kwargs) -> None:
    """order.settled to the order's shop: what the buyer kept and paid, once per order."""
    emit(order.tenant_id, "order.settled", {
        "order_id": order.id, "user_id": order.user_id, "total": order.total, "refunded": order.refunded_amount,
        "points_used": order.points_used, "coupon_discount": order.coupon_discount, "settled_at": at},
        key=f"order.settled:{order.id}")


def after_sale_refunded(after_sale, refund) -> None:
    """after_sale.refunded to the shop: the request, its order and the amount refunded."""
    emit(after_sale.tenant_id, "after_sale.refunded", {
        "after_sale_id": after_sale.id, "order_id": after_sale.order_id, "user_id": after_sale.user_id,
        "kind": after_sale.kind, "refund_id": refund.id, "amount": refund.amount},
        key=f"after_sale.refunded:{after_sale.id}")


def on_tick(sender, at, dry_run, report, **kwargs) -> None:
    """Hand the deliveries whose back-off has passed to the queue again."""
    if not dry_run:
        report["webhooks_queued"] = jobs.queue_due(at)


def owners(tenant_id: int | None) -> list[int]:
    """Who hears about an endpoint: the shop's owners, or the platform's operators."""
    if tenant_id is None:
        return list(db.session.execute(db.select(User.id).where(User.is_operator.is_(True))).scalars())
    return list(db.session.execute(db.select(Staff.user_id).where(
        Staff.tenant_id == tenant_id, Staff.role == StaffRole.OWNER)).scalars())


def tell_disabled(endpoint, failures: int, at) -> None:
    """Tell the owners that an endpoint was switched off after `failures` failed attempts in a row."""
    if endpoint.tenant_id is None:
        link = f"/platform/webhooks/{endpoint.id}"
    else:
        slug = db.session.execute(db.select(Tenant.slug).where(Tenant.id == endpoint.tenant_id)).scalar()
        link = f"/admin/{slug}/webhooks/{endpoint.id}"
    for user_id in owners(endpoint.tenant_id):
        notify(user_id, "webhooks.disabled", f"webhooks.disabled:{endpoint.id}:{at.isoformat()}", link=link,
               tenant_id=endpoint.tenant_id, url=endpoint.url[:120], failures=failures)


def connect(app: Flask) -> None:
    """Subscribe to this app's settlement and tick."""
    signals.order_settled.connect(on_order_settled, sender=app)
    signals.tick.connect(on_tick, sender=app)
