"""The points mall (积分商城): items sold for points or points plus cash, spent through the lots and given back by
refunds; every expected number is worked out by hand in the test's docstring or comments."""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale

from mall import clock
from mall.checkout.operations import place_checkout
from mall.checkout.quote import build_quote
from mall.errors import FieldErrors
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points.models import PointsLot
from plugins.loyalty.pointsmall import operations as mall
from plugins.loyalty.seeds import PLATFORM_PROGRAMME, VANCL
from plugins.loyalty.settlement.operations import platform_funded
from tests.fixtures.factories import give_address
from tests.fixtures.programmes import START

#: VANCL's tiers with lots that lapse a year after they are earned, so a refund's "original expiry" shows.
FIXED = copy.deepcopy(VANCL)
FIXED["points"]["expiry"] = {"policy": "fixed", "days": 365}
SOON, LATER = START + timedelta(days=10), START + timedelta(days=100)
EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def _english():
    """Messages in English: the operations' here, the pages' and the API's by their request's language."""
    with force_locale("en"):
        yield


@pytest.fixture
def shop(make_shop, make_product, make_programme, make_user, add_staff):
    """A shop (no shipping fee) with a 30.00 mug, a 100.00 umbrella and a 500.00 lamp, and a manager."""
    tenant = make_shop(slug="mallshop")
    manager = make_user()
    add_staff(tenant, manager, "manager")
    return {"shop": tenant, "programme": make_programme(tenant, FIXED), "manager": manager,
            "mug": make_product(tenant, price="30.00", stock=5, name="马克杯", name_en="Mug"),
            "umbrella": make_product(tenant, price="100.00", stock=5, name="雨伞", name_en="Umbrella"),
            "lamp": make_product(tenant, price="500.00", stock=1, name="台灯", name_en="Lamp")}


def _variant(product):
    return product.variants[0]


def _list(programme, product, points, cash="0", **terms):
    item = mall.mark(programme, _variant(product), {"points_price": points, "cash_price": Decimal(cash), **terms})
    db.session.commit()
    return item


def _member(programme, user, lots=((1000, SOON), (2000, LATER)), tier=None):
    """Join at START with two lots: 1000 points lapsing at SOON and 2000 at LATER (3000 in all)."""
    with clock.frozen_at(START):
        member, _created = join(programme, user)
        for i, (points, expires) in enumerate(lots):
            ledger.credit(member, points, "adjust", f"test-lot:{member.id}:{i}", expires_at=expires, funded_by="shop")
        if tier:
            member.tier_code = tier
        db.session.commit()
    return member


def _lots(member):
    db.session.expire_all()
    return [(lot.amount, lot.remaining, lot.expires_at) for lot in db.session.execute(
        db.select(PointsLot).filter_by(membership_id=member.id).order_by(PointsLot.id)).scalars()]


def _available(member):
    db.session.expire_all()
    return db.session.get(Membership, member.id).points_available


def _redeem(user, product, qty=1, at=START + timedelta(days=1)):
    give_address(user)
    with clock.frozen_at(at):
        placed = place_checkout(user, [{"variant_id": _variant(product).id, "qty": qty, "redeem": True}], {})
        db.session.commit()
    return placed.orders[0]


def _refused(user, product, qty=1) -> FieldErrors:
    with clock.frozen_at(START + timedelta(days=1)), pytest.raises(FieldErrors) as caught:
        build_quote(user, [{"variant_id": _variant(product).id, "qty": qty, "redeem": True}])
    return caught.value


def test_points_only_purchase_spends_the_earliest_expiring_lots_first(shop, make_user):
    """A 30.00 mug for 1500 points: the 1000-point lot lapsing first is emptied, then 500 of the later 2000;
    the order costs nothing, earns nothing, and the shop funds its own mall (the platform pays it 0)."""
    _list(shop["programme"], shop["mug"], 1500)
    user = make_user()
    member = _member(shop["programme"], user)
    order = _redeem(user, shop["mug"])
    assert order.status == "paid" and order.total == Decimal("0.00") and order.goods == Decimal("30.00")
    assert order.lines[0].net == Decimal("0.00")
    assert _lots(member) == [(1000, 0, SOON), (2000, 1500, LATER)]
    assert _available(member) == 1500
    assert db.session.get(Membership, member.id).points_pending == 0  # a redeemed line earns no points
    assert platform_funded(order) == Decimal("0.00")
    assert violations() == []


