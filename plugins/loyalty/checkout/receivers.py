"""Order receivers: capture at checkout, pending points on payment, release at settlement, refunds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy.orm.attributes import set_committed_value

from mall import clock, signals
from mall.errors import Conflict
from mall.extensions import db
from mall.insert_once import insert_once
from mall.ledger import Batch, Change, New, Once
from mall.money import ZERO, round_half_up
from mall.orders.models import Order, OrderStatus
from mall.request_cache import remembered
from plugins.loyalty import keys
from plugins.loyalty.checkout.models import HandledEvent, OrderCredit
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import credit_metric, effective_tier, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.points.operations import kept_quantities, metric_for, paid_goods
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.referrals.operations import reward_referrer
from plugins.loyalty.rules import operations as rule_ops
from plugins.loyalty.wallet.operations import move, move_posting, moved, wallet_for

# A credit row's figures before anything is recorded in it.
_NEW_CREDIT = {"multiplier": "1", "points_redeemed": 0, "points_value": ZERO, "points_returned": 0, "pending": 0,
               "released": 0, "metric": ZERO, "metric_counted": False, "shortfall": 0}


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

    What paying the orders earns (pending points, last_order_at, credit rows) goes in with the captures,
    in one statement on PostgreSQL, with each order's handled "paid" event: the order_paid that follows,
    in a later transaction or process, finds that event and does nothing more. A card that is declined
    leaves the orders pending payment, and their cancellation takes all of it back. A programme that
    counts its level metric at payment waits for order_paid instead.
    """
    plan = quote.extensions.get("loyalty")
    coupons, redemptions = (plan.coupons, plan.redemptions) if plan is not None else ([], [])
    at = checkout.created_at
    earning = [_programmes_of(order, at) for order in orders]
    early = all(rules(programme).count_at != "payment" for pairs in earning for programme, _m in pairs)
    earned = rule_ops.earnings([(o, oq.payment_rows(), pairs) for o, oq, pairs in zip(orders, quote.orders, earning,
                                                                                    strict=True)], at) if early else {}
    batch = Batch()
    for coupon, index in coupons:
        batch.add([coupon_ops.use_claim(coupon, checkout.id, orders[index].id, at)],
                  lambda results, c=coupon, o=orders[index].id: coupon_ops.claimed(results[0], c, o, at))
    for index, (order, oq) in enumerate(zip(orders, quote.orders, strict=True)):
        spent = {r.member.id: r for r in redemptions if r.order_index == index}
        paid = {member.id: (programme, member) for programme, member in earning[index]} if early else {}
        if early:
            batch.add([Once(HandledEvent.__table__, {"idempotency_key": keys.paid(order.id), "created_at": at})],
                      _handled_now)
        payments = oq.payment_rows()
        for member_id in dict.fromkeys([*spent, *paid]):
            _capture(batch, order, payments, spent.get(member_id), paid.get(member_id), at,
                     earned.get((order.id, member_id)))
    wallet = None
    for order, oq in zip(orders, quote.orders, strict=True):
        for share in oq.payments:
            if not share.method.startswith("wallet_") or share.amount <= 0:
                continue
            wallet = wallet or wallet_for(user)
            balance = share.method.removeprefix("wallet_")
            posting = move_posting(wallet, balance, -share.amount, "payment", keys.wallet_payment(order.id, balance),
                                   order_id=order.id)
            batch.add([posting], lambda results, wallet=wallet, posting=posting: moved(wallet, posting, results[0]))
    batch.send()


