"""Bonuses (referral, review, birthday) and the platform's coupon and points at a two-shop checkout."""

import copy
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.fixtures.programmes import START


def _points(programme, user):
    db.session.expire_all()
    m = membership(programme, user)
    return m.points_available, m.points_pending


def test_referral_pays_the_referrer_and_the_newcomer_gets_the_join_bonus(make_programme, make_user, client,
                                                                         make_shop, make_product, checkout_at, settle):
    """Mall Plus: 200 points to whoever referred, once the newcomer's first order settles; 50 to every new
    member; an unknown code is a 422."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    referrer = make_user(address=False)  # the friend ships to HOME, which must not be the referrer's address
    assert _points(platform, referrer) == (50, 0)
    body = {"email": "friend@example.com", "password": "secret-pass-1", "name": "Friend",
            "referral_code": referrer.referral_code}
    assert client.post("/api/v1/auth/register", json=body).status_code == 201
    assert _points(platform, referrer) == (50, 0)
    bad = client.post("/api/v1/auth/register", json={**body, "email": "x@example.com", "referral_code": "NOPE"})
    assert bad.status_code == 422 and "referral_code" in bad.json["error"]["fields"]
    from mall.accounts.models import User

    (order,) = checkout_at(User.by_email("friend@example.com"), START, (make_product(make_shop()), 1))
    settle(order, START + timedelta(days=1))
    assert _points(platform, referrer) == (250, 0)


def test_a_review_earns_the_shops_review_bonus_once(make_shop, make_product, make_user, make_programme, api,
                                                    checkout_at):
    """Four tiers: 10 points for reviewing a completed order's line; a second review is refused and earns nothing."""
    shop = make_shop()
    programme = make_programme(shop, FOUR_TIERS)
    user = make_user()
    with clock.frozen_at(START):
        join_programme(programme, user)
    product = make_product(shop, price="30.00")
    (order,) = checkout_at(user, START, (product, 1))
    orders.ship(order, None)
    orders.complete(order, None)
    db.session.commit()
    client = api(user)
    url = f"/api/v1/orders/{order.id}/lines/{order.lines[0].id}/review"
    assert client.post(url, json={"rating": 5, "text": "Lovely"}).status_code == 201
    assert _points(programme, user) == (100 + 10, 30)
    assert client.post(url, json={"rating": 4, "text": "Again"}).status_code == 409
    assert _points(programme, user) == (110, 30)


def test_birthday_points_once_a_year(make_shop, make_user, make_programme):
    """88 birthday points on the tick of the birthday (Shanghai time), once however often it runs; again next year."""
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["bonuses"]["birthday"] = 88
    doc["points"]["expiry"] = {"policy": "none"}  # so last year's birthday points are still there to count
    shop = make_shop()
    programme = make_programme(shop, doc)
    user = make_user(birthday=date(1991, 2, 10))
    join_programme(programme, user)
    db.session.commit()
    before = START.replace(month=2, day=9)  # 10:00 in Shanghai on 9 February
    run_tick(before)
    assert _points(programme, user) == (100, 0)
    on_the_day = before + timedelta(days=1)
    for hours in (0, 5, 12):
        run_tick(on_the_day + timedelta(hours=hours))
    assert _points(programme, user) == (188, 0)
    run_tick(on_the_day.replace(year=2027))
    assert _points(programme, user) == (276, 0)


@pytest.fixture
def two_shops(make_shop, make_product, make_user, make_programme):
    """Mall Plus over two shops without programmes: a 300.00 coat in one, a 100.00 hat in the other;
    a shopper with 1000 platform points (50 for joining + 950) and a platform 20-off-300 coupon."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    coat = make_product(make_shop(), price="300.00")
    hat = make_product(make_shop(), price="100.00")
    with clock.frozen_at(START):
        user = make_user()
        ledger.credit(membership(platform, user), 950, "adjust", "seed:950")
        template = coupon_ops.create_template(platform, {"name": "20 off 300", "kind": "amount_off", "value": "20",
                                                         "min_spend": "300", "valid_days": 30})
        coupon = coupon_ops.issue(template, user, "staff")
        db.session.commit()
    return {"platform": platform, "coat": coat, "hat": hat, "user": user, "coupon": coupon}


def test_platform_coupon_and_points_spread_over_two_shops(two_shops, checkout_at):
    """The coupon's 20.00 splits 15.00 / 5.00 by goods; 1000 points (10.00, within the 10 % cap of 38.00)
    split 7.50 / 2.50 by what is left, as 750 / 250 points; each order earns its floor: 277 + 92 = 369."""
    t = two_shops
    coat_order, hat_order = checkout_at(t["user"], START, (t["coat"], 1), (t["hat"], 1),
                                        coupons=[t["coupon"].id], points={"platform": 1000})
    assert (coat_order.total, hat_order.total) == (Decimal("277.50"), Decimal("92.50"))
    assert (coat_order.lines[0].paid, hat_order.lines[0].paid) == (Decimal("277.50"), Decimal("92.50"))
    assert _points(t["platform"], t["user"]) == (0, 369)


def test_platform_points_over_the_cap_name_the_maximum(two_shops, api):
    """10 % of 380.00 is 38.00 = 3800 points, but the balance is 1000: asking 1001 is a 422 naming 1000."""
    t = two_shops
    body = {"lines": [{"product_id": t["coat"].id, "qty": 1}, {"product_id": t["hat"].id, "qty": 1}],
            "coupons": [t["coupon"].id], "points": {"platform": 1001}}
    with clock.frozen_at(START):
        response = api(t["user"]).post("/api/v1/checkout/quote", json=body)
    assert response.status_code == 422 and "1000" in response.json["error"]["message"]


def test_platform_coupon_returns_only_when_both_orders_are_refunded(two_shops, checkout_at):
    """Refunding the hat returns its 250 points and cancels its 92 pending, but the coupon stays used until
    the coat is refunded too; then all 1000 points and the coupon are back."""
    t = two_shops
    coat_order, hat_order = checkout_at(t["user"], START, (t["coat"], 1), (t["hat"], 1),
                                        coupons=[t["coupon"].id], points={"platform": 1000})
    with clock.frozen_at(START + timedelta(hours=1)):
        orders.refund(hat_order, None, full=True)
        db.session.commit()
        assert _points(t["platform"], t["user"]) == (250, 277)
        assert db.session.get(Coupon, t["coupon"].id).status(clock.now()) == "used"
        orders.refund(coat_order, None, full=True)
        db.session.commit()
        assert _points(t["platform"], t["user"]) == (1000, 0)
        assert db.session.get(Coupon, t["coupon"].id).status(clock.now()) == "available"
    assert violations() == []
