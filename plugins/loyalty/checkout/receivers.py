"""Order receivers: capture at checkout, pending points on payment, release at settlement, refunds."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from mall import clock, signals
from mall.errors import Conflict
from mall.extensions import db
from mall.insert_once import insert_once
from mall.ledger import Batch, Change, New, Once
from mall.money import ZERO, round_half_up
from mall.orders.models import Order, OrderStatus
from mall.request_cache import remembered
from plugins.loyalty.checkout.models import HandledEvent, OrderCredit
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import credit_metric, effective_tier, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.points.operations import kept_quantities, metric_for, paid_goods, points_for
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.referrals.operations import reward_referrer
from plugins.loyalty.wallet.operations import move, move_posting, moved, wallet_for

# A credit row's figures before anything is recorded in it.
_NEW_CREDIT = {"multiplier": "1", "points_redeemed": 0, "points_value": ZERO, "points_returned": 0, "pending": 0,
               "released": 0, "metric": ZERO, "metric_counted": False, "shortfall": 0}
# On an order instance created by this transaction's checkout (a rollback discards the instance): its
# payment was recorded with the capture, so on_order_paid has nothing left to do.
_PAID_RECORDED = "loyalty_paid_recorded"


def connect(app) -> None:
    """Subscribe the loyalty receivers to this app's lifecycle signals (other apps stay untouched)."""
    for signal, receiver in ((signals.checkout_placed, on_checkout_placed), (signals.order_paid, on_order_paid),
                             (signals.order_settled, on_order_settled), (signals.order_refunded, on_order_refunded),
                             (signals.order_cancelled, on_order_refunded)):
        signal.connect(receiver, sender=app)


def _credit_row(order, member) -> OrderCredit:
    """The order's row in a programme, created on first use (remembered for the request)."""
    return remembered("credit_row", (order.id, member.id), lambda: _load_credit_row(order, member))


def _load_credit_row(order, member) -> OrderCredit:
    row = db.session.execute(
        db.select(OrderCredit).filter_by(order_id=order.id, membership_id=member.id)
    ).scalar_one_or_none()
    if row is None:
        row = OrderCredit(order_id=order.id, membership_id=member.id, **_NEW_CREDIT)
        db.session.add(row)
        db.session.flush()
    return row


def on_checkout_placed(sender, checkout, orders, quote, user, **kwargs) -> None:
    """Take what the quote promised (coupons, points, wallet) and record what paying earns, in one batch.

    The orders are paid in this same transaction once the gateway has charged, or nothing is kept; so
    their pending points, last_order_at, credit rows and handled "paid" events go in with the captures
    (one statement on PostgreSQL), unless a programme counts its level metric at payment.
    """
    plan = getattr(quote, "loyalty_plan", None)
    coupons, redemptions = (plan.coupons, plan.redemptions) if plan is not None else ([], [])
    at = checkout.created_at
    earning = [_programmes_of(order, at) for order in orders]
    early = all(rules(programme).count_at != "payment" for pairs in earning for programme, _m in pairs)
    batch = Batch()
    for coupon, index in coupons:
        batch.add([coupon_ops.use_claim(coupon, checkout.id, orders[index].id, at)],
                  lambda results: coupon_ops.claimed(results[0]))
    for index, (order, oq) in enumerate(zip(orders, quote.orders, strict=True)):
        spent = {r.member.id: r for r in redemptions if r.order_index == index}
        paid = {member.id: (programme, member) for programme, member in earning[index]} if early else {}
        if early:
            inspect(order).info[_PAID_RECORDED] = True
            batch.add([Once(HandledEvent.__table__, {"idempotency_key": f"paid:{order.id}", "created_at": at})],
                      _handled_now)
        payments = oq.payment_rows()
        for member_id in dict.fromkeys([*spent, *paid]):
            _capture(batch, order, payments, spent.get(member_id), paid.get(member_id), at)
    wallet = None
    for order, oq in zip(orders, quote.orders, strict=True):
        for share in oq.payments:
            if not share.method.startswith("wallet_") or share.amount <= 0:
                continue
            wallet = wallet or wallet_for(user)
            balance = share.method.removeprefix("wallet_")
            posting = move_posting(wallet, balance, -share.amount, "payment", f"pay:{order.id}:{balance}",
                                   order_id=order.id)
            batch.add([posting], lambda results, wallet=wallet, posting=posting: moved(wallet, posting, results[0]))
    batch.send()


