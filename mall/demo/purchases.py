"""An order's life in the demo: placed and priced, paid, shipped, received, reviewed, refunded, settled.

Each step makes the rows the real operation makes (mall.checkout.operations, mall.orders.operations), with
the same rules where they are pure functions: the quote's figures and adjustments, shipping, refund
amounts per line and their spread over the payment methods, the gateway's references.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale

from mall.checkout.operations import _adjustments
from mall.checkout.quote import LineQuote, OrderQuote, Quote, _shipping
from mall.demo import data
from mall.demo.rows import LineRow, RefundRow
from mall.demo.volume import SETTLE
from mall.money import ZERO
from mall.orders.models import Checkout, OrderStatus
from mall.orders.operations import _spread_over_payments, line_refund_amount
from mall.payments.gateway import CHARGED, REFUNDED, reference_for

#: How often a member buys from their first, second and third favourite shop.
FAVOURITE_WEIGHTS = (60, 28, 12)
SETTLEABLE = (OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED)


def place(at, story, user) -> None:
    """A checkout of one shop's goods, priced by the plugins, its stock taken; paid a moment later."""
    rng = story.rng
    shop = rng.choices(user.shops, weights=FAVOURITE_WEIGHTS[:len(user.shops)])[0]
    picks = _basket(story, shop, at)
    if not picks:
        return
    story.call("before_order", user, shop.tenant, at)
    oq = OrderQuote(tenant=shop.tenant, lines=[LineQuote(product=variant.product, qty=qty, variant=variant)
                                               for variant, qty in picks])
    quote = Quote(user=user, orders=[oq], options={})
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):  # labels in the shopper's words
        story.call("price_goods", quote, at)
        oq.shipping = _shipping(oq)
        story.call("price_payment", quote, at)
    order = _order_rows(story, user, shop, quote, at)
    story.call("placed", order, quote, at)
    if order.gateway_paid > 0 and rng.random() < 0.02:
        # Never paid: the tick's reconciliation cancels it once the payment window has passed.
        story.schedule(at + timedelta(minutes=rng.randint(31, 45)), cancel, story, order, None)
        return
    story.schedule(at + timedelta(seconds=rng.randint(3, 50)) if order.gateway_paid > 0 else at, pay, story, order)


def _basket(story, shop, at) -> list:
    """One to three products the shop can sell now, each as one of its variants in stock, mostly one of each:
    [(variant, qty)]."""
    rng = story.rng
    open_now = [p for p in shop.products.values() if p.is_active and p.window_state(at) == "open"]
    picks = {}
    for _ in range(rng.choices((1, 2, 3), weights=(58, 30, 12))[0]):
        product = rng.choices(open_now, weights=[shop.weights[p.id] for p in open_now])[0]
        variant = rng.choice(story.variants[product.id])
        qty = rng.choices((1, 2, 3, 4), weights=(72, 20, 5, 3) if shop.spec.slug != "fresh" else (50, 30, 12, 8))[0]
        if product.id not in picks and story.stock[variant.id] >= qty:
            picks[product.id] = (variant, qty)
    return list(picks.values())


def _order_rows(story, user, shop, quote, at):
    """The checkout, its order, lines and plugin payments (pending payment), as place_unpaid writes them."""
    rows, oq = story.rows, quote.orders[0]
    checkout = rows.add("checkouts", user_id=user.id, total=quote.total, created_at=at, payment_attempt=1)
    order = rows.add("orders", tenant_id=shop.tenant.id, user_id=user.id, checkout_id=checkout.id,
                     status=OrderStatus.PENDING_PAYMENT, goods=oq.goods, discount=oq.discount,
                     coupon_discount=oq.coupon_discount, shipping=oq.shipping, points_used=oq.points_used,
                     points_value=oq.points_value, wallet_paid=oq.wallet_paid, gateway_paid=oq.gateway_paid,
                     total=oq.total, refunded_amount=ZERO, adjustments=_adjustments(oq), created_at=at,
                     paid_at=None, shipped_at=None, completed_at=None, settled_at=None, cancelled_at=None)
    order.update(lines=[], payments=[], refunds=[], user=user, shop=shop, checkout=checkout)
    order_address(order, user)
    for lq in oq.lines:
        line = rows.add("order_lines", row_type=LineRow, order_id=order.id, tenant_id=shop.tenant.id,
                        product_id=lq.product.id, name=lq.product.name, name_en=lq.product.name_en,
                        unit_price=lq.unit_price, qty=lq.qty, sale=lq.sale, base=lq.base, net=lq.net, paid=lq.paid,
                        refunded_qty=0, refunded_amount=ZERO)
        line_variant(story, line, lq)
        order.lines.append(line)
        lq.line = line
    for method, amount in oq.payment_rows():
        if method != "gateway":
            order.payments.append(rows.add("payments", order_id=order.id, tenant_id=order.tenant_id, method=method,
                                           amount=amount, refunded=ZERO, created_at=at))
    return order


