"""After-sales rules: who may ask for what and when, each move of a request, and the refund it ends in. Callers commit.

The money always goes back through `mall.orders.operations.refund`, the one refund path (stock, payments by
method, and the plugins' reversal of points, coupons and wallet money through `order_refunded`).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from mall import clock
from mall.aftersales.models import (
    REASONS,
    STATUS_LABELS,
    AfterSale,
    AfterSaleHold,
    AfterSaleKind,
    AfterSaleLine,
    AfterSaleStatus,
)
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.i18n import localized
from mall.media.operations import save_image, thumb_key_for
from mall.media.storage import storage
from mall.money import ZERO
from mall.notifications.operations import content, notify
from mall.orders import operations as orders
from mall.orders.models import Order, OrderLine, OrderStatus
from mall.tenants.models import Staff
from mall.webhooks.receivers import after_sale_refunded

#: Order statuses in which a shopper may still ask; a settled order is past its return window (staff refund it).
ASKING = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED)
MAX_REASON = 500
#: Photos a shopper may add to a request.
MAX_PHOTOS = 3


def kinds_allowed(order: Order) -> tuple[str, ...]:
    """What the shopper may ask for on this order now: a refund until the goods are received, a return once shipped.

    Nothing once the order has settled (the return window has passed), is unpaid, cancelled or wholly refunded.
    """
    if order.settled_at is not None or order.status not in ASKING:
        return ()
    kinds = []
    if order.completed_at is None:
        kinds.append(AfterSaleKind.REFUND)
    if order.shipped_at is not None:
        kinds.append(AfterSaleKind.RETURN)
    return tuple(kinds)


def available(order: Order) -> dict[int, int]:
    """Units per line a new request may ask for: neither refunded nor held by an open request."""
    held = dict(db.session.execute(
        db.select(AfterSaleHold.order_line_id, AfterSaleHold.held)
        .where(AfterSaleHold.order_line_id.in_([line.id for line in order.lines]))
    ).all())
    return {line.id: max(line.refundable_qty - held.get(line.id, 0), 0) for line in order.lines}


def can_ask(order: Order) -> bool:
    """Whether the order's page offers "Apply for after-sales"."""
    return bool(kinds_allowed(order)) and any(available(order).values())


def request_after_sale(order: Order, user, kind, lines, reason_code="other", reason: str = "",
                       photos=()) -> AfterSale:
    """Open a request on the shopper's own order, holding the units it asks for; the shop's staff are told.

    `photos` are uploads (up to MAX_PHOTOS), stored through the media feature's checks.
    """
    kinds = kinds_allowed(order)
    if not kinds:
        raise Conflict(_("This order can no longer take an after-sales request."), code="invalid_state")
    errors: dict = {}
    if kind not in kinds:
        errors["kind"] = [_kind_refusal(order, kind)]
    reason = (reason or "").strip()
    if reason_code not in REASONS:
        errors["reason_code"] = [_("Choose one of the listed reasons.")]
    elif reason_code == "other" and not reason:
        errors["reason"] = [_("Say what is wrong.")]
    if len(reason) > MAX_REASON:
        errors["reason"] = [_("Use at most %(n)d characters.", n=MAX_REASON)]
    wanted = _wanted(order, lines, errors)
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("Add at most %(n)d photos.", n=MAX_PHOTOS)]
    if errors:
        raise FieldErrors(_("Please correct the request."), errors)
    after_sale = AfterSale(tenant_id=order.tenant_id, order_id=order.id, user_id=user.id, kind=kind,
                           status=AfterSaleStatus.REQUESTED, reason_code=reason_code, reason=reason,
                           photos=_stored(photos, order.tenant_id), created_at=clock.now())
    db.session.add(after_sale)
    by_id = {line.id: line for line in order.lines}
    for line_id, qty in wanted.items():
        if not _hold(line_id, qty):
            # Another request took these units between the check above and now.
            raise FieldErrors(_("Please correct the request."), {"lines": [_(
                "%(name)s is already asked for in another request.", name=localized(by_id[line_id], "name"))]})
        after_sale.lines.append(AfterSaleLine(order_line_id=line_id, qty=qty))
    db.session.flush()
    event = "refund_requested" if kind == AfterSaleKind.REFUND else "return_requested"
    _tell_staff(after_sale, event)
    return after_sale


