"""Concurrency on PostgreSQL, 32 threads: the same points, wallet and coupon spent once; stock 10 issues 10."""

import threading
from decimal import Decimal

from mall.accounts.models import User
from mall.checkout.operations import place_checkout
from mall.errors import DomainError
from mall.extensions import db
from plugins.loyalty import coupons as coupon_ops
from plugins.loyalty.audit import violations
from plugins.loyalty.lifecycle import join_programme
from plugins.loyalty.models import Coupon, CouponTemplate, Membership, Wallet
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.wallet import move, wallet_for
from tests.conftest import requires_pg

THREADS = 32


def _race(app, work) -> list[str]:
    """Run work(i) in 32 threads released together; collect "ok" or the refusal's code."""
    results: list[str] = []
    barrier = threading.Barrier(THREADS)

    def attempt(i):
        with app.app_context():
            barrier.wait()
            try:
                work(i)
                db.session.commit()
                results.append("ok")
            except DomainError as exc:
                db.session.rollback()
                results.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


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
        from plugins.loyalty.models import Programme

        coupon_ops.claim(db.session.get(Programme, pid), tid, db.session.get(User, users[i]))

    results = _race(app, claim)
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
    from plugins.loyalty import points as ledger

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

    assert _race(app, spend_points).count("ok") == 2
    assert _race(app, spend_wallet).count("ok") == 2
    assert _race(app, spend_coupon).count("ok") == 1
    db.session.expire_all()
    m = db.session.execute(db.select(Membership).filter_by(user_id=uid)).scalar_one()
    assert m.points_available == 0
    assert db.session.execute(db.select(Wallet).filter_by(user_id=uid)).scalar_one().cash == Decimal("20.00")
    assert db.session.get(Coupon, cid).used_order_id is not None
    assert violations() == []
