"""The loyalty endpoints of API.md: programmes, join, memberships, coupons, wallet, check-in, points."""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.invariants import violations
from plugins.loyalty.programmes.models import ProgrammeVersion
from plugins.loyalty.seeds import FOUR_TIERS, VANCL


@pytest.fixture
def shop_api(make_shop, make_user, api):
    """A shop, its owner's API client and a shopper's API client."""
    owner = make_user()
    shop = make_shop(owner=owner, slug="fourtier", shipping_fee=Decimal("10.00"))
    shopper = make_user()
    return shop, api(owner), api(shopper), shopper


def _put(client, slug, doc):
    return client.client.put(f"/api/v1/shops/{slug}/programme", json=doc,
                             headers={"Authorization": f"Bearer {client.token}"})


@pytest.mark.parametrize("path,value,field", [
    (("levels", "tiers", 2, "threshold"), "500", "levels.tiers.2.threshold"),  # decreasing thresholds
    (("levels", "tiers", 1, "discount"), "0", "discount"),
    (("levels", "tiers", 1, "discount"), "1.2", "discount"),
    (("points", "earn", "points"), "-1", "points"),
    (("points", "surprise"), 1, "surprise"),
])
def test_invalid_programme_documents_are_422_with_fields(shop_api, path, value, field):
    """Decreasing thresholds, discount 0 or above 1, negative rates and unknown keys → 422, nothing saved."""
    shop, owner, _shopper, _user = shop_api
    doc = copy.deepcopy(VANCL)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    response = _put(owner, shop.slug, doc)
    assert response.status_code == 422, response.json
    assert field in str(response.json["error"]["fields"])
    assert db.session.execute(db.select(ProgrammeVersion)).first() is None


def test_programme_put_versions_and_get(shop_api):
    """Each PUT stores a new version; GET returns the current document; shoppers get 403."""
    shop, owner, shopper, _user = shop_api
    first = _put(owner, shop.slug, VANCL)
    assert first.status_code == 200 and first.json["programme"]["version"] == 1
    second = _put(owner, shop.slug, {**VANCL, "name": "VANCL 2"})
    assert second.json["programme"]["version"] == 2
    got = owner.get(f"/api/v1/shops/{shop.slug}/programme").json["programme"]
    assert (got["name"], got["version"]) == ("VANCL 2", 2)
    assert shopper.get(f"/api/v1/shops/{shop.slug}/programme").status_code == 403
    assert _put(shopper, shop.slug, VANCL).status_code == 403


def test_join_gives_bonus_and_coupon_then_memberships(shop_api):
    """Four tiers: joining gives 100 points and a 10-yuan coupon valid 7 days; joining again is 200."""
    shop, owner, shopper, user = shop_api
    assert _put(owner, shop.slug, FOUR_TIERS).status_code == 200
    made = owner.post(f"/api/v1/shops/{shop.slug}/coupon-templates", json={
        "name": "10 off", "kind": "amount_off", "value": "10.00", "min_spend": "50.00", "valid_days": 7})
    assert made.status_code == 201, made.json
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["join_coupon"] = made.json["template"]["id"]
    assert _put(owner, shop.slug, doc).status_code == 200
    joined = shopper.post(f"/api/v1/shops/{shop.slug}/join")
    assert joined.status_code == 201
    assert joined.json["membership"]["points"] == {"available": 100, "pending": 0}
    assert joined.json["membership"]["level"]["code"] == "regular"
    assert shopper.post(f"/api/v1/shops/{shop.slug}/join").status_code == 200
    items = shopper.get("/api/v1/me/memberships").json["items"]
    assert [m["programme"] for m in items] == [shop.slug]
    coupons = shopper.get("/api/v1/me/coupons?status=available").json["items"]
    assert len(coupons) == 1
    coupon = db.session.get(Coupon, coupons[0]["id"])
    assert coupon.valid_until - coupon.valid_from == timedelta(days=7)
    assert coupon.user_id == user.id