def _kind_refusal(order: Order, kind) -> str:
    if kind == AfterSaleKind.RETURN and order.shipped_at is None:
        return _("The order has not shipped yet: ask for a refund only.")
    if kind == AfterSaleKind.REFUND and order.completed_at is not None:
        return _("You confirmed receipt: ask for a return and refund.")
    return _("Choose refund or return.")


def _wanted(order: Order, lines, errors: dict) -> dict[int, int]:
    """The units asked per line, within what each line still has (errors go into `errors`)."""
    if not isinstance(lines, list) or not lines:
        errors["lines"] = [_("Choose at least one item and its quantity.")]
        return {}
    by_id = {line.id: line for line in order.lines}
    left = available(order)
    wanted: dict[int, int] = {}
    for i, item in enumerate(lines):
        line_id = item.get("line_id") if isinstance(item, dict) else None
        qty = item.get("qty") if isinstance(item, dict) else None
        if not isinstance(line_id, int) or isinstance(line_id, bool) or line_id not in by_id:
            errors[f"lines.{i}.line_id"] = [_("Not a line of this order.")]
        elif not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
            errors[f"lines.{i}.qty"] = [_("Quantity must be a whole number of at least 1.")]
        elif wanted.get(line_id, 0) + qty > left[line_id]:
            name = localized(by_id[line_id], "name")
            errors[f"lines.{i}.qty"] = [
                _("%(name)s: at most %(n)d can still be asked for.", name=name, n=left[line_id]) if left[line_id]
                else _("%(name)s is already refunded or asked for in another request.", name=name)]
        else:
            wanted[line_id] = wanted.get(line_id, 0) + qty
    return wanted


