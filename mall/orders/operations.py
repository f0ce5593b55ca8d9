"""Order lifecycle operations: ship, complete, cancel, refund. Callers commit.

A refund's card part is not sent to the gateway here: the refund is committed with its card part
pending, and a job queued for after the commit sends it (`send_gateway_refund`), keyed by the refund.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, true, update
from sqlalchemy.exc import IntegrityError

from mall import clock, jobs, signals
from mall.catalog.variants import release_stock
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.money import ZERO, round_half_up, spread_pro_rata
from mall.orders.models import CARRIER_MAX, TRACKING_MAX, Order, OrderLine, OrderStatus, Payment, Refund
from mall.payments import gateway
from mall.tenants.models import Tenant

#: The carriers the ship form offers: (the value it stores, the name in the viewer's language, other spellings).
#: Any other carrier is free text, stored and shown as typed.
CARRIERS = (
    ("顺丰速运", _l("SF Express"), ("SF Express", "SF", "顺丰")),
    ("中通快递", _l("ZTO Express"), ("ZTO Express", "ZTO", "中通")),
    ("圆通速递", _l("YTO Express"), ("YTO Express", "YTO", "圆通")),
    ("京东物流", _l("JD Logistics"), ("JD Logistics", "JD", "京东")),
    ("EMS", _l("EMS"), ("中国邮政", "China Post")),
)
_CARRIER_LABELS = {spelling.casefold(): label for value, label, others in CARRIERS for spelling in (value, *others)}
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{2,38}[A-Za-z0-9]")


def carrier_label(carrier: str | None) -> str:
    """A carrier in the viewer's language when it is a known one (however it was written), else as typed."""
    if not carrier:
        return ""
    return str(_CARRIER_LABELS.get(carrier.casefold(), carrier))