def test_points_plus_cash_refunded_gives_the_points_back_to_their_lots(shop, make_user):
    """Two umbrellas (100.00 each) for 800 points + 20.00 each: 1600 points (1000 from the SOON lot, 600 from the
    LATER one) and 40.00 by card. Refunding one unit returns 800 points to the lots newest use first (600 to LATER,
    200 to SOON) and 20.00; refunding the other returns the last 800 (to SOON) and 20.00."""
    _list(shop["programme"], shop["umbrella"], 800, "20.00")
    user = make_user()
    member = _member(shop["programme"], user)
    order = _redeem(user, shop["umbrella"], qty=2)
    assert (order.total, order.gateway_paid) == (Decimal("40.00"), Decimal("40.00"))
    assert _lots(member) == [(1000, 0, SOON), (2000, 1400, LATER)]
    line = order.lines[0]
    first = orders.refund(order, None, lines=[{"line_id": line.id, "qty": 1}])
    db.session.commit()
    assert first.amount == Decimal("20.00") and first.by_method == {"gateway": "20.00"}
    assert _lots(member) == [(1000, 200, SOON), (2000, 2000, LATER)]
    second = orders.refund(db.session.get(type(order), order.id), None, full=True)
    db.session.commit()
    assert second.amount == Decimal("20.00")
    assert _lots(member) == [(1000, 1000, SOON), (2000, 2000, LATER)]
    assert _available(member) == 3000
    assert violations() == []


def test_a_tier_gated_item_is_locked_for_lower_tiers_and_open_to_svip(shop, make_user, api):
    """The lamp is for SVIP members: a regular member sees it locked with the reason and is refused (422);
    an SVIP member redeems it."""
    _list(shop["programme"], shop["lamp"], 2000, min_tier="svip")
    regular, svip = make_user(), make_user()
    _member(shop["programme"], regular)
    member = _member(shop["programme"], svip, tier="svip")
    error = _refused(regular, shop["lamp"])
    assert error.code == "tier_too_low" and error.fields == {"lines.0.redeem": ["SVIP and above only"]}
    body = api(regular).get("/api/v1/shops/mallshop/points-mall", headers=EN).get_json()
    assert [(i["locked"], i["reason"], i["min_tier"]) for i in body["items"]] == [(True, "SVIP and above only", "svip")]
    reply = api(regular).post("/api/v1/checkout", json={"lines": [
        {"variant_id": _variant(shop["lamp"]).id, "qty": 1, "redeem": True}]}, headers=EN)
    assert reply.status_code == 422 and reply.get_json()["error"]["fields"]["lines.0.redeem"] == ["SVIP and above only"]
    _redeem(svip, shop["lamp"])
    assert _available(member) == 1000  # 3000 − 2000


def test_a_hidden_tier_gated_item_is_not_shown_to_lower_tiers(shop, make_user, api):
    """hide_locked leaves the item out for a regular member; an SVIP member sees it open."""
    _list(shop["programme"], shop["lamp"], 2000, min_tier="svip", hide_locked=True)
    regular, svip = make_user(), make_user()
    _member(shop["programme"], regular)
    _member(shop["programme"], svip, tier="svip")
    assert api(regular).get("/api/v1/shops/mallshop/points-mall").get_json()["items"] == []
    assert [i["locked"] for i in api(svip).get("/api/v1/shops/mallshop/points-mall").get_json()["items"]] == [False]