def _capture(batch: Batch, order, payments, redemption, earns, at) -> None:
    """One membership's part of a checkout: the points it spends, what paying earns, its credit row."""
    member = redemption.member if redemption is not None else earns[1]
    figures, pending, last = _paid_work(order, *earns, at, payments) if earns else ({}, None, None)
    if redemption is not None:
        # Spending and earning move one membership row: one update for both.
        debit = ledger.debit_parts(member, redemption.points, "redeem", f"redeem:{order.id}:{member.id}",
                                   order_id=order.id, at=at, joint=(pending,) if pending else (),
                                   also={"last_order_at": last} if last else None)

        def take_in(results):
            ledger.debited(member, debit, results)
            if pending is not None:
                ledger.posted(member, pending, results[0].joint[0])

        batch.add(debit, take_in)
    elif pending is not None:
        batch.add([pending], lambda results: ledger.posted(member, pending, results[0]))
    elif last is not None:
        member.last_order_at = last
    if redemption is not None or figures:
        redeemed = {"points_redeemed": redemption.points, "points_value": redemption.value} if redemption else {}
        batch.add([New(OrderCredit.__table__, {**_NEW_CREDIT, "order_id": order.id, "membership_id": member.id,
                                                **redeemed, **figures})])


def _handled_now(results) -> None:
    if results[0] is None:
        raise Conflict(_("This order was handled already."), code="order_handled")


def _paid_work(order, programme, member, at, payments):
    """What paying an order earns in one programme: the credit row's figures, the pending posting, last_order_at."""
    r = rules(programme)
    tier = effective_tier(member, at)
    earned = points_for(order, r, tier.points_multiplier, payments=payments)
    figures = {"multiplier": str(tier.points_multiplier), "pending": earned, "metric": metric_for(order, r)}
    # The latest paid order counts, whatever order the events arrive in.
    last = max(member.last_order_at, at) if member.last_order_at else at
    pending = ledger.entry_posting(member, "pending", earned, f"earn:{order.id}:{member.id}", "earn",
                                   {"last_order_at": last}, order_id=order.id) if earned else None
    return figures, pending, last


def _programmes_of(order, at=None):
    """(programme, membership) pairs an order earns in: those the shopper belonged to when paying."""
    paid_at = order.paid_at or at or clock.now()
    pairs = []
    for programme in (programme_for(order.tenant), platform_programme()):
        member = membership(programme, order.user)
        # Joining after paying does not make an earlier order count.
        if member is not None and member.joined_at <= paid_at:
            pairs.append((programme, member))
    return pairs


def first_time(key: str) -> bool:
    """True the first time an order event is handled; a replayed signal or job gets False and does nothing."""
    return insert_once(HandledEvent(idempotency_key=key, created_at=clock.now())) is not None


def on_order_paid(sender, order, **kwargs) -> None:
    """Pending points from payment; level metric now when counted at payment; renew inactivity.

    The handled-event key gates one batch: the pending points with each membership's last_order_at,
    and the credit rows' new figures; a replayed event writes nothing. An order whose checkout already
    recorded all this (on_checkout_placed) needs nothing more.
    """
    if inspect(order).info.get(_PAID_RECORDED):
        return
    at = order.paid_at or clock.now()
    batch, counted_at_payment = Batch(), []
    for programme, member in _programmes_of(order):
        figures, posting, last = _paid_work(order, programme, member, at, None)
        row = _credit_row(order, member)

        def take_in(results, member=member, posting=posting, last=last):
            # A replayed entry key or nothing earned: last_order_at still moves.
            if posting is None or ledger.posted(member, posting, results[0]) is None:
                member.last_order_at = last

        batch.add([posting] if posting is not None else [], take_in)
        batch.add([Change(OrderCredit.__table__, row.id, figures)],
                  lambda _results, row=row, figures=figures: _set_committed(row, figures))
        if rules(programme).count_at == "payment":
            counted_at_payment.append((row, member))
    if not batch.send(gate=Once(HandledEvent.__table__, {"idempotency_key": f"paid:{order.id}",
                                                          "created_at": clock.now()})):
        return
    for row, member in counted_at_payment:
        _count_metric(row, member, at, order)
    db.session.flush()


def _set_committed(row, figures: dict) -> None:
    """A row's columns as the database now has them, without reloading it."""
    for name, value in figures.items():
        set_committed_value(row, name, value)


def _count_metric(row: OrderCredit, member: Membership, at, order) -> None:
    if row.metric_counted:
        return
    row.metric_counted = True
    row.metric_counted_at = at
    credit_metric(member, row.metric, f"metric:{order.id}:{member.id}", at, order_id=order.id)


def on_order_settled(sender, order, at, **kwargs) -> None:
    """Pending points become available, the level metric counts, the tier's rebate and any referral are paid."""
    if not first_time(f"settled:{order.id}"):
        return
    for programme, member in _programmes_of(order):
        row = _credit_row(order, member)
        r = rules(programme)
        if row.pending:
            ledger.add_pending(member, -row.pending, "unlock", f"unlock:{order.id}:{member.id}", order_id=order.id)
            ledger.credit(member, row.pending, "earn", f"earned:{order.id}:{member.id}", order_id=order.id, at=at,
                          funded_by=programme.funder)
            row.released, row.pending = row.pending, 0
        if r.count_at == "settlement":
            row.metric = metric_for(order, r, kept_quantities(order))
            _count_metric(row, member, at, order)
        tier = effective_tier(member, at)
        if tier.rebate_rate > 0:
            rebate = round_half_up(paid_goods(order, kept_quantities(order)) * tier.rebate_rate)
            if rebate > 0:
                move(wallet_for(order.user), "bonus", rebate, "rebate", f"rebate:{order.id}:{member.id}",
                     order_id=order.id, funded_by=programme.funder)
    reward_referrer(order, at)
    db.session.flush()