def test_claim_within_stock_and_limit_then_use_and_restore(shop_api, make_product):
    """A claimable coupon: stock and per-member limit hold; using it takes 10 off; a full refund restores it."""
    shop, owner, shopper, user = shop_api
    _put(owner, shop.slug, FOUR_TIERS)
    made = owner.post(f"/api/v1/shops/{shop.slug}/coupon-templates", json={
        "name": "10 off 50", "kind": "amount_off", "value": "10.00", "min_spend": "50.00", "valid_days": 30,
        "claimable": True, "stock": 1, "per_member_limit": 1}).json["template"]
    claimed = shopper.post(f"/api/v1/shops/{shop.slug}/coupon-templates/{made['id']}/claim")
    assert claimed.status_code == 201, claimed.json
    assert shopper.post(f"/api/v1/shops/{shop.slug}/coupon-templates/{made['id']}/claim").status_code == 409
    product = make_product(shop, price="30.00")
    body = {"lines": [{"product_id": product.id, "qty": 1}], "coupons": [claimed.json["coupon"]["id"]]}
    short = shopper.post("/api/v1/checkout/quote", json=body)
    assert short.status_code == 422 and "50.00" in str(short.json["error"]["fields"])
    body["lines"][0]["qty"] = 2
    quote = shopper.post("/api/v1/checkout/quote", json=body).json
    assert quote["orders"][0]["coupon_discount"] == "10.00"
    placed = shopper.post("/api/v1/checkout", json=body)
    assert placed.status_code == 201, placed.json
    order = placed.json["orders"][0]
    assert order["total"] == "60.00"  # 60 − 10 + 10 shipping
    assert shopper.post("/api/v1/checkout", json=body).status_code == 422  # used
    assert shopper.get("/api/v1/me/coupons?status=used").json["items"][0]["used_order_id"] == order["id"]
    refund = owner.post(f"/api/v1/shops/{shop.slug}/orders/{order['id']}/refund", json={"full": True})
    assert refund.status_code == 200, refund.json
    assert len(shopper.get("/api/v1/me/coupons?status=available").json["items"]) == 1
    assert db.session.get(CouponTemplate, made["id"]).issued == 1
    assert violations() == []


def test_wallet_top_up_pay_and_refund_to_the_same_balance(shop_api, make_product, make_user, api):
    """Top up 100; an operator adds a 20 bonus; paying 50 takes bonus first; a refund returns each part."""
    shop, owner, shopper, user = shop_api
    operator = api(make_user(operator=True))
    assert shopper.post("/api/v1/me/wallet/top-up", json={"amount": "100.00"}).json["wallet"]["cash"] == "100.00"
    assert shopper.post("/api/v1/me/wallet/top-up", json={"amount": "-5"}).status_code == 422
    adjusted = operator.post(f"/api/v1/platform/users/{user.id}/wallet/adjust",
                             json={"amount": "20.00", "balance": "bonus", "reason": "welcome gift"})
    assert adjusted.status_code == 200 and adjusted.json["wallet"]["bonus"] == "20.00"
    assert shopper.post(f"/api/v1/platform/users/{user.id}/wallet/adjust",
                        json={"amount": "20.00", "balance": "bonus", "reason": "x"}).status_code == 403
    product = make_product(shop, price="40.00")
    body = {"lines": [{"product_id": product.id, "qty": 1}], "wallet": "200.00"}
    over = shopper.post("/api/v1/checkout/quote", json=body)
    assert over.status_code == 422 and "50.00" in over.json["error"]["message"]
    body["wallet"] = "50.00"
    order = shopper.post("/api/v1/checkout", json=body).json["orders"][0]
    assert (order["wallet_paid"], order["gateway_paid"]) == ("50.00", "0.00")
    wallet = shopper.get("/api/v1/me/wallet").json
    assert (wallet["cash"], wallet["bonus"]) == ("70.00", "0.00")
    owner.post(f"/api/v1/shops/{shop.slug}/orders/{order['id']}/refund", json={"full": True})
    wallet = shopper.get("/api/v1/me/wallet").json
    assert (wallet["cash"], wallet["bonus"]) == ("100.00", "20.00")
    assert violations() == []