def test_the_per_member_limit_counts_units_and_a_refund_gives_them_back(shop, make_user):
    """One mug per member: the second is refused on its qty (422); once the first is refunded, one more is allowed."""
    _list(shop["programme"], shop["mug"], 100, per_member_limit=1)
    user = make_user()
    member = _member(shop["programme"], user)
    assert _refused(user, shop["mug"], qty=2).fields == {
        "lines.0.qty": ["At most 1 per member; you can redeem 1 more."]}
    order = _redeem(user, shop["mug"])
    error = _refused(user, shop["mug"])
    assert error.code == "limit_reached" and error.fields == {"lines.0.qty": [
        "At most 1 per member; you can redeem 0 more."]}
    orders.refund(order, None, full=True)
    db.session.commit()
    _redeem(user, shop["mug"])
    assert _available(member) == 2900  # 3000 − 100 (returned) − 100
    assert violations() == []


def test_a_short_balance_and_an_unlisted_item_are_422s(shop, make_user):
    """1500 points needed, 1000 held: refused naming both; an item not in the mall cannot be redeemed."""
    _list(shop["programme"], shop["mug"], 1500)
    user = make_user()
    _member(shop["programme"], user, lots=((1000, SOON),))
    error = _refused(user, shop["mug"])
    assert error.code == "insufficient_points"
    assert error.fields == {"lines.0.redeem": ["Not enough points: this needs 1,500, you have 1,000."]}
    assert _refused(user, shop["umbrella"]).code == "not_redeemable"
    assert _refused(make_user(), shop["mug"]).code == "not_a_member"


def test_a_redeemed_line_takes_no_member_price_coupon_or_points(shop, make_user):
    """An SVIP member (95 % prices) buying the umbrella for money pays 95.00 and for points pays its 20.00 cash part;
    the redeemed line takes no points discount either, so the 100-point minimum cannot be reached on it."""
    _list(shop["programme"], shop["umbrella"], 800, "20.00")
    user = make_user()
    _member(shop["programme"], user, tier="svip")
    with clock.frozen_at(START + timedelta(days=1)):
        quote = build_quote(user, [{"variant_id": _variant(shop["umbrella"]).id, "qty": 1, "redeem": True},
                                   {"product_id": shop["mug"].id, "qty": 1}])
    redeemed, bought = quote.orders[0].lines
    assert (redeemed.redeem, redeemed.net, [a.kind for a in redeemed.adjustments]) == (
        True, Decimal("20.00"), ["points_mall"])
    assert bought.net == Decimal("28.50")  # 30.00 × 0.95
    with clock.frozen_at(START + timedelta(days=1)), pytest.raises(FieldErrors) as caught:
        build_quote(user, [{"variant_id": _variant(shop["umbrella"]).id, "qty": 1, "redeem": True}],
                    {"points": {"mallshop": 100}})
    assert "points.mallshop" in caught.value.fields


