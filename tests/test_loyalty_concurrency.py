"""Concurrency on PostgreSQL, 32 threads: the same points, wallet and coupon spent once; stock 10 issues 10."""

from decimal import Decimal

from mall.accounts.models import User
from mall.checkout.operations import place_checkout
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.wallet.models import Wallet
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.conftest import requires_pg
from tests.races_support import race

THREADS = 32




@requires_pg
def test_claiming_a_coupon_with_stock_10(app, make_shop, make_user, make_programme):
    """32 shoppers claim a coupon with stock 10 at once: exactly 10 get one."""
    shop = make_shop()
    programme = make_programme(shop, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "10 off", "kind": "amount_off", "value": "10.00",
                                                      "valid_days": 7, "claimable": True, "stock": 10})
    db.session.commit()
    users = [make_user().id for _ in range(THREADS)]
    pid, tid = programme.id, template.id

    def claim(i):
        from plugins.loyalty.programmes.models import Programme

        coupon_ops.claim(db.session.get(Programme, pid), tid, db.session.get(User, users[i]))

    results = race(app, claim, THREADS)
    assert results.count("ok") == 10
    db.session.expire_all()
    assert db.session.get(CouponTemplate, tid).issued == 10
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 10
    assert violations() == []


@requires_pg
def test_the_same_points_wallet_and_coupon_spent_at_once(app, make_shop, make_user, make_product, make_programme):
    """One shopper with 1000 points, 100 in the wallet and one coupon checks out 32 times at once:
    each of points (500 a time), wallet (40 a time) and coupon is only taken while it lasts."""
    shop = make_shop(slug="race")
    programme = make_programme(shop, FOUR_TIERS)
    user = make_user()
    member, _ = join_programme(programme, user)
    from plugins.loyalty.points import operations as ledger

    ledger.credit(member, 900, "adjust", "seed:points")  # 100 join + 900 = 1000
    move(wallet_for(user), "cash", Decimal("100.00"), "top_up", "seed:wallet")
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5.00",
                                                      "valid_days": 7})
    coupon = coupon_ops.issue(template, user, "staff")
    product = make_product(shop, price="200.00", stock=1000)
    db.session.commit()
    uid, pid, cid, slug = user.id, product.id, coupon.id, shop.slug
    lines = [{"product_id": pid, "qty": 1}]

    def spend_points(i):
        place_checkout(db.session.get(User, uid), lines, {"points": {slug: 500}})

    def spend_wallet(i):
        place_checkout(db.session.get(User, uid), lines, {"wallet": "40.00"})

    def spend_coupon(i):
        place_checkout(db.session.get(User, uid), lines, {"coupons": [cid]})

    assert race(app, spend_points, THREADS).count("ok") == 2
    assert race(app, spend_wallet, THREADS).count("ok") == 2
    assert race(app, spend_coupon, THREADS).count("ok") == 1
    db.session.expire_all()
    m = db.session.execute(db.select(Membership).filter_by(user_id=uid)).scalar_one()
    assert m.points_available == 0
    assert db.session.execute(db.select(Wallet).filter_by(user_id=uid)).scalar_one().cash == Decimal("20.00")
    assert db.session.get(Coupon, cid).used_order_id is not None
    assert violations() == []


@requires_pg
def test_replaying_order_events_and_the_tick_credits_nothing_twice(app, make_shop, make_user, make_product,
                                                                     make_programme, checkout_at):
    """An order's payment, settlement and refund events each delivered 32 times at once, and the tick run
    32 times at once for the same moment: the points move exactly once each time."""
    from datetime import timedelta

    from flask import current_app

    from mall import clock, signals
    from mall.cli import run_tick
    from mall.orders import operations as orders
    from mall.orders.models import Order
    from plugins.loyalty.points.models import PointsEntry
    from tests.fixtures.programmes import START

    shop = make_shop(slug="replay", return_window_days=7)
    programme = make_programme(shop, FOUR_TIERS)  # 1 point per yuan for 普通 members, 100 for joining
    user = make_user()
    with clock.frozen_at(START):
        join_programme(programme, user)
        db.session.commit()
    product = make_product(shop, price="300.00", stock=100)
    (order,) = checkout_at(user, START, (product, 2))
    oid, uid, mid = order.id, user.id, programme.id

    def points():
        db.session.expire_all()
        m = db.session.execute(db.select(Membership).filter_by(user_id=uid, programme_id=mid)).scalar_one()
        return m.points_available, m.points_pending

    assert points() == (100, 600)
    app_ = current_app._get_current_object()

    def paid_again(i):
        signals.order_paid.send(app_, order=db.session.get(Order, oid))

    assert race(app, paid_again, THREADS).count("ok") == THREADS
    assert points() == (100, 600)

    with clock.frozen_at(START + timedelta(days=1)):
        orders.ship(db.session.get(Order, oid), None)
        db.session.commit()
    settle_at = START + timedelta(days=8, hours=1)

    def tick(i):
        run_tick(settle_at)

    assert race(app, tick, THREADS).count("ok") == THREADS
    assert points() == (700, 0)

    def settled_again(i):
        signals.order_settled.send(app_, order=db.session.get(Order, oid), at=settle_at)

    assert race(app, settled_again, THREADS).count("ok") == THREADS
    assert points() == (700, 0)

    order = db.session.get(Order, oid)
    with clock.frozen_at(settle_at + timedelta(days=1)):
        orders.refund(order, None, lines=[{"line_id": order.lines[0].id, "qty": 1}])
        db.session.commit()
    assert points() == (400, 0)  # 300 earned by the returned unit are taken back

    def refunded_again(i):
        o = db.session.get(Order, oid)
        signals.order_refunded.send(app_, order=o, refund=o.refunds[-1], actor=None)

    assert race(app, refunded_again, THREADS).count("ok") == THREADS
    assert points() == (400, 0)
    keys = db.session.execute(db.select(PointsEntry.idempotency_key).filter_by(order_id=oid)).scalars().all()
    assert len(keys) == len(set(keys)) == 4  # earn, unlock, earned, clawback
    assert violations() == []
