"""Ledger batches (mall.ledger.send): one statement on PostgreSQL, one by one elsewhere, the same outcome."""

from decimal import Decimal

import pytest

from mall.errors import Conflict
from mall.extensions import db
from mall.ledger import Once, send
from plugins.loyalty.checkout.models import HandledEvent
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import LotUse, PointsEntry, PointsLot
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.wallet.operations import move, move_posting, moved, wallet_for
from tests.conftest import requires_pg


@pytest.fixture
def member(make_shop, make_user, make_programme):
    """A four-tier member with 100 (join) + 300 + 200 points in three lots, the 300 expiring first."""
    from datetime import timedelta

    from mall import clock

    programme = make_programme(make_shop(), FOUR_TIERS)
    m, _ = join_programme(programme, make_user())
    ledger.credit(m, 300, "adjust", "seed:soon", expires_at=clock.now() + timedelta(days=5))
    ledger.credit(m, 200, "adjust", "seed:later", expires_at=clock.now() + timedelta(days=400))
    db.session.commit()
    return m


def _reload(member) -> Membership:
    db.session.expire_all()
    return db.session.get(Membership, member.id)


def test_a_debit_spends_the_earliest_expiring_lots_and_records_each_use(member):
    """Spending 350 of 600 takes the 300 lot first, then 50 from the next; the balance follows."""
    lots_before = {lot.amount: lot.remaining for lot in db.session.execute(db.select(PointsLot)).scalars()}
    entry_id = ledger.debit(member, 350, "redeem", "spend:1")
    db.session.commit()
    assert _reload(member).points_available == 600 - 350
    remaining = {lot.amount: lot.remaining for lot in db.session.execute(db.select(PointsLot)).scalars()}
    assert remaining[300] == 0
    assert sum(remaining.values()) == sum(lots_before.values()) - 350
    uses = db.session.execute(db.select(LotUse).filter_by(entry_id=entry_id).order_by(LotUse.id)).scalars().all()
    assert sum(u.points for u in uses) == 350
    assert uses[0].points == 300  # the earliest-expiring lot is used first, and recorded first
    assert violations() == []


def test_a_replayed_key_moves_nothing(member):
    """The same debit key twice: the second returns None and neither balance nor lots change again."""
    assert ledger.debit(member, 50, "redeem", "spend:once") is not None
    db.session.commit()
    assert ledger.debit(member, 50, "redeem", "spend:once") is None
    db.session.commit()
    assert _reload(member).points_available == 550
    assert db.session.execute(db.select(db.func.count(PointsEntry.id)).filter_by(idempotency_key="spend:once")
                              ).scalar() == 1
    assert violations() == []


def test_a_refused_debit_raises_and_the_rollback_leaves_nothing(member):
    """More points than the balance: 409, and after the rollback no entry, lot use or balance change remains."""
    with pytest.raises(Conflict) as refused:
        ledger.debit(member, 601, "redeem", "spend:too-much")
    assert refused.value.code == "insufficient_points"
    db.session.rollback()
    assert _reload(member).points_available == 600
    assert db.session.execute(db.select(PointsEntry).filter_by(idempotency_key="spend:too-much")).first() is None
    assert db.session.execute(db.select(db.func.count(LotUse.id))).scalar() == 0


def test_joint_postings_move_one_row_together(member):
    """A debit with a joint pending posting: both buckets move in one update, with last_order_at."""
    from mall import clock

    at = clock.now()
    pending = ledger.entry_posting(member, "pending", 70, "earn:joint", "earn")
    parts = ledger.debit_parts(member, 100, "redeem", "spend:joint", joint=(pending,),
                               also={"last_order_at": at})
    results = send(parts)
    ledger.debited(member, parts, results)
    ledger.posted(member, pending, results[0].joint[0])
    db.session.commit()
    fresh = _reload(member)
    assert (fresh.points_available, fresh.points_pending, fresh.last_order_at) == (500, 70, at)
    assert violations() == []


def test_joint_postings_are_all_or_nothing(member):
    """When the debit is refused, the joint pending posting does not move either."""
    pending = ledger.entry_posting(member, "pending", 70, "earn:refused", "earn")
    parts = ledger.debit_parts(member, 1000, "redeem", "spend:refused", joint=(pending,))
    results = send(parts)
    assert results[0].refused and results[0].joint[0].refused
    db.session.rollback()
    fresh = _reload(member)
    assert (fresh.points_available, fresh.points_pending) == (600, 0)