def _transition(order: Order, allowed: tuple, **values) -> None:
    """Move an order with one conditional update, so two clicks cannot both succeed."""
    result = db.session.execute(
        update(Order).where(Order.id == order.id, Order.status.in_(allowed)).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(order)
        raise Conflict(_("The order changed meanwhile (now: %(s)s).", s=order.status), code="invalid_state")
    db.session.refresh(order)


def shipment(carrier, tracking_no) -> dict:
    """Carrier (free text) and tracking number as typed, both optional, tidied and checked (FieldErrors)."""
    errors: dict = {}
    values = {}
    for name, value, longest in (("carrier", carrier, CARRIER_MAX), ("tracking_no", tracking_no, TRACKING_MAX)):
        if value is not None and not isinstance(value, str):
            errors[name] = [_("Enter text.")]
            continue
        text = " ".join(unicodedata.normalize("NFKC", value or "").split())
        if len(text) > longest:
            errors[name] = [_("Must be at most %(n)s characters (or items) long.", n=longest)]
        elif name == "carrier" and any(unicodedata.category(ch).startswith("C") for ch in text):
            errors[name] = [_("Use letters, digits and punctuation only.")]
        elif name == "tracking_no" and text and not _TRACKING.fullmatch(text):
            errors[name] = [_("A tracking number has 4 to 40 letters, digits and dashes.")]
        values[name] = text or None
    if errors:
        raise FieldErrors(_("Please correct the shipment."), errors)
    return values


def ship(order: Order, actor, carrier: str | None = None, tracking_no: str | None = None) -> Order:
    """Mark a paid order shipped, with the carrier and tracking number when given."""
    values = shipment(carrier, tracking_no)
    if not order.can_ship:
        raise Conflict(_("Only paid orders that have not shipped can be shipped."), code="invalid_state")
    status = OrderStatus.SHIPPED if order.status == OrderStatus.PAID else order.status
    _transition(order, (order.status,), status=status, shipped_at=clock.now(), **values)
    signals.order_shipped.send(current_app._get_current_object(), order=order, actor=actor)
    return order


def complete(order: Order, actor) -> Order:
    """Mark a shipped order completed (buyer confirmed receipt, or staff)."""
    if not order.can_complete:
        raise Conflict(_("Only shipped orders can be completed."), code="invalid_state")
    status = OrderStatus.COMPLETED if order.status == OrderStatus.SHIPPED else order.status
    _transition(order, (order.status,), status=status, completed_at=clock.now())
    signals.order_completed.send(current_app._get_current_object(), order=order, actor=actor)
    return order


def cancel(order: Order, actor) -> Refund:
    """Cancel an unshipped order: every unit back in stock, every payment refunded."""
    if not order.can_cancel:
        raise Conflict(_("Only orders that have not shipped can be cancelled."), code="invalid_state")
    refund = _refund(order, actor, {line.id: line.qty for line in order.lines}, full=True)
    _transition(order, (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID),
                status=OrderStatus.CANCELLED, cancelled_at=clock.now())
    signals.order_cancelled.send(current_app._get_current_object(), order=order, refund=refund, actor=actor)
    return refund


def refund(order: Order, actor, lines: list[dict] | None = None, full: bool = False) -> Refund:
    """Refund the whole order or `[{"line_id", "qty"}]`; restores stock and money by method."""
    if order.status not in OrderStatus.REFUNDABLE or not order.can_refund:
        raise Conflict(_("This order has nothing left to refund."), code="invalid_state")
    if full:
        wanted = {line.id: line.refundable_qty for line in order.lines if line.refundable_qty}
    else:
        wanted = _parse_refund_lines(order, lines)
    everything = all(wanted.get(line.id, 0) == line.refundable_qty for line in order.lines)
    result = _refund(order, actor, wanted, full=everything)
    if everything:
        new_status = OrderStatus.REFUNDED
    elif order.status == OrderStatus.SETTLED:
        new_status = OrderStatus.SETTLED
    else:
        new_status = OrderStatus.PARTIALLY_REFUNDED
    _transition(order, (order.status,), status=new_status)
    signals.order_refunded.send(current_app._get_current_object(), order=order, refund=result, actor=actor)
    return result


def _parse_refund_lines(order: Order, lines) -> dict[int, int]:
    if not isinstance(lines, list) or not lines:
        raise FieldErrors(_("Choose what to refund."), {"lines": [_("Give at least one line and quantity.")]})
    by_id = {line.id: line for line in order.lines}
    wanted: dict[int, int] = {}
    errors: dict = {}
    for i, item in enumerate(lines):
        line_id = item.get("line_id") if isinstance(item, dict) else None
        qty = item.get("qty") if isinstance(item, dict) else None
        if not isinstance(line_id, int) or isinstance(line_id, bool) or line_id not in by_id:
            errors[f"lines.{i}.line_id"] = [_("Not a line of this order.")]
            continue
        if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            errors[f"lines.{i}.qty"] = [_("Quantity must be a whole number of at least 1.")]
            continue
        total = wanted.get(line_id, 0) + qty
        if total > by_id[line_id].refundable_qty:
            errors[f"lines.{i}.qty"] = [_("At most %(n)d can still be refunded.", n=by_id[line_id].refundable_qty)]
            continue
        wanted[line_id] = total
    if errors:
        raise FieldErrors(_("Please correct the refund."), errors)
    return wanted


def line_refund_amount(line: OrderLine, qty: int) -> Decimal:
    """Money paid for `qty` units of a line; the last units take the exact remainder."""
    if qty == line.refundable_qty:
        return line.paid - line.refunded_amount
    return round_half_up(line.paid * qty / line.qty)


def _refund(order: Order, actor, wanted: dict[int, int], full: bool) -> Refund:
    by_id = {line.id: line for line in order.lines}
    rows, goods, returned = [], ZERO, {}
    for line_id in sorted(wanted):
        qty = wanted[line_id]
        if qty <= 0:
            continue
        line = by_id[line_id]
        amount = line_refund_amount(line, qty)
        _take_line(line, qty, amount)
        returned[line.variant_id] = returned.get(line.variant_id, 0) + qty
        rows.append({"line_id": line.id, "qty": qty, "amount": str(amount)})
        goods += amount
    release_stock(returned)  # each variant's units back, in the one lock order
    # Shipping is returned only when the whole order is; an order still pending payment returns only
    # the money it received (its plugin shares: the card was never charged).
    amount = goods + (order.shipping if full else ZERO)
    received = sum((p.amount - p.refunded for p in order.payments), ZERO)
    amount = min(amount, order.total - order.refunded_amount, received)
    by_method = _spread_over_payments(order, amount)
    sequence = (db.session.execute(
        db.select(func.count(Refund.id)).where(Refund.order_id == order.id)
    ).scalar() or 0) + 1
    record = Refund(order_id=order.id, tenant_id=order.tenant_id, sequence=sequence, amount=amount, full=full,
                    lines=rows, by_method={k: str(v) for k, v in by_method.items()},
                    actor_id=getattr(actor, "id", None), gateway_state="pending" if "gateway" in by_method else None)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        raise Conflict(_("Another refund of this order is in progress."), code="refund_conflict") from None
    order.refunded_amount = order.refunded_amount + amount
    if record.gateway_state == "pending":
        # Sent only once this transaction has committed: a rollback drops the job, so no card refund goes out
        # for a refund that was never recorded.
        jobs.enqueue(send_gateway_refund, record.id, idempotency_key=record.idempotency_key)
    return record


def _take_line(line: OrderLine, qty: int, amount: Decimal) -> None:
    result = db.session.execute(
        update(OrderLine)
        .where(OrderLine.id == line.id, OrderLine.refunded_qty + qty <= OrderLine.qty)
        .values(refunded_qty=OrderLine.refunded_qty + qty, refunded_amount=OrderLine.refunded_amount + amount)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("These items were refunded meanwhile."), code="refund_conflict")
    db.session.refresh(line)


def _spread_over_payments(order: Order, amount: Decimal) -> dict[str, Decimal]:
    """Refunded money goes back over the payment methods in proportion to what is left on each."""
    payments = [p for p in order.payments if p.amount - p.refunded > 0]
    shares = spread_pro_rata(amount, [p.amount - p.refunded for p in payments]) if payments else []
    by_method: dict[str, Decimal] = {}
    for payment, share in zip(payments, shares, strict=True):
        share = min(share, payment.amount - payment.refunded)
        if share <= 0:
            continue
        payment.refunded = payment.refunded + share
        by_method[payment.method] = by_method.get(payment.method, ZERO) + share
    return by_method


def send_gateway_refund(refund_id: int) -> bool:
    """Job: send a committed refund's card part to the gateway, keyed by the refund, then mark it sent.

    Safe to run again (a worker died, the tick resends): the gateway's key returns the first refund, and
    only a refund still marked pending is sent. True when this run marked it sent.
    """
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.gateway_state != "pending":
        db.session.rollback()
        return False
    amount = Decimal(refund.by_method["gateway"])
    reference = db.session.execute(
        db.select(Payment.reference).where(Payment.order_id == refund.order_id, Payment.method == "gateway")
    ).scalar()
    key = f"{refund.idempotency_key}:gateway"
    db.session.rollback()  # never call the gateway inside an open transaction
    gateway.refund(reference, amount, key)
    sent = db.session.execute(
        update(Refund).where(Refund.id == refund_id, Refund.gateway_state == "pending")
        .values(gateway_state="sent").execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return sent == 1


def settle_due_orders(at, dry_run: bool = False, report: dict | None = None) -> list[int]:
    """Settle every shipped order whose shop's return window has passed by `at`, exactly once.

    Each shop's orders are one transaction (`mall.tenant_work`): a shop whose settlement fails
    is rolled back and recorded in `report`, and the other shops' settlements still commit.
    Each order moves with a conditional update; only the run that moved it sends
    `order_settled`, so running the tick twice for the same moment settles nothing twice.
    """
    from mall.tenant_work import TickReport, for_each_shop

    tenant_ids = db.session.execute(db.select(Tenant.id).order_by(Tenant.id)).scalars().all()
    report = TickReport() if report is None else report
    settled = for_each_shop(report, tenant_ids, _settle_shop, at, dry_run, dry_run=dry_run)
    return [order_id for ids in settled for order_id in ids]


def _settle_shop(tenant_id: int, at, dry_run: bool) -> list[int]:
    """Settle one shop's due orders (the caller commits); returns their ids."""
    settleable = (OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED)
    settled: list[int] = []
    app = current_app._get_current_object()
    tenant = db.session.get(Tenant, tenant_id)
    cutoff = at - timedelta(days=tenant.return_window_days)
    due = db.session.execute(
        db.select(Order).where(
            Order.tenant_id == tenant.id, Order.status.in_(settleable),
            Order.shipped_at.is_not(None), Order.shipped_at <= cutoff, Order.settled_at.is_(None),
        ).order_by(Order.id)
    ).scalars().all()
    for order in due:
        if dry_run:
            settled.append(order.id)
            continue
        result = db.session.execute(
            update(Order)
            .where(Order.id == order.id, Order.status.in_(settleable), Order.settled_at.is_(None))
            .values(status=OrderStatus.SETTLED, settled_at=at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            db.session.refresh(order)
            signals.order_settled.send(app, order=order, at=at)
            settled.append(order.id)
    return settled


#: The shopper's order tabs, in page order: all, to pay, to ship, to receive, to review, after-sales.
TABS = ("all", "to_pay", "to_ship", "to_receive", "to_review", "after_sales")


#: Further conditions putting an order in the after-sales tab (the after-sales feature adds "has a request").
after_sales_sources: list = []


def tab_clause(tab: str):
    """The SQL condition on Order for one of TABS (KeyError for any other name): the one definition of each tab.

    to_review: completed (or settled after completion) with a line not yet reviewed; after_sales: a refund
    that is not a cancellation's, or an after-sales request.
    """
    from mall.reviews.models import Review

    unreviewed = db.select(OrderLine.id).where(
        OrderLine.order_id == Order.id,
        ~db.select(Review.id).where(Review.order_line_id == OrderLine.id).exists(),
    ).exists()
    clauses = {
        "all": true(),
        "to_pay": Order.status == OrderStatus.PENDING_PAYMENT,
        "to_ship": and_(Order.shipped_at.is_(None),
                           Order.status.in_((OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED))),
        "to_receive": and_(Order.shipped_at.is_not(None), Order.completed_at.is_(None),
                              Order.status.in_((OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED))),
        "to_review": and_(Order.completed_at.is_not(None), Order.status != OrderStatus.REFUNDED, unreviewed),
        "after_sales": or_(and_(Order.cancelled_at.is_(None),
                                   db.select(Refund.id).where(Refund.order_id == Order.id).exists()),
                              *(source() for source in after_sales_sources)),
    }
    return clauses[tab]


def tab_counts(user_id: int) -> dict[str, int]:
    """How many of the shopper's orders each tab holds, in one query."""
    row = db.session.execute(
        db.select(*[func.count(Order.id).filter(tab_clause(tab)) for tab in TABS]).where(Order.user_id == user_id)
    ).one()
    return dict(zip(TABS, row, strict=True))