def on_order_refunded(sender, order, refund, actor=None, **kwargs) -> None:
    """Wallet money back to its balances; points, pending points, level credit and coupons as specified."""
    if not first_time(f"refund:{refund.id}"):
        return
    key = refund.idempotency_key
    wallet = None
    for method, amount in (refund.by_method or {}).items():
        if method.startswith("wallet_") and Decimal(amount) > 0:
            wallet = wallet or wallet_for(order.user)
            move(wallet, method.removeprefix("wallet_"), Decimal(amount), "refund", f"{key}:{method}",
                 order_id=order.id)
    everything = order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
    kept = kept_quantities(order)
    paid_goods = sum((line.paid for line in order.lines), ZERO)
    refunded_goods = sum((Decimal(row["amount"]) for row in refund.lines or []), ZERO)
    for programme, member in _programmes_of(order):
        row = _credit_row(order, member)
        _return_points(row, member, order, key, everything, refunded_goods, paid_goods)
        earned = 0 if everything else points_for(order, rules(programme), Decimal(row.multiplier), kept)
        if row.pending:
            ledger.add_pending(member, min(earned, row.pending) - row.pending, "cancel", f"{key}:pending:{member.id}",
                               order_id=order.id)
            row.pending = min(earned, row.pending)
        elif row.released > earned:
            _taken, shortfall = ledger.take_back(member, row.released - earned, f"{key}:clawback:{member.id}",
                                                 order_id=order.id)
            row.released = earned
            row.shortfall += shortfall
        if row.metric_counted:
            new_metric = ZERO if everything else metric_for(order, rules(programme), kept)
            if new_metric != row.metric:
                credit_metric(member, new_metric - row.metric, f"{key}:metric:{member.id}", clock.now(),
                              order_id=order.id)
                row.metric = new_metric
        elif everything:
            row.metric = ZERO
    if everything:
        _restore_coupons(order)
    db.session.flush()


def _return_points(row, member, order, key, everything, refunded_goods, paid_goods) -> None:
    left = row.points_redeemed - row.points_returned
    if left <= 0:
        return
    redeem = db.session.execute(
        db.select(PointsEntry).filter_by(idempotency_key=f"redeem:{order.id}:{member.id}")
    ).scalar_one_or_none()
    if everything and redeem is not None:
        returned = ledger.return_to_lots(member, redeem, left, f"{key}:points:{member.id}", order_id=order.id)
    else:
        share = Fraction(refunded_goods) / Fraction(paid_goods) if paid_goods else Fraction(0)
        # round(redeemed × share) to a whole point, halves up, computed exactly.
        n = min(math.floor(row.points_redeemed * share + Fraction(1, 2)), left)
        entry = ledger.credit(member, n, "return", f"{key}:points:{member.id}", order_id=order.id)
        returned = n if entry is not None else 0
    row.points_returned += returned


def coupons_on_full_refund(order: Order, at, *, preview: bool = False) -> list[tuple[Coupon, str]]:
    """What a full refund of the order does to the coupons it used: (coupon, "returned" | "expired" |
    "checkout_open"). The shop coupon comes back unless it has expired; the checkout's platform coupon only once
    every other order of the checkout is refunded too (a preview counts this order as refunded already)."""
    coupons = db.session.execute(
        db.select(Coupon).where(db.or_(Coupon.used_order_id == order.id, Coupon.used_checkout_id == order.checkout_id))
        .order_by(Coupon.id)).scalars().all()
    out = []
    for coupon in coupons:
        if coupon.programme.is_platform:
            statuses = db.session.execute(
                db.select(Order.status).where(Order.checkout_id == order.checkout_id,
                                              Order.id != order.id if preview else db.true())).scalars().all()
            if any(s not in (OrderStatus.REFUNDED, OrderStatus.CANCELLED) for s in statuses):
                out.append((coupon, "checkout_open"))
                continue
        elif coupon.used_order_id != order.id:
            continue
        out.append((coupon, "returned" if coupon.valid_until > at else "expired"))
    return out


def _restore_coupons(order: Order) -> None:
    """Give back the coupons a full refund returns."""
    at = clock.now()
    for coupon, outcome in coupons_on_full_refund(order, at):
        if outcome == "returned":
            coupon_ops.restore(coupon, at)