def order_address(order, user) -> None:
    """The order's snapshot of the member's default address (written once orders have an `address` column)."""
    order.address = dict(user.address)


def line_variant(story, line, lq) -> None:
    """The variant the line is (the one its quote line priced), its label then, and its stock taken."""
    line.variant_id, line.variant_label = lq.variant.id, lq.label
    story.stock[lq.variant.id] -= lq.qty


def book(story, key: str, kind: str, amount, at, charge_reference=None) -> str:
    """The simulated gateway's own record of a charge or a refund; the reference it answers with."""
    reference = reference_for(kind, key, amount)
    story.rows.add("gateway_charges", key=key, kind=kind, outcome=CHARGED if kind == "charge" else REFUNDED,
                   amount=amount, reference=reference, charge_reference=charge_reference, created_at=at)
    return reference


def pay(at, story, order) -> None:
    """The card is charged (or nothing was left for it): the order is paid; what happens next is decided now."""
    rng = story.rng
    order.status, order.paid_at = OrderStatus.PAID, at
    if order.gateway_paid > 0:
        reference = book(story, Checkout.payment_key.fget(order.checkout), "charge", order.gateway_paid, at)
        order.payments.append(story.rows.add("payments", order_id=order.id, tenant_id=order.tenant_id,
                                             method="gateway", amount=order.gateway_paid, refunded=ZERO,
                                             reference=reference, created_at=at))
    if rng.random() < 0.015:
        story.schedule(at + timedelta(minutes=rng.randint(10, 360)), cancel, story, order, order.user_id)
        return
    # Shops ship within two days, mostly the next working hours.
    story.schedule(at + timedelta(hours=rng.uniform(3, 44)), ship, story, order)


def ship(at, story, order) -> None:
    """Shipped with a carrier and tracking number; received, refunded and settled later (or not yet)."""
    rng = story.rng
    if order.shipped_at is not None or order.status not in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED):
        return
    order.status = OrderStatus.SHIPPED if order.status == OrderStatus.PAID else order.status
    order.shipped_at = at
    shipment(rng, order)
    window = timedelta(days=order.shop.tenant.return_window_days)
    settle_at = story.next_tick(at + window)
    story.schedule(settle_at, settle, story, order, order=SETTLE)
    if rng.random() < 0.82:
        story.schedule(at + timedelta(days=rng.uniform(1.5, 6)), complete, story, order)
    fate = rng.random()
    if fate < 0.025:
        story.schedule(at + timedelta(days=rng.uniform(3, window.days - 3)), refund, story, order, "all")
    elif fate < 0.06:
        story.schedule(at + timedelta(days=rng.uniform(3, window.days - 3)), refund, story, order, "one")
    elif fate < 0.066:
        story.schedule(settle_at + timedelta(days=rng.uniform(1, 20)), refund, story, order, "one")


def shipment(rng, order) -> None:
    """The carrier and tracking number (written once orders have `carrier` and `tracking_no` columns)."""
    carrier, prefix, digits, suffix = rng.choice(data.CARRIERS)
    order.carrier = carrier
    order.tracking_no = prefix + "".join(rng.choice("0123456789") for _ in range(digits)) + suffix


def complete(at, story, order) -> None:
    """The shopper confirms receipt; some review what they bought a few days later."""
    if order.completed_at is not None or order.status not in (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED):
        return
    order.status = OrderStatus.COMPLETED if order.status == OrderStatus.SHIPPED else order.status
    order.completed_at = at
    if story.rng.random() < 0.45:
        story.schedule(at + timedelta(hours=story.rng.uniform(0.5, 24 * 7)), review, story, order)


def review(at, story, order) -> None:
    """A rating and a few words for the lines the shopper kept."""
    rng = story.rng
    for line in order.lines:
        if line.refunded_qty >= line.qty or rng.random() > 0.8:
            continue
        rating = rng.choices((5, 4, 3, 2, 1), weights=(62, 24, 8, 3, 3))[0]
        row = story.rows.add("reviews", tenant_id=order.tenant_id, product_id=line.product_id,
                             order_line_id=line.id, user_id=order.user_id, rating=rating,
                             text=rng.choice(data.REVIEWS[rating]), created_at=at)
        story.call("reviewed", row, at)