def test_check_in_once_a_day_with_streak_bonus(shop_api):
    """5 points a day, 20 more on the 7th day in a row; twice in one day is a 409; a gap restarts the streak."""
    shop, owner, shopper, user = shop_api
    _put(owner, shop.slug, FOUR_TIERS)
    shopper.post(f"/api/v1/shops/{shop.slug}/join")
    start = clock.now().replace(hour=4)
    got = []
    for day in range(7):
        with clock.frozen_at(start + timedelta(days=day)):
            response = shopper.post("/api/v1/me/check-in", json={"programme": shop.slug})
            assert response.status_code == 201, response.json
            got.append((response.json["points"], response.json["streak"]))
            if day == 0:
                assert shopper.post("/api/v1/me/check-in", json={"programme": shop.slug}).status_code == 409
    assert got[-1] == (25, 7) and got[0] == (5, 1)
    with clock.frozen_at(start + timedelta(days=9)):
        assert shopper.post("/api/v1/me/check-in", json={"programme": shop.slug}).json["streak"] == 1
    points = shopper.get(f"/api/v1/me/points?programme={shop.slug}").json
    assert points["available"] == 100 + 6 * 5 + 25 + 5


def test_staff_adjust_points_with_reason_and_tenant_isolation(shop_api, make_shop, make_user, api):
    """A manager adjusts a member's points with a reason; another shop's staff get 403/404."""
    shop, owner, shopper, user = shop_api
    _put(owner, shop.slug, FOUR_TIERS)
    shopper.post(f"/api/v1/shops/{shop.slug}/join")
    url = f"/api/v1/shops/{shop.slug}/members/{user.id}/points/adjust"
    assert owner.post(url, json={"delta": 50, "reason": "apology"}).json["membership"]["points"]["available"] == 150
    assert owner.post(url, json={"delta": -500, "reason": "oops"}).status_code == 422
    assert owner.post(url, json={"delta": 5}).status_code == 422
    other_owner = make_user()
    other = make_shop(owner=other_owner)
    _put(api(other_owner), other.slug, FOUR_TIERS)
    assert api(other_owner).post(url, json={"delta": 5, "reason": "x y"}).status_code == 403
    foreign = f"/api/v1/shops/{other.slug}/members/{user.id}/points/adjust"
    assert api(other_owner).post(foreign, json={"delta": 5, "reason": "x y"}).status_code == 404
    listed = owner.get(f"/api/v1/shops/{shop.slug}/members?level=regular").json
    assert listed["total"] == 1 and listed["items"][0]["user_id"] == user.id


def test_programme_field_messages_follow_the_language(shop_api):
    """The same invalid document answers in Chinese by default and in English when asked."""
    shop, owner, _shopper, _user = shop_api
    doc = copy.deepcopy(VANCL)
    doc["levels"]["tiers"][2]["threshold"] = "500"
    doc["points"]["earn"]["points"] = "-1"
    url = f"/api/v1/shops/{shop.slug}/programme"
    auth = {"Authorization": f"Bearer {owner.token}"}
    zh = owner.client.put(url, json=doc, headers={**auth, "Accept-Language": "zh-CN"}).json["error"]["fields"]
    en = owner.client.put(url, json=doc, headers={**auth, "Accept-Language": "en"}).json["error"]["fields"]
    assert zh["levels.tiers.2.threshold"] == ["等级门槛必须逐级递增。"]
    assert en["levels.tiers.2.threshold"] == ["Thresholds must increase from tier to tier."]
    assert zh["points.earn.points"] == ["不能小于 0。"]
    assert en["points.earn.points"] == ["Must be zero or more."]


def test_the_token_holders_saved_language_comes_before_the_browsers(make_shop, make_user, api):
    """As on pages: a user who chose English gets English API messages whatever Accept-Language says."""
    owner = make_user()
    owner.locale = "en"
    shop = make_shop(owner=owner)
    client = api(owner)
    doc = copy.deepcopy(VANCL)
    doc["points"]["earn"]["points"] = "-1"
    response = client.client.put(f"/api/v1/shops/{shop.slug}/programme", json=doc,
                                 headers={"Authorization": f"Bearer {client.token}", "Accept-Language": "zh-CN"})
    assert response.json["error"]["fields"]["points.earn.points"] == ["Must be zero or more."]