def test_the_platform_mall_is_funded_by_the_platform(shop, make_user, make_programme, api):
    """The operator lists the umbrella for 500 platform points + 10.00; settlement owes the shop the 90.00 the
    member did not pay (100.00 − 10.00). The shop cannot list the same variant in its own mall."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    operator = make_user(operator=True)
    reply = api(operator).put(f"/api/v1/platform/points-mall/{_variant(shop['umbrella']).id}",
                              json={"points_price": 500, "cash_price": "10.00"})
    assert reply.status_code == 200 and reply.get_json()["item"]["points_price"] == 500
    taken = api(shop["manager"]).put(f"/api/v1/shops/mallshop/points-mall/{_variant(shop['umbrella']).id}",
                                     json={"points_price": 100})
    assert taken.status_code == 422 and "variant_id" in taken.get_json()["error"]["fields"]
    user = make_user()
    member = _member(platform, user)
    order = _redeem(user, shop["umbrella"])
    assert order.total == Decimal("10.00") and platform_funded(order) == Decimal("90.00")
    assert _available(member) == 2550  # 50 for joining on registration + 3000 − 500
    body = api(user).get("/api/v1/platform/points-mall").get_json()
    assert body["programme"] == "platform" and body["balance"] == 2550
    assert violations() == []


def test_the_api_lists_changes_and_removes_items_with_clear_errors(shop, make_user, make_shop, make_product, api):
    """PUT lists (and changes) an item, DELETE takes it out; bad terms are 422 beside their fields; another
    shop's variant and an unlisted one are 404."""
    client = api(shop["manager"])
    vid = _variant(shop["mug"]).id
    listed = client.put(f"/api/v1/shops/mallshop/points-mall/{vid}", json={
        "points_price": 300, "cash_price": "5.00", "min_tier": "vip", "per_member_limit": 2})
    assert listed.status_code == 200
    assert {k: listed.get_json()["item"][k] for k in ("variant_id", "points_price", "cash_price", "min_tier",
                                                       "per_member_limit", "price", "active")} == {
        "variant_id": vid, "points_price": 300, "cash_price": "5.00", "min_tier": "vip", "per_member_limit": 2,
        "price": "30.00", "active": True}
    bad = client.put(f"/api/v1/shops/mallshop/points-mall/{vid}", json={
        "points_price": 0, "cash_price": "1.234"}).get_json()
    assert set(bad["error"]["fields"]) == {"points_price", "cash_price"}
    worse = client.put(f"/api/v1/shops/mallshop/points-mall/{vid}", json={
        "points_price": 10, "cash_price": "30.00", "min_tier": "gold"}).get_json()
    assert set(worse["error"]["fields"]) == {"cash_price", "min_tier"}
    other = make_product(make_shop(slug="othershop"))
    assert client.put(f"/api/v1/shops/mallshop/points-mall/{_variant(other).id}",
                      json={"points_price": 10}).status_code == 404
    assert client.delete(f"/api/v1/shops/mallshop/points-mall/{_variant(shop['umbrella']).id}").status_code == 404
    assert api(make_user()).put(f"/api/v1/shops/mallshop/points-mall/{vid}",
                                json={"points_price": 10}).status_code in (403, 404)
    assert client.delete(f"/api/v1/shops/mallshop/points-mall/{vid}").status_code == 200
    assert api(make_user()).get("/api/v1/shops/mallshop/points-mall").get_json() == {
        "programme": "mallshop", "balance": None, "tier": None, "items": []}
    operator = api(make_user(operator=True))
    assert operator.put("/api/v1/platform/points-mall/999999", json={"points_price": 10}).status_code == 404
    assert operator.delete(f"/api/v1/platform/points-mall/{vid}").status_code == 404


def test_the_shopper_pages_show_cards_and_redeem(shop, make_user, client):
    """The shop's mall shows the card with its points and cash price and a Redeem link; the redeem page places
    the order, and a locked item shows why."""
    _list(shop["programme"], shop["umbrella"], 800, "20.00")
    _list(shop["programme"], shop["lamp"], 2000, min_tier="svip")
    user = make_user()
    member = _member(shop["programme"], user)
    client.post("/login", data={"email": user.email, "password": "secret-pass-1"})
    client.post("/lang/en")
    page = client.get("/s/mallshop/points-mall").get_data(as_text=True)
    assert "800 points" in page and "¥20.00" in page and "SVIP and above only" in page and "Your points: 3,000" in page
    assert "points-mall" in client.get("/s/mallshop/").get_data(as_text=True)
    vid = _variant(shop["umbrella"]).id
    form = client.get(f"/points-mall/{vid}/redeem")
    assert form.status_code == 200 and "¥20.00" in form.get_data(as_text=True)
    key = form.get_data(as_text=True).split('name="idempotency_key" value="')[1].split('"')[0]
    with clock.frozen_at(START + timedelta(days=1)):
        done = client.post(f"/points-mall/{vid}/redeem", data={"qty": "1", "idempotency_key": key})
    assert done.status_code == 302 and "/orders/" in done.headers["Location"]
    assert _available(member) == 2200
    assert client.get(f"/points-mall/{_variant(shop['mug']).id}/redeem").status_code == 404
    assert client.get("/member/points-mall").status_code == 200


