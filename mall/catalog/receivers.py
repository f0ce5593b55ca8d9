"""Units sold per product (`products.sales`), kept in step with payments and refunds for sorting by sales.

A counter on the product, moved by one UPDATE per product as an order is paid or refunded, costs the checkout
nothing and lets a search sort by sales from an index; summing order lines at every search would read every
line ever sold. `order_paid` is sent once per order (only for the move from pending_payment) and each refund
once, so the counter counts each unit once. `recount_sales` rebuilds it from the order lines (after a bulk load).
"""

from __future__ import annotations

from sqlalchemy import case, func, update

from mall import signals
from mall.catalog.models import Product
from mall.extensions import db
from mall.orders.models import Order, OrderLine


def _move(units: dict[int, int], sign: int) -> None:
    # Products in id order, as the checkout reserves stock, so two transactions never wait on each other in a ring.
    for product_id in sorted(units):
        qty = units[product_id]
        if qty <= 0:
            continue
        value = Product.sales + qty if sign > 0 else case((Product.sales > qty, Product.sales - qty), else_=0)
        db.session.execute(update(Product).where(Product.id == product_id).values(sales=value)
                           .execution_options(synchronize_session=False))


def _refunded_units(order: Order, refund) -> dict[int, int]:
    product_of = {line.id: line.product_id for line in order.lines}
    units: dict[int, int] = {}
    for row in refund.lines or []:
        product_id = product_of.get(row.get("line_id"))
        if product_id is not None:
            units[product_id] = units.get(product_id, 0) + int(row.get("qty") or 0)
    return units


def on_order_paid(sender, order, **kwargs) -> None:
    """Count the order's units as sold."""
    units: dict[int, int] = {}
    for line in order.lines:
        units[line.product_id] = units.get(line.product_id, 0) + line.qty
    _move(units, +1)


def on_order_refunded(sender, order, refund, **kwargs) -> None:
    """Take refunded units off; a cancelled order that was never paid had counted none."""
    if order.paid_at is not None:
        _move(_refunded_units(order, refund), -1)


def recount_sales(product_ids=None) -> None:
    """Set each product's sales from its paid, unrefunded order lines (all products, or the ids given)."""
    sold = (db.select(func.coalesce(func.sum(OrderLine.qty - OrderLine.refunded_qty), 0))
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.product_id == Product.id, Order.paid_at.is_not(None)).scalar_subquery())
    statement = update(Product).values(sales=sold).execution_options(synchronize_session=False)
    if product_ids is not None:
        statement = statement.where(Product.id.in_(list(product_ids)))
    db.session.execute(statement)


def connect(app) -> None:
    """Subscribe the sales counter to this app's order signals."""
    signals.order_paid.connect(on_order_paid, sender=app)
    signals.order_refunded.connect(on_order_refunded, sender=app)
    signals.order_cancelled.connect(on_order_refunded, sender=app)