def _hold(line_id: int, qty: int) -> bool:
    """Take `qty` units of a line for a request, if that many are neither refunded nor held (one statement)."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    db.session.execute(insert(AfterSaleHold).values(order_line_id=line_id, held=0)
                       .on_conflict_do_nothing(index_elements=["order_line_id"]))
    refundable = (db.select(OrderLine.qty - OrderLine.refunded_qty)
                  .where(OrderLine.id == AfterSaleHold.order_line_id).scalar_subquery())
    result = db.session.execute(
        update(AfterSaleHold)
        .where(AfterSaleHold.order_line_id == line_id, AfterSaleHold.held + qty <= refundable)
        .values(held=AfterSaleHold.held + qty).execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _release(after_sale: AfterSale) -> None:
    """Give back the units a request held (it was rejected, or its units are being refunded)."""
    for line in after_sale.lines:
        db.session.execute(
            update(AfterSaleHold)
            .where(AfterSaleHold.order_line_id == line.order_line_id, AfterSaleHold.held >= line.qty)
            .values(held=AfterSaleHold.held - line.qty).execution_options(synchronize_session=False)
        )


def _move(after_sale: AfterSale, allowed: tuple, **values) -> None:
    """Change a request's status with one conditional update, so two clicks cannot both move it."""
    result = db.session.execute(
        update(AfterSale).where(AfterSale.id == after_sale.id, AfterSale.status.in_(allowed)).values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(after_sale)
    if result.rowcount != 1:
        raise Conflict(_("This request changed meanwhile (now: %(s)s).", s=STATUS_LABELS[after_sale.status]),
                       code="invalid_state")


def approve(after_sale: AfterSale, actor) -> AfterSale:
    """Approve a request: a refund only is refunded at once; a return waits for the goods to come back."""
    if after_sale.status != AfterSaleStatus.REQUESTED:
        raise Conflict(_("Only a request awaiting the shop can be approved."), code="invalid_state")
    now = clock.now()
    if after_sale.kind == AfterSaleKind.RETURN:
        _move(after_sale, (AfterSaleStatus.REQUESTED,), status=AfterSaleStatus.APPROVED, approved_at=now,
              decided_by=actor.id)
        _tell_shopper(after_sale, "return_approved")
        return after_sale
    _move(after_sale, (AfterSaleStatus.REQUESTED,), status=AfterSaleStatus.REFUNDED, approved_at=now,
          refunded_at=now, decided_by=actor.id)
    _refund(after_sale, actor)
    return after_sale


def reject(after_sale: AfterSale, actor, reason) -> AfterSale:
    """Decline a request with a reason the shopper reads; its units can be asked for again."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason or len(reason) > MAX_REASON:
        message = _("Give the shopper a reason (at most %(n)d characters).", n=MAX_REASON)
        raise FieldErrors(message, {"reason": [message]})
    if after_sale.status != AfterSaleStatus.REQUESTED:
        raise Conflict(_("Only a request awaiting the shop can be declined."), code="invalid_state")
    _move(after_sale, (AfterSaleStatus.REQUESTED,), status=AfterSaleStatus.REJECTED, rejected_at=clock.now(),
          reject_reason=reason, decided_by=actor.id)
    _release(after_sale)
    _tell_shopper(after_sale, "rejected", reason=reason)
    return after_sale


def return_shipped(after_sale: AfterSale, carrier, tracking_no) -> AfterSale:
    """The shopper sent an approved return back: record the parcel and tell the shop."""
    parcel = orders.shipment(carrier, tracking_no)  # the ship form's rules for a carrier and a tracking number
    asks = {"carrier": _("Name the carrier."), "tracking_no": _("Enter the tracking number.")}
    missing = {name: [asks[name]] for name, value in parcel.items() if not value}
    if missing:
        raise FieldErrors(_("Please correct the parcel details."), missing)
    if not after_sale.awaits_return:
        raise Conflict(_("Only an approved return can be sent back."), code="invalid_state")
    _move(after_sale, (AfterSaleStatus.APPROVED,), status=AfterSaleStatus.RETURNING, returned_at=clock.now(),
          **parcel)
    # The carrier stays out of the message: a listed one's name depends on the reader's language.
    _tell_staff(after_sale, "return_shipped", tracking_no=parcel["tracking_no"])
    return after_sale


def receive(after_sale: AfterSale, actor) -> AfterSale:
    """The shop received the returned goods: refund them."""
    if after_sale.kind != AfterSaleKind.RETURN or after_sale.status != AfterSaleStatus.RETURNING:
        raise Conflict(_("Only a return on its way back can be received."), code="invalid_state")
    now = clock.now()
    _move(after_sale, (AfterSaleStatus.RETURNING,), status=AfterSaleStatus.REFUNDED, received_at=now,
          refunded_at=now)
    _refund(after_sale, actor)
    return after_sale


def _refund(after_sale: AfterSale, actor) -> None:
    """Refund the request's units through the order's one refund path and tell the shopper."""
    _release(after_sale)
    wanted = [{"line_id": line.order_line_id, "qty": line.qty} for line in after_sale.lines]
    try:
        refund = orders.refund(after_sale.order, actor, lines=wanted)
    except FieldErrors:
        # The shop refunded some of these units from the order page meanwhile.
        raise Conflict(_("Some of these items were refunded meanwhile; decline this request instead."),
                       code="invalid_state") from None
    after_sale.refund_id = refund.id
    db.session.flush()
    after_sale_refunded(after_sale, refund)
    _tell_shopper(after_sale, "refunded", amount=str(refund.amount))


def close_with_order(order: Order, refund) -> list[int]:
    """An order cancelled or wholly refunded by other means answers every request still open on it: the money
    of its units is back, so each is marked refunded by that refund and lets go of its units. Their ids."""
    if order.status not in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return []
    closed = []
    for after_sale in db.session.execute(db.select(AfterSale).where(
            AfterSale.order_id == order.id, AfterSale.status.in_(AfterSaleStatus.OPEN))).scalars().all():
        moved = db.session.execute(
            update(AfterSale).where(AfterSale.id == after_sale.id, AfterSale.status.in_(AfterSaleStatus.OPEN))
            .values(status=AfterSaleStatus.REFUNDED, refunded_at=clock.now(), refund_id=getattr(refund, "id", None))
            .execution_options(synchronize_session=False)).rowcount
        if moved:
            _release(after_sale)
            closed.append(after_sale.id)
    return closed


def estimated_refund(after_sale: AfterSale):
    """The money the request's goods would bring back now (the refund itself once refunded)."""
    if after_sale.refund is not None:
        return after_sale.refund.amount
    total = ZERO
    for line in after_sale.lines:
        order_line = line.order_line
        if order_line.refundable_qty >= line.qty:
            total += orders.line_refund_amount(order_line, line.qty)
    return total


def _tell_shopper(after_sale: AfterSale, event: str, **params) -> None:
    notify(after_sale.user_id, f"aftersales.{event}", f"aftersale:{after_sale.id}:{event}",
           link=f"/after-sales/{after_sale.id}", tenant_id=after_sale.tenant_id, id=after_sale.id,
           order=after_sale.order_id, **content("shop", after_sale.tenant), **params)


def _tell_staff(after_sale: AfterSale, event: str, **params) -> None:
    """Every staff member of the shop finds it in their inbox, linking to the shop's page of the request."""
    staff = db.session.execute(db.select(Staff.user_id).where(Staff.tenant_id == after_sale.tenant_id)
                               .order_by(Staff.user_id)).scalars()
    for user_id in staff:
        notify(user_id, f"aftersales.{event}", f"aftersale:{after_sale.id}:{event}:{user_id}",
               link=f"/admin/{after_sale.tenant.slug}/after-sales/{after_sale.id}", tenant_id=after_sale.tenant_id,
               id=after_sale.id, order=after_sale.order_id, **params)


#: Each step of a request as it appears on the order's timeline: (event, column holding its moment).
TIMELINE_STEPS = (("after_sale_requested", "created_at"), ("after_sale_approved", "approved_at"),
                  ("after_sale_rejected", "rejected_at"), ("after_sale_returned", "returned_at"),
                  ("after_sale_received", "received_at"), ("after_sale_refunded", "refunded_at"))


def _stored(photos, tenant_id: int) -> list[str]:
    """Keep each photo (checked and made into a display size and a thumbnail); a refused one names `photos`."""
    keys = []
    for photo in photos:
        try:
            keys.append(save_image(photo, folder=f"aftersales/{tenant_id}").key)
        except FieldErrors as exc:
            raise FieldErrors(exc.message, {"photos": exc.fields.get("file", [exc.message])}) from None
    return keys


def photo_urls(after_sale: AfterSale) -> list[dict]:
    """The request's photos as {"url", "thumb_url"}."""
    store = storage()
    return [{"url": store.url(key), "thumb_url": store.url(thumb_key_for(key))} for key in after_sale.photos or []]


def timeline_events(order: Order) -> list[dict]:
    """The order's after-sales steps for its timeline: [{"event", "at", "after_sale_id", "kind"}], oldest first."""
    rows = db.session.execute(db.select(AfterSale).where(AfterSale.order_id == order.id).order_by(AfterSale.id))
    events = []
    for after_sale in rows.scalars():
        for event, column in TIMELINE_STEPS:
            at = getattr(after_sale, column)
            if at is not None:
                events.append({"event": event, "at": at, "after_sale_id": after_sale.id, "kind": after_sale.kind})
    return sorted(events, key=lambda e: e["at"])


def has_after_sales_clause():
    """SQL: the order has an after-sales request (any status), for the shopper's 售后 tab."""
    return db.select(AfterSale.id).where(AfterSale.order_id == Order.id).exists()


def of_order(order: Order) -> list[AfterSale]:
    """The order's requests, oldest first."""
    return list(db.session.execute(
        db.select(AfterSale).where(AfterSale.order_id == order.id).order_by(AfterSale.id)).scalars())


def awaiting_shop(tenant_id: int) -> int:
    """Requests waiting for the shop (to decide, or to receive), for the admin menu."""
    return db.session.execute(db.select(db.func.count(AfterSale.id)).where(
        AfterSale.tenant_id == tenant_id, AfterSale.status.in_(AfterSaleStatus.AWAITING_SHOP))).scalar()
