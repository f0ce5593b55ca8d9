"""Each order's timeline: placed, paid, shipped (carrier, tracking), received, reviewed, refunded, cancelled.

Other features add their own events by appending a source to `timeline_sources` (a callable taking the order
and returning [{"event", "at", …}]) and, for the pages, a label to `event_labels`. "settled" is the
platform's internal step (the return window closed, the shop is paid): only staff see it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from mall.extensions import db
from mall.money import format_money
from mall.orders.models import Order, OrderLine

#: Sources of further events (after-sales adds its requests, approvals and returns here).
timeline_sources: list[Callable[[Order], list[dict]]] = []
#: Events staff see and shoppers do not.
INTERNAL_EVENTS = {"settled"}
#: The pages' name of each event; a feature adding events adds their names.
event_labels: dict[str, object] = {
    "placed": _l("Placed"), "paid": _l("Paid"), "shipped": _l("Shipped"), "received": _l("Received"),
    "reviewed": _l("Reviewed"), "refunded": _l("Refunded"), "cancelled": _l("Cancelled"), "settled": _l("Settled"),
}


def timeline(order: Order, *, internal: bool = False) -> list[dict]:
    """The order's events, oldest first: dicts with "event", "at" and details (carrier, tracking_no, amount…).

    `internal` (staff pages and the shop API) keeps the platform's own steps, such as settlement.
    """
    events = _core_events(order)
    for source in timeline_sources:
        events.extend(source(order))
    if not internal:
        events = [event for event in events if event["event"] not in INTERNAL_EVENTS]
    return sorted(events, key=lambda event: event["at"])  # stable: events of one moment keep their order


def event_label(event: str) -> str:
    """An event's name in the viewer's language."""
    return str(event_labels.get(event, event))


def _core_events(order: Order) -> list[dict]:
    events = [{"event": "placed", "at": order.created_at}]
    if order.paid_at:
        events.append({"event": "paid", "at": order.paid_at})
    if order.shipped_at:
        events.append({"event": "shipped", "at": order.shipped_at, "carrier": order.carrier,
                       "tracking_no": order.tracking_no})
    if order.completed_at:
        events.append({"event": "received", "at": order.completed_at})
    if order.cancelled_at:
        events.append({"event": "cancelled", "at": order.cancelled_at})
    # An unpaid order's cancellation gives back nothing: a refund of 0.00 is not an event.
    events.extend({"event": "refunded", "at": refund.created_at, "amount": format_money(refund.amount)}
                  for refund in order.refunds if refund.amount > 0)
    events.extend({"event": "reviewed", "at": at, "product": name} for at, name in _reviews(order))
    if order.settled_at:
        events.append({"event": "settled", "at": order.settled_at})
    return events


def _reviews(order: Order) -> list[tuple[datetime, str]]:
    from mall.reviews.models import Review

    return db.session.execute(
        db.select(Review.created_at, OrderLine.name).join(OrderLine, Review.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order.id).order_by(Review.id)
    ).all()