def settle(at, story, order) -> None:
    """The return window has passed: the tick settles the order."""
    if order.settled_at is not None or order.status not in SETTLEABLE:
        return
    order.status, order.settled_at = OrderStatus.SETTLED, at
    story.call("settled", order, at)


def cancel(at, story, order, actor_id) -> None:
    """Cancelled before shipping (by the shopper, or by the tick when never paid): everything goes back."""
    if order.status not in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID):
        return
    record = _refund(story, order, {line.id: line.qty for line in order.lines}, True, actor_id, at)
    order.status, order.cancelled_at = OrderStatus.CANCELLED, at
    story.call("refunded", order, record, at)


def refund(at, story, order, what: str) -> None:
    """A refund the shop grants after delivery: every unit ("all") or one unit of one line ("one")."""
    rng = story.rng
    if order.status not in OrderStatus.REFUNDABLE:
        return
    lines = [line for line in order.lines if line.refundable_qty]
    if not lines:
        return
    wanted = {line.id: line.refundable_qty for line in lines} if what == "all" else {rng.choice(lines).id: 1}
    everything = all(wanted.get(line.id, 0) == line.refundable_qty for line in order.lines)
    record = _refund(story, order, wanted, everything, order.shop.owner_id, at)
    if order.settled_at is None:  # after settlement only the shop refunds, without a request
        after_sale_rows(story, order, record, rng.choice(data.REFUND_REASONS), at)
    if everything:
        order.status = OrderStatus.REFUNDED
    elif order.status != OrderStatus.SETTLED:
        order.status = OrderStatus.PARTIALLY_REFUNDED
    story.call("refunded", order, record, at)


def _refund(story, order, wanted: dict[int, int], full: bool, actor_id, at):
    """The refund row: each line's money for its units, shipping when all goes back, spread over the payments."""
    lines, goods = [], ZERO
    for line in sorted(order.lines, key=lambda line: line.id):
        qty = wanted.get(line.id, 0)
        if qty <= 0:
            continue
        amount = line_refund_amount(line, qty)
        line.refunded_qty += qty
        line.refunded_amount += amount
        story.stock[line.variant_id] += qty
        lines.append({"line_id": line.id, "qty": qty, "amount": str(amount)})
        goods += amount
    amount = goods + (order.shipping if full else ZERO)
    received = sum((p.amount - p.refunded for p in order.payments), ZERO)
    amount = min(amount, order.total - order.refunded_amount, received)
    by_method = _spread_over_payments(order, amount)
    record = story.rows.add("refunds", row_type=RefundRow, order_id=order.id, tenant_id=order.tenant_id,
                            sequence=len(order.refunds) + 1, amount=amount, full=full, lines=lines,
                            by_method={k: str(v) for k, v in by_method.items()}, actor_id=actor_id, created_at=at,
                            gateway_state="sent" if "gateway" in by_method else None)
    order.refunds.append(record)
    order.refunded_amount += amount
    if "gateway" in by_method:
        charge = next(p.reference for p in order.payments if p.method == "gateway")
        book(story, f"{record.idempotency_key}:gateway", "refund", by_method["gateway"], at, charge)
    return record


def after_sale_rows(story, order, record, reason: tuple[str, str], at) -> None:
    """The shopper's after-sales request behind a refund: refund only before receipt, else a return sent back
    with tracking and received by the shop; its lines are the refund's."""
    code, words = reason
    asked = at - timedelta(days=story.rng.uniform(2, 4))
    values = {"order_id": order.id, "tenant_id": order.tenant_id, "user_id": order.user_id, "status": "refunded",
              "reason_code": code, "reason": words, "photos": [], "refund_id": record.id, "created_at": asked,
              "approved_at": asked + timedelta(hours=story.rng.uniform(1, 20)), "refunded_at": at,
              "decided_by": order.shop.owner_id}
    if order.completed_at:
        carrier, prefix, digits, suffix = story.rng.choice(data.CARRIERS)
        tracking = prefix + "".join(story.rng.choice("0123456789") for _ in range(digits)) + suffix
        values.update(kind="return", carrier=carrier, tracking_no=tracking, returned_at=asked + timedelta(days=1),
                      received_at=at)
    else:
        values["kind"] = "refund"
    row = story.rows.add("after_sales", values)
    for line in record.lines:
        story.rows.add("after_sale_lines", after_sale_id=row["id"], order_line_id=line["line_id"], qty=line["qty"])
