"""Placing a checkout: orders per shop, stock reservation, plugin captures, gateway charge."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update

from mall import clock, signals
from mall.catalog.models import Product
from mall.checkout.quote import build_quote
from mall.errors import Conflict
from mall.extensions import db
from mall.orders.models import Checkout, Order, OrderLine, OrderStatus, Payment
from mall.payments import gateway


def reserve_stock(product_id: int, qty: int) -> None:
    """Take `qty` units with one conditional update; refuse if fewer are left."""
    result = db.session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock >= qty, Product.is_active.is_(True))
        .values(stock=Product.stock - qty)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("Sorry, an item sold out while you were checking out."), code="out_of_stock")


def release_stock(product_id: int, qty: int) -> None:
    """Put units back (refund, cancellation)."""
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(stock=Product.stock + qty)
        .execution_options(synchronize_session=False)
    )


def place_checkout(user, raw_lines, options: dict | None = None, payment_token: str | None = None) -> Checkout:
    """Quote, create one paid order per shop, reserve stock and take payment — all or nothing.

    The caller commits; any exception leaves the transaction to be rolled back whole.
    """
    # One moment for the whole checkout: created, captured and paid at the same time.
    now = clock.now()
    quote = build_quote(user, raw_lines, options)
    checkout = Checkout(user_id=user.id, total=quote.total, created_at=now)
    db.session.add(checkout)
    orders = [_create_order(checkout, user, oq) for oq in quote.orders]
    db.session.flush()
    # Lock rows in one fixed order (product id) so concurrent checkouts cannot deadlock.
    wanted: dict[int, int] = {}
    for oq in quote.orders:
        for lq in oq.lines:
            wanted[lq.product.id] = wanted.get(lq.product.id, 0) + lq.qty
    for product_id in sorted(wanted):
        reserve_stock(product_id, wanted[product_id])
    app = current_app._get_current_object()
    for order in orders:
        signals.order_placed.send(app, order=order)
    signals.checkout_placed.send(app, checkout=checkout, orders=orders, quote=quote, user=user)
    reference = gateway.charge(quote.gateway_paid, payment_token, f"checkout:{checkout.id}")
    for order, oq in zip(orders, quote.orders, strict=True):
        _record_payments(order, oq, reference)
        order.status = OrderStatus.PAID
        order.paid_at = now
    db.session.flush()
    for order in orders:
        signals.order_paid.send(app, order=order)
    return checkout


def _create_order(checkout: Checkout, user, oq) -> Order:
    order = Order(
        tenant=oq.tenant, user_id=user.id, checkout=checkout, status=OrderStatus.PENDING_PAYMENT,
        goods=oq.goods, discount=oq.discount, coupon_discount=oq.coupon_discount, shipping=oq.shipping,
        points_used=oq.points_used, points_value=oq.points_value, wallet_paid=oq.wallet_paid,
        gateway_paid=oq.gateway_paid, total=oq.total, adjustments=_adjustments(oq),
        payments=[],  # a known-empty collection: receivers of order_paid read it without a query
    )
    db.session.add(order)
    for lq in oq.lines:
        line = OrderLine(
            order=order, tenant_id=oq.tenant.id, product_id=lq.product.id, name=lq.product.name,
            unit_price=lq.unit_price, qty=lq.qty, sale=lq.sale, base=lq.base, net=lq.net, paid=lq.paid,
        )
        db.session.add(line)
        lq.line = line
    return order


def _adjustments(oq) -> list[dict]:
    rows = [
        {"kind": a.kind, "label": a.label, "amount": str(a.amount), "source": a.source, "product_id": lq.product.id}
        for lq in oq.lines
        for a in lq.adjustments
    ]
    if oq.shipping_waived_by:
        rows.append({"kind": "shipping", "label": oq.shipping_waived_by, "amount": str(oq.tenant.shipping_fee)})
    return rows + list(oq.notes)


def _record_payments(order: Order, oq, reference: str | None) -> None:
    for method, amount in oq.payment_rows():
        order.payments.append(Payment(tenant_id=order.tenant_id, method=method, amount=amount,
                                      reference=reference if method == "gateway" else None))