def _capture(batch: Batch, order, payments, redemption, earns, at, earning=None) -> None:
    """One membership's part of a checkout: the points it spends, what paying earns, its credit row."""
    member = redemption.member if redemption is not None else earns[1]
    figures, pending, last = _paid_work(order, *earns, at, earning) if earns else ({}, None, None)
    if redemption is not None:
        # Spending and earning move one membership row: one update for both.
        debit = ledger.debit_parts(member, redemption.points, "redeem", keys.redeem(order.id, member.id),
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


def _paid_work(order, programme, member, at, earning):
    """What paying an order earns in one programme (its `earning`, rule extras granted): the credit row's figures,
    the pending posting, last_order_at."""
    r = rules(programme)
    tier, earned = effective_tier(member, at), earning.points
    figures = {"multiplier": str(tier.points_multiplier), "pending": earned, "metric": metric_for(order, r)}
    # The latest paid order counts, whatever order the events arrive in.
    last = max(member.last_order_at, at) if member.last_order_at else at
    pending = ledger.entry_posting(member, "pending", earned, keys.earn(order.id, member.id), "earn",
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


def _handled(key: str) -> bool:
    """Whether an order event is recorded as handled already (one indexed look-up)."""
    return db.session.execute(
        db.select(HandledEvent.id).filter_by(idempotency_key=key)
    ).first() is not None


def first_time(key: str) -> bool:
    """True the first time an order event is handled; a replayed signal or job gets False and does nothing."""
    return insert_once(HandledEvent(idempotency_key=key, created_at=clock.now())) is not None


def on_order_paid(sender, order, **kwargs) -> None:
    """Pending points from payment; level metric now when counted at payment; renew inactivity.

    The handled-event key gates one batch: the pending points with each membership's last_order_at,
    and the credit rows' new figures; a replayed event writes nothing. An order whose checkout already
    recorded all this (on_checkout_placed wrote its handled "paid" event) needs nothing more.
    """
    if _handled(keys.paid(order.id)):
        return
    at = order.paid_at or clock.now()
    batch, counted_at_payment, pairs = Batch(), [], _programmes_of(order)
    earned = rule_ops.earnings([(order, None, pairs)], at)
    for programme, member in pairs:
        figures, posting, last = _paid_work(order, programme, member, at, earned[(order.id, member.id)])
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
    if not batch.send(gate=Once(HandledEvent.__table__, {"idempotency_key": keys.paid(order.id),
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
    credit_metric(member, row.metric, keys.metric(order.id, member.id), at, order_id=order.id)


def on_order_settled(sender, order, at, **kwargs) -> None:
    """Pending points become available, the level metric counts, the tier's rebate and any referral are paid."""
    if not first_time(keys.settled(order.id)):
        return
    for programme, member in _programmes_of(order):
        row = _credit_row(order, member)
        r = rules(programme)
        if row.pending:
            ledger.add_pending(member, -row.pending, "unlock", keys.unlock(order.id, member.id), order_id=order.id)
            ledger.credit(member, row.pending, "earn", keys.earned(order.id, member.id), order_id=order.id, at=at,
                          funded_by=programme.funder)
            row.released, row.pending = row.pending, 0
        if r.count_at == "settlement":
            row.metric = metric_for(order, r, kept_quantities(order))
            _count_metric(row, member, at, order)
        tier = effective_tier(member, at)
        if tier.rebate_rate > 0:
            rebate = rebate_for(order, tier)
            if rebate > 0:
                move(wallet_for(order.user), "bonus", rebate, "rebate", keys.rebate(order.id, member.id),
                     order_id=order.id, funded_by=programme.funder)
    reward_referrer(order, at)
    db.session.flush()


def rebate_for(order, tier) -> Decimal:
    """The wallet rebate a settled order earns at a tier: its kept goods money × the tier's rebate rate, rounded."""
    if tier is None or tier.rebate_rate <= 0:
        return ZERO
    return round_half_up(paid_goods(order, kept_quantities(order)) * tier.rebate_rate)


def on_order_refunded(sender, order, refund, actor=None, **kwargs) -> None:
    """Wallet money back to its balances; points, pending points, level credit and coupons as specified."""
    if not first_time(keys.refunded(refund.id)):
        return
    key = refund.idempotency_key
    wallet = None
    for method, amount in (refund.by_method or {}).items():
        if method.startswith("wallet_") and Decimal(amount) > 0:
            wallet = wallet or wallet_for(order.user)
            move(wallet, method.removeprefix("wallet_"), Decimal(amount), "refund", keys.refund_wallet(key, method),
                 order_id=order.id)
    everything = order.status in (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
    paid = sum((line.paid for line in order.lines), ZERO)
    refunded = sum((Decimal(row["amount"]) for row in refund.lines or []), ZERO)
    share = Fraction(refunded) / Fraction(paid) if paid else Fraction(0)
    for programme, member in _programmes_of(order):
        _apply(reversal(order, programme, member, _credit_row(order, member), everything, share), order, key)
    if everything:
        _restore_coupons(order)
    db.session.flush()


@dataclass
class Reversal:
    """What a refund undoes in one programme: computed by `reversal`, applied by the refund receiver and
    shown, for a full refund, by the order's refund preview."""

    programme: object
    member: Membership
    row: OrderCredit
    everything: bool  # the order is wholly refunded (or cancelled) afterwards
    give_back: int  # redeemed points returned
    redeem_entry: PointsEntry | None  # set when they go back into the lots they came from
    cancel: int  # pending points cancelled
    take_back: int  # earned points taken back from the available balance
    short: int  # of those, what the balance (after the give-back) cannot cover
    metric: Decimal  # the level metric the order counts afterwards


def reversal(order, programme, member, row, everything: bool, share: Fraction, redeemed=None,
             grants=None) -> Reversal:
    """What refunding `share` of the order's goods money (the whole order when `everything`) undoes in a
    programme, per PROGRAMME.md "Refunds"; nothing is written. `redeemed(order, member)` finds the entry
    that spent the order's points, `grants(order, member)` what its earning rules gave (by default in the
    database)."""
    kept = {line.id: 0 for line in order.lines} if everything else kept_quantities(order)
    left = row.points_redeemed - row.points_returned
    entry = (redeemed or _redeem_entry)(order, member) if everything and left > 0 else None
    # A partial refund returns round(redeemed × share) points, halves up, computed exactly.
    give_back = max(left if entry is not None else min(math.floor(row.points_redeemed * share + Fraction(1, 2)),
                                                        left), 0)
    earned = 0 if everything else rule_ops.kept_points(order, rules(programme), member, Decimal(row.multiplier),
                                                        kept, grants(order, member) if grants else None)
    cancel = row.pending - min(earned, row.pending) if row.pending else 0
    take_back = row.released - earned if not row.pending and row.released > earned else 0
    return Reversal(programme=programme, member=member, row=row, everything=everything, give_back=give_back,
                    redeem_entry=entry, cancel=cancel, take_back=take_back,
                    short=max(take_back - member.points_available - give_back, 0),
                    metric=ZERO if everything else metric_for(order, rules(programme), kept))


def _redeem_entry(order, member) -> PointsEntry | None:
    return db.session.execute(db.select(PointsEntry).filter_by(idempotency_key=keys.redeem(order.id, member.id))
                              ).scalar_one_or_none()


def _apply(rev: Reversal, order, key: str) -> None:
    """Write a reversal under the refund's key: each part once, whatever replays."""
    member, row = rev.member, rev.row
    if rev.give_back:
        if rev.redeem_entry is not None:
            returned = ledger.return_to_lots(member, rev.redeem_entry, rev.give_back,
                                             keys.refund_points(key, member.id), order_id=order.id)
        else:
            entry = ledger.credit(member, rev.give_back, "return", keys.refund_points(key, member.id),
                                  order_id=order.id)
            returned = rev.give_back if entry is not None else 0
        row.points_returned += returned
    if row.pending:
        ledger.add_pending(member, -rev.cancel, "cancel", keys.refund_pending(key, member.id), order_id=order.id)
        row.pending -= rev.cancel
    elif rev.take_back:
        _taken, shortfall = ledger.take_back(member, rev.take_back, keys.refund_clawback(key, member.id),
                                             order_id=order.id)
        row.released -= rev.take_back
        row.shortfall += shortfall
    if row.metric_counted:
        if rev.metric != row.metric:
            credit_metric(member, rev.metric - row.metric, keys.refund_metric(key, member.id), clock.now(),
                          order_id=order.id)
            row.metric = rev.metric
    elif rev.everything:
        row.metric = ZERO


def full_refund_preview(order) -> list[Reversal]:
    """What refunding the rest of the order would undo in each programme it has a credit row in (nothing written)."""
    paid = sum((line.paid for line in order.lines), ZERO)
    rest = sum((line.paid - line.refunded_amount for line in order.lines), ZERO)
    share = Fraction(rest) / Fraction(paid) if paid else Fraction(0)
    out = []
    for row in db.session.execute(db.select(OrderCredit).where(OrderCredit.order_id == order.id)
                                  .order_by(OrderCredit.id)).scalars():
        member = db.session.get(Membership, row.membership_id)
        out.append(reversal(order, member.programme, member, row, True, share))
    return out


def coupons_on_full_refund(order: Order, at, *, preview: bool = False) -> list[tuple[Coupon, str]]:
    """What a full refund of the order does to the coupons it used: (coupon, "returned" | "expired" |
    "checkout_open"). The shop coupon comes back unless it has expired; the checkout's platform coupon only once
    every other order of the checkout is refunded too (a preview counts this order as refunded already)."""
    coupons = db.session.execute(
        db.select(Coupon).where(db.or_(Coupon.used_order_id == order.id, Coupon.used_checkout_id == order.checkout_id))
        .order_by(Coupon.id)
        # The capture marks coupons used in SQL: a coupon loaded before it would still look unused.
        .execution_options(populate_existing=True)).scalars().all()
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
