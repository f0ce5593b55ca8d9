"""Placing a checkout in two transactions around the gateway charge, which never runs inside one.

Transaction 1 writes the checkout and its orders (pending_payment), reserves stock and lets plugins capture
their shares (points, coupons, wallet: internal ledgers), then commits. The gateway is charged with a key of
the checkout. Transaction 2 records the card payment and moves the orders to paid. What a decline or an
unknown outcome leaves behind, and who clears it, is in docs/payments.md.
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from mall import clock, jobs, signals
from mall.addresses.operations import for_checkout
from mall.catalog.variants import reserve_stock
from mall.checkout.quote import build_quote
from mall.errors import Conflict
from mall.extensions import db
from mall.money import ZERO
from mall.orders.models import Checkout, Order, OrderLine, OrderStatus, Payment
from mall.payments import gateway


def place_checkout(user, raw_lines, options: dict | None = None, payment_token: str | None = None, *,
                   address_id: int | None = None, once=None, clear_cart: bool = False) -> Checkout:
    """Place a checkout (transaction 1), charge the card outside any transaction, record it (transaction 2).

    `once(work)`, when given, runs `work()` → (status, {"checkout_id"}) once per request key and commits it
    with its idempotency record (mall.idempotency); a replay skips placing and only finishes the payment,
    which the gateway's key keeps from charging twice. Raises CheckoutDeclined after a decline: the
    orders are kept pending_payment, to be paid again or cancelled. The orders ship to the shopper's address
    `address_id`, or to their default address without one (mall.addresses.operations.for_checkout).
    """
    def work(*_args):
        placed = place_unpaid(user, raw_lines, options, address_id=address_id, clear_cart=clear_cart)
        return 201, {"checkout_id": placed.id}

    session = db.session()
    session.expire_on_commit = False  # what transaction 1 wrote is what the loaded rows hold
    try:
        if once is None:
            body = work()[1]
            session.commit()
        else:
            body = once(work)
    finally:
        session.expire_on_commit = True
    checkout = db.session.get(Checkout, body["checkout_id"])
    return pay(checkout, payment_token, clear_cart=clear_cart)


def place_unpaid(user, raw_lines, options: dict | None = None, *, address_id: int | None = None,
                 clear_cart: bool = False) -> Checkout:
    """Transaction 1's work: quote, one pending order per shop (each with a copy of the delivery address),
    stock reserved, plugin shares captured.

    Nothing is charged and nothing committed here. A checkout with nothing left for the card is paid at once.
    """
    now = clock.now()
    quote = build_quote(user, raw_lines, options)
    address = for_checkout(user, address_id).snapshot()
    checkout = Checkout(user_id=user.id, total=quote.total, created_at=now)
    db.session.add(checkout)
    orders = [_create_order(checkout, user, oq, address) for oq in quote.orders]
    db.session.flush()
    # reserve_stock locks rows in one fixed order (variant id) so concurrent checkouts cannot deadlock.
    wanted: dict[int, int] = {}
    for lq in (lq for oq in quote.orders for lq in oq.lines):
        wanted[lq.variant.id] = wanted.get(lq.variant.id, 0) + lq.qty  # a variant bought for points and for money
    reserve_stock(wanted)
    app = current_app._get_current_object()
    for order in orders:
        signals.order_placed.send(app, order=order)
    signals.checkout_placed.send(app, checkout=checkout, orders=orders, quote=quote, user=user)
    for order, oq in zip(orders, quote.orders, strict=True):
        # Plugin shares (wallet…) were taken by the capture just now; the card's share waits for the gateway.
        for method, amount in oq.payment_rows():
            if method != "gateway":
                order.payments.append(Payment(tenant_id=order.tenant_id, method=method, amount=amount))
    if quote.gateway_paid <= 0:
        mark_paid(checkout, orders, None, now, clear_cart=clear_cart)
    db.session.flush()
    return checkout


class CheckoutDeclined(gateway.PaymentDeclined):
    """The card was declined; the checkout's orders wait, pending payment, to be paid again or cancelled."""

    def __init__(self, checkout: Checkout, orders: list[Order]):
        super().__init__(
            _("The payment was declined by the bank. Nothing was charged: your order awaits payment "
              "or cancellation."),
            {"payment_token": [_("Declined: try another card.")]},
        )
        self.checkout_id = checkout.id
        self.order_ids = [order.id for order in orders]


class PaymentUnconfirmed(Conflict):
    """The card was charged but recording it failed; reconciliation (or a replay) finishes the job."""

    code = "payment_unconfirmed"


def pay(checkout: Checkout, token: str | None, *, clear_cart: bool = False) -> Checkout:
    """Charge what the checkout's pending orders still owe, then record it (transaction 2); paid ones are left."""
    pending = [o for o in checkout.orders if o.status == OrderStatus.PENDING_PAYMENT]
    if not pending:
        return checkout
    amount = sum((o.gateway_paid for o in pending), ZERO)
    key = checkout.payment_key
    if db.session().in_transaction():
        _commit_keeping_loaded()  # a replay's reads, or a new attempt's number: never charge inside
    try:
        reference = gateway.charge(amount, token, key)
    except gateway.PaymentDeclined:
        raise CheckoutDeclined(checkout, pending) from None
    try:
        mark_paid(checkout, pending, reference, clock.now(), clear_cart=clear_cart, card=gateway.fingerprint(token))
        _commit_keeping_loaded()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("checkout %s: charged (%s) but not recorded", checkout.id, key)
        raise PaymentUnconfirmed(_("Your payment was received and your order is being confirmed; it will "
                                   "show as paid within a few minutes.")) from None
    return checkout