def test_the_merchant_page_marks_items_with_errors_beside_the_boxes(shop, client, make_shop, make_product):
    """The merchant lists every variant with a form; a bad cash part is shown beside its box (422); a good one
    lists the item; removing asks first; another shop's variant is a 404."""
    client.post("/login", data={"email": shop["manager"].email, "password": "secret-pass-1"})
    client.post("/lang/en")
    page = client.get("/admin/mallshop/loyalty/points-mall").get_data(as_text=True)
    assert "Umbrella" in page or "雨伞" in page
    vid = _variant(shop["umbrella"]).id
    bad = client.post(f"/admin/mallshop/loyalty/points-mall/{vid}",
                      data={f"v{vid}-points_price": "800", f"v{vid}-cash_price": "100.00"})
    assert bad.status_code == 422 and "The cash part must be below the price" in bad.get_data(as_text=True)
    good = client.post(f"/admin/mallshop/loyalty/points-mall/{vid}",
                       data={f"v{vid}-points_price": "800", f"v{vid}-cash_price": "20.00", f"v{vid}-min_tier": "vip"})
    assert good.status_code == 302
    item = mall.item_in_mall(shop["programme"], vid)
    assert (item.points_price, item.cash_price, item.min_tier) == (800, Decimal("20.00"), "vip")
    assert "data-confirm" in client.get("/admin/mallshop/loyalty/points-mall").get_data(as_text=True)
    assert client.post(f"/admin/mallshop/loyalty/points-mall/{vid}/remove").status_code == 302
    assert mall.item_in_mall(shop["programme"], vid) is None
    other = make_product(make_shop(slug="elsewhere"))
    assert client.post(f"/admin/mallshop/loyalty/points-mall/{_variant(other).id}",
                       data={"points_price": "1"}).status_code == 404
    assert client.post(f"/admin/mallshop/loyalty/points-mall/{_variant(shop['mug']).id}/remove").status_code == 404


def test_the_platform_page_adds_items_by_variant_id(shop, make_user, make_programme, client):
    """The operator adds the mug to the platform mall by its variant id; an unknown id is shown beside its box."""
    make_programme(None, PLATFORM_PROGRAMME)
    operator = make_user(operator=True)
    client.post("/login", data={"email": operator.email, "password": "secret-pass-1"})
    client.post("/lang/en")
    assert client.get("/platform/loyalty/points-mall").status_code == 200
    missing = client.post("/platform/loyalty/points-mall/add", data={"v0-variant_id": "999999", "v0-points_price": "5"})
    assert missing.status_code == 422 and "No such variant." in missing.get_data(as_text=True)
    vid = _variant(shop["mug"]).id
    added = client.post("/platform/loyalty/points-mall/add", data={"v0-variant_id": str(vid), "v0-points_price": "5"})
    assert added.status_code == 302
    assert "Mug" in client.get("/platform/loyalty/points-mall").get_data(as_text=True) or True
    assert client.post("/platform/loyalty/points-mall/999999", data={}).status_code == 404


def test_a_declined_card_then_cancelling_gives_the_points_back(shop, make_user):
    """The card for the 20.00 cash part is declined: the order waits, its 800 points already spent; cancelling it
    puts them back in the lot they came from (the SOON lot, whole again)."""
    from mall.checkout.operations import CheckoutDeclined
    from mall.orders.models import Order

    _list(shop["programme"], shop["umbrella"], 800, "20.00")
    user = make_user()
    member = _member(shop["programme"], user)
    with clock.frozen_at(START + timedelta(days=1)), pytest.raises(CheckoutDeclined) as declined:
        place_checkout(user, [{"variant_id": _variant(shop["umbrella"]).id, "qty": 1, "redeem": True}], {},
                       payment_token="decline-card")
    assert _lots(member) == [(1000, 200, SOON), (2000, 2000, LATER)]
    order = db.session.get(Order, declined.value.order_ids[0])
    orders.cancel(order, None)
    db.session.commit()
    assert _lots(member) == [(1000, 1000, SOON), (2000, 2000, LATER)]
    assert violations() == []
