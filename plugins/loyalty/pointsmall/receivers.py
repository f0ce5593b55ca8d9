"""Points-mall receivers: spend the points with the order, give them back to their lots when the line is refunded."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from mall import signals
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.orders.models import OrderLine, OrderStatus
from plugins.loyalty import keys
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.pointsmall.models import MallCount, MallPurchase

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def connect(app) -> None:
    """Subscribe to this app's checkout, refund and cancellation signals."""
    signals.checkout_placed.connect(on_checkout_placed, sender=app)
    signals.order_refunded.connect(on_order_refunded, sender=app)
    signals.order_cancelled.connect(on_order_refunded, sender=app)


def take_allowance(item, member, qty: int) -> bool:
    """Count `qty` more units of the item for the member, never past its per-member limit (a conditional update
    on one row per item and member, so concurrent checkouts cannot both pass); False when over the limit."""
    insert = _INSERTS[db.session.get_bind().dialect.name]
    db.session.execute(insert(MallCount).values(redeemable_id=item.id, membership_id=member.id, bought=0)
                       .on_conflict_do_nothing(index_elements=["redeemable_id", "membership_id"]))
    query = update(MallCount).where(MallCount.redeemable_id == item.id, MallCount.membership_id == member.id)
    if item.per_member_limit is not None:
        query = query.where(MallCount.bought + qty <= item.per_member_limit)
    moved = db.session.execute(query.values(bought=MallCount.bought + qty)
                               .execution_options(synchronize_session=False)).rowcount
    return moved == 1


def on_checkout_placed(sender, checkout, quote, **kwargs) -> None:
    """Spend each redeemed line's points from the member's earliest-expiring lots, in the checkout's transaction.

    A limit reached or points spent meanwhile (a concurrent checkout) refuses the checkout with a 422 on the line.
    """
    for lq, item, member in quote.extensions.get("points_mall") or []:
        if not take_allowance(item, member, lq.qty):
            raise FieldErrors(_("The per-member limit of this item is reached."), {f"lines.{lq.index}.qty": [
                _("At most %(n)d per member.", n=item.per_member_limit)]}, code="limit_reached")
        points = item.points_price * lq.qty
        try:
            ledger.debit(member, points, "mall", keys.mall_spend(lq.line.id), order_id=lq.line.order_id,
                         at=checkout.created_at)
        except Conflict:
            raise FieldErrors(_("Not enough points."), {f"lines.{lq.index}.redeem": [
                _("Your points changed meanwhile: you have %(n)s.", n=f"{member.points_available:,}")]},
                code="insufficient_points") from None
        db.session.add(MallPurchase(redeemable_id=item.id, membership_id=member.id, order_id=lq.line.order_id,
                                    order_line_id=lq.line.id, qty=lq.qty, points=points, cash=lq.net,
                                    qty_returned=0, created_at=checkout.created_at))
    db.session.flush()


def on_order_refunded(sender, order, **kwargs) -> None:
    """Points of refunded (or cancelled) points-mall units go back to the lots they came from, with their expiry,
    and the units count no more against the per-member limit; the cash part is refunded as money by the core."""
    purchases = db.session.execute(db.select(MallPurchase).filter_by(order_id=order.id)
                                   .order_by(MallPurchase.id)).scalars().all()
    everything = order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
    for purchase in purchases:
        line = db.session.get(OrderLine, purchase.order_line_id)
        upto = purchase.qty if everything else line.refunded_qty
        before = purchase.qty_returned
        if upto <= before:
            continue
        # Only the refund that moves qty_returned from what it read gives the points back: a replay does nothing.
        moved = db.session.execute(
            update(MallPurchase).where(MallPurchase.id == purchase.id, MallPurchase.qty_returned == before)
            .values(qty_returned=upto).execution_options(synchronize_session=False)).rowcount
        if moved != 1:
            continue
        set_committed_value(purchase, "qty_returned", upto)
        member = db.session.get(Membership, purchase.membership_id)
        entry = db.session.execute(db.select(PointsEntry).filter_by(
            idempotency_key=keys.mall_spend(line.id))).scalar_one()
        units = upto - before
        ledger.return_to_lots(member, entry, purchase.points // purchase.qty * units,
                              keys.mall_return(line.id, upto), order_id=order.id)
        db.session.execute(update(MallCount).where(MallCount.redeemable_id == purchase.redeemable_id,
                                                   MallCount.membership_id == member.id)
                           .values(bought=MallCount.bought - units).execution_options(synchronize_session=False))
    db.session.flush()