def pay_again(checkout: Checkout, token: str | None, *, clear_cart: bool = False) -> Checkout:
    """Pay a checkout still pending payment (the shopper's "Pay now"); a declined key gets a new attempt."""
    if not any(o.status == OrderStatus.PENDING_PAYMENT for o in checkout.orders):
        raise Conflict(_("This order is not awaiting payment."), code="invalid_state")
    attempt, key = checkout.payment_attempt, checkout.payment_key
    _commit_keeping_loaded()
    if gateway.lookup(key).outcome == gateway.DECLINED:
        # Only a definite decline gets a new key: an unknown outcome may still be charging under the old one.
        moved = db.session.execute(
            update(Checkout).where(Checkout.id == checkout.id, Checkout.payment_attempt == attempt)
            .values(payment_attempt=attempt + 1).execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            raise Conflict(_("This order is being paid right now."), code="payment_in_progress")
        set_committed_value(checkout, "payment_attempt", attempt + 1)
    return pay(checkout, token, clear_cart=clear_cart)


def mark_paid(checkout: Checkout, orders: list[Order], reference: str | None, at, *,
              clear_cart: bool = False, card: str | None = None) -> list[Order]:
    """Transaction 2's work: the card payment rows, the orders paid (only from pending_payment), order_paid.

    `card` is the paying card's fingerprint, passed on with order_paid (None when no card paid).

    An order cancelled meanwhile stays cancelled, and the card money taken for it goes back by a queued refund.
    """
    ids = [o.id for o in orders]
    moved = db.session.execute(
        update(Order).where(Order.id.in_(ids), Order.status == OrderStatus.PENDING_PAYMENT)
        .values(status=OrderStatus.PAID, paid_at=at).returning(Order.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    paid = [o for o in orders if o.id in set(moved)]
    for order in paid:
        set_committed_value(order, "status", OrderStatus.PAID)
        set_committed_value(order, "paid_at", at)
        if order.gateway_paid > 0:
            order.payments.append(Payment(tenant_id=order.tenant_id, method="gateway", amount=order.gateway_paid,
                                          reference=reference))
    for order in orders:
        if order not in paid and order.gateway_paid > 0 and reference is not None:
            jobs.enqueue(return_charge, reference, str(order.gateway_paid), f"{checkout.payment_key}:void:{order.id}",
                         idempotency_key=f"void:{order.id}")
    db.session.flush()
    app = current_app._get_current_object()
    for order in paid:
        signals.order_paid.send(app, order=order, card=card if order.gateway_paid > 0 else None)
    if clear_cart and paid:
        from mall.cart import operations as cart

        cart.remove_bought(checkout.orders[0].user, {line.variant_id for o in paid for line in o.lines})
    return paid


def return_charge(reference: str, amount: str, key: str) -> None:
    """Job: give back card money taken for an order that was cancelled before its payment was recorded."""
    db.session.rollback()
    gateway.refund(reference, Decimal(amount), key)


def _commit_keeping_loaded() -> None:
    """Commit without expiring the loaded rows (they hold what this request wrote), saving a reload of each."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _create_order(checkout: Checkout, user, oq, address: dict) -> Order:
    order = Order(
        tenant=oq.tenant, user_id=user.id, checkout=checkout, status=OrderStatus.PENDING_PAYMENT, address=address,
        goods=oq.goods, discount=oq.discount, coupon_discount=oq.coupon_discount, shipping=oq.shipping,
        points_used=oq.points_used, points_value=oq.points_value, wallet_paid=oq.wallet_paid,
        gateway_paid=oq.gateway_paid, total=oq.total, adjustments=_adjustments(oq),
        payments=[],  # a known-empty collection: receivers of order_paid read it without a query
    )
    db.session.add(order)
    for lq in oq.lines:
        line = OrderLine(
            order=order, tenant_id=oq.tenant.id, product_id=lq.product.id, variant_id=lq.variant.id,
            name=lq.product.name, name_en=lq.product.name_en, variant_label=lq.label, unit_price=lq.unit_price,
            qty=lq.qty, sale=lq.sale, base=lq.base, net=lq.net, paid=lq.paid,
        )
        db.session.add(line)
        lq.line = line
    return order


def _adjustments(oq) -> list[dict]:
    rows = [
        {"kind": a.kind, "label": a.label, "amount": str(a.amount), "source": a.source, "product_id": lq.product.id,
         "variant_id": lq.variant.id}
        for lq in oq.lines
        for a in lq.adjustments
    ]
    if oq.shipping_waived_by:
        rows.append({"kind": "shipping", "label": oq.shipping_waived_by, "amount": str(oq.tenant.shipping_fee)})
    return rows + list(oq.notes)