def test_two_moves_of_one_row_in_a_batch_both_count(member):
    """Two wallet payments from the same balance in one batch (sent as two statements on PostgreSQL)."""
    wallet = wallet_for(member.user)
    move(wallet, "cash", Decimal("50.00"), "top_up", "seed:cash")
    db.session.commit()
    parts = [move_posting(wallet, "cash", Decimal("-20.00"), "payment", "pay:a"),
             move_posting(wallet, "cash", Decimal("-25.00"), "payment", "pay:b")]
    for part, result in zip(parts, send(parts), strict=True):
        moved(wallet, part, result)
    db.session.commit()
    db.session.expire_all()
    assert wallet_for(member.user).cash == Decimal("5.00")
    assert violations() == []


def test_a_gate_used_before_stops_the_whole_batch(member):
    """With a handled-event gate whose key exists, nothing in the batch is written."""
    gate = {"idempotency_key": "paid:gate", "created_at": member.joined_at}
    first = send([ledger.entry_posting(member, "pending", 10, "earn:gate", "earn")],
                 gate=Once(HandledEvent.__table__, gate))
    assert first is not None and first[0].entry_id is not None
    db.session.commit()
    again = send([ledger.entry_posting(member, "pending", 10, "earn:gate-2", "earn")],
                 gate=Once(HandledEvent.__table__, gate))
    assert again is None
    db.session.commit()
    assert _reload(member).points_pending == 10
    assert db.session.execute(db.select(PointsEntry).filter_by(idempotency_key="earn:gate-2")).first() is None


def test_a_then_part_must_follow_its_posting(member):
    """Parts out of order are a programming error, refused before anything is written."""
    parts = ledger.debit_parts(member, 10, "redeem", "spend:order")
    with pytest.raises(ValueError):
        send([parts[1], parts[0]])



def test_expiring_again_at_the_same_moment_never_empties_a_lot_without_its_entry(member):
    """A lot lapses at T, gets refunded points back, and the tick for T runs again: the replayed expiry
    key lapses nothing, so the lots still add up to the balance."""
    from datetime import timedelta

    soon = db.session.execute(db.select(PointsLot).filter_by(amount=300)).scalar_one()
    redeem_id = ledger.debit(member, 200, "redeem", "spend:before-expiry")  # from the 300 lot, 100 left there
    db.session.commit()
    at = soon.expires_at + timedelta(seconds=1)
    assert ledger.expire_due(member, at) == 100
    db.session.commit()
    ledger.return_to_lots(member, db.session.get(PointsEntry, redeem_id), 100, "refund:points")
    db.session.commit()
    assert ledger.expire_due(member, at) == 0  # the same key as before: nothing lapses again
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(PointsLot, soon.id).remaining == 100
    assert _reload(member).points_available == 600 - 200 - 100 + 100
    assert violations() == []


@requires_pg
def test_a_checkouts_captures_are_one_statement_that_the_driver_keeps_parsed(app, make_shop, make_user, make_product,
                                                                             make_programme):
    """Coupon, points, wallet and pending points of a checkout go in one statement short enough (≤ 4 096
    bytes, ≤ 50 parameters) for psycopg to cache its parsed form, and it writes what it should."""
    from sqlalchemy import event

    from mall.checkout.operations import place_checkout
    from plugins.loyalty.checkout.models import OrderCredit
    from plugins.loyalty.coupons import operations as coupon_ops
    from plugins.loyalty.coupons.models import Coupon
    from plugins.loyalty.wallet.models import Wallet

    shop = make_shop()
    programme = make_programme(shop, FOUR_TIERS)
    user = make_user()
    m, _ = join_programme(programme, user)
    ledger.credit(m, 500, "adjust", "seed:points")
    move(wallet_for(user), "cash", Decimal("50.00"), "adjust", "seed:wallet", reason="seed")
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 30})
    coupon = coupon_ops.issue(template, user, "staff", "seed:coupon")
    product = make_product(shop, price="100.00")
    db.session.commit()
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("WITH"):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        placed = place_checkout(user, [{"product_id": product.id, "qty": 1}],
                                {"coupons": [coupon.id], "points": {shop.slug: 100}, "wallet": "10.00"})
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(seen) == 1
    statement, parameters = seen[0]
    assert len(statement.encode()) <= 4096 and len(parameters) <= 50
    order = placed.orders[0]
    db.session.expire_all()
    assert db.session.get(Coupon, coupon.id).used_order_id == order.id
    member = _reload(m)
    assert member.points_available == 400 + 100  # 100 spent from 500 plus the 100 joining bonus
    assert member.points_pending > 0
    assert db.session.get(Wallet, wallet_for(user).id).cash == Decimal("40.00")
    assert db.session.execute(db.select(OrderCredit).filter_by(order_id=order.id)).scalar_one().points_redeemed == 100
    assert violations() == []
