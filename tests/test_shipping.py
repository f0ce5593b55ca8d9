"""Shipping with a carrier and tracking number: API and merchant page, bad input, tenancy, the packing slip."""

import pytest

from mall.extensions import db
from mall.orders.models import Order
from mall.tenants.models import StaffRole
from tests.fixtures.factories import HOME
from tests.races_support import signed_in


@pytest.fixture
def world(make_user, make_shop, make_product, buy):
    """A shop whose owner ships; a shopper's paid order in it with two lines."""
    owner, shopper = make_user(), make_user()
    shop = make_shop(owner=owner)
    order = buy(shopper, (make_product(shop, price="12.00", name="Green tea 绿茶"), 2),
                (make_product(shop, price="5.00", name="Tea cup"), 1)).orders[0]
    return {"owner": owner, "shopper": shopper, "shop": shop, "order": order,
            "base": f"/api/v1/shops/{shop.slug}/orders/{order.id}"}


def _state(order_id: int) -> tuple:
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    return order.status, order.shipped_at, order.carrier, order.tracking_no


def test_ship_with_carrier_and_tracking_is_shown_to_the_shopper(api, world):
    body = {"carrier": "顺丰速运", "tracking_no": "SF1234567890123"}
    shipped = api(world["owner"]).post(world["base"] + "/ship", body)
    assert shipped.status_code == 200
    shipment = shipped.json["order"]["shipment"]
    assert shipment["carrier"] == "顺丰速运" and shipment["tracking_no"] == "SF1234567890123"
    assert shipment["shipped_at"] == shipped.json["order"]["shipped_at"] is not None
    mine = api(world["shopper"]).get(f"/api/v1/orders/{world['order'].id}").json["order"]
    assert mine["shipment"] == shipment and mine["address"] == HOME
    event = next(e for e in mine["timeline"] if e["event"] == "shipped")
    assert (event["at"], event["carrier"], event["tracking_no"]) == (shipment["shipped_at"], "顺丰速运",
                                                                     "SF1234567890123")


def test_ship_without_a_body_still_ships(api, world):
    response = api(world["owner"]).post(world["base"] + "/ship")
    assert response.status_code == 200
    assert response.json["order"]["shipment"]["carrier"] is None
    assert _state(world["order"].id)[0] == "shipped"


def test_before_shipping_the_shipment_is_empty(api, world):
    order = api(world["shopper"]).get(f"/api/v1/orders/{world['order'].id}").json["order"]
    assert order["shipment"] == {"carrier": None, "tracking_no": None, "shipped_at": None}


@pytest.mark.parametrize("body,field", [
    ({"tracking_no": "SF 123 456"}, "tracking_no"), ({"tracking_no": "顺丰123456"}, "tracking_no"),
    ({"tracking_no": "SF1"}, "tracking_no"), ({"tracking_no": "A" * 41}, "tracking_no"),
    ({"tracking_no": "-SF123456"}, "tracking_no"), ({"tracking_no": 123456}, "tracking_no"),
    ({"carrier": "C" * 41}, "carrier"), ({"carrier": ["SF"]}, "carrier"), ({"carrier": "SF\u0007"}, "carrier"),
    ({"speed": "fast"}, "speed"),
])
def test_bad_shipment_values_are_422_and_ship_nothing(api, world, body, field):
    response = api(world["owner"]).post(world["base"] + "/ship", body)
    assert response.status_code == 422 and field in response.json["error"]["fields"], response.json
    assert _state(world["order"].id) == ("paid", None, None, None)


def test_the_ship_endpoint_keeps_to_its_shop(api, world, make_user, make_shop, make_product, buy, add_staff):
    other_owner = make_user()
    other_shop = make_shop(owner=other_owner)
    foreign = buy(make_user(), (make_product(other_shop), 1)).orders[0]
    body = {"carrier": "EMS", "tracking_no": "EM123456789CN"}
    # Another shop's owner cannot ship this shop's order, through either slug.
    assert api(other_owner).post(world["base"] + "/ship", body).status_code == 403
    assert api(other_owner).post(f"/api/v1/shops/{other_shop.slug}/orders/{world['order'].id}/ship",
                                 body).status_code == 404
    # This shop's owner cannot ship the other shop's order by naming it under their own shop.
    assert api(world["owner"]).post(f"/api/v1/shops/{world['shop'].slug}/orders/{foreign.id}/ship",
                                    body).status_code == 404
    support = make_user()
    add_staff(world["shop"], support, StaffRole.SUPPORT)
    assert api(support).post(world["base"] + "/ship", body).status_code == 403
    assert api(world["shopper"]).post(world["base"] + "/ship", body).status_code == 403
    assert _state(world["order"].id)[0] == "paid" and _state(foreign.id)[0] == "paid"


def test_the_merchant_page_ships_with_a_listed_or_another_carrier(app, world, make_product, buy):
    staff = signed_in(app, world["owner"])
    page_url = f"/admin/{world['shop'].slug}/orders/{world['order'].id}"
    page = staff.get(page_url).get_data(as_text=True)
    for name in ("SF Express", "ZTO Express", "YTO Express", "JD Logistics", "EMS", "Other carrier"):
        assert name in page
    assert HOME["street"] in page and HOME["phone"] in page  # the address copy
    done = staff.post(page_url + "/ship", data={"carrier": "京东物流", "tracking_no": "JD0012345678"},
                      follow_redirects=True)
    assert "Order shipped." in done.get_data(as_text=True)
    assert _state(world["order"].id)[2:] == ("京东物流", "JD0012345678")

    second = buy(world["shopper"], (make_product(world["shop"]), 1)).orders[0]
    url = f"/admin/{world['shop'].slug}/orders/{second.id}/ship"
    staff.post(url, data={"carrier": "other", "carrier_other": "申通快递", "tracking_no": "773100200300"})
    assert _state(second.id)[2:] == ("申通快递", "773100200300")


def test_the_merchant_page_reshows_a_refused_shipment(app, world):
    staff = signed_in(app, world["owner"])
    url = f"/admin/{world['shop'].slug}/orders/{world['order'].id}/ship"
    no_name = staff.post(url, data={"carrier": "other", "carrier_other": " ", "tracking_no": "SF1234567890"})
    assert no_name.status_code == 422 and "Type the carrier&#39;s name." in no_name.get_data(as_text=True)
    bad = staff.post(url, data={"carrier": "顺丰速运", "tracking_no": "SF 12#"})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "A tracking number has 4 to 40 letters, digits and dashes." in page
    assert 'value="SF 12#"' in page and '<option value="顺丰速运" selected>' in page  # what was typed stays
    assert _state(world["order"].id) == ("paid", None, None, None)


def test_the_shopper_sees_carrier_tracking_and_time_in_their_language(app, api, world):
    api(world["owner"]).post(world["base"] + "/ship", {"carrier": "顺丰速运", "tracking_no": "SF1234567890123"})
    client = signed_in(app, world["shopper"])
    page = client.get(f"/orders/{world['order'].id}").get_data(as_text=True)
    assert "SF Express" in page and "SF1234567890123" in page and "Tracking number" in page
    assert HOME["street"] in page
    listing = client.get("/orders").get_data(as_text=True)
    assert "SF Express SF1234567890123" in listing
    client.post("/lang/zh")
    chinese = client.get(f"/orders/{world['order'].id}").get_data(as_text=True)
    assert "顺丰速运" in chinese and "运单号" in chinese


def test_the_packing_slip_shows_the_address_and_what_to_pack(app, world, make_user, add_staff):
    support = make_user()
    add_staff(world["shop"], support, StaffRole.SUPPORT)
    url = f"/admin/{world['shop'].slug}/orders/{world['order'].id}/packing-slip"
    slip = signed_in(app, support).get(url)
    page = slip.get_data(as_text=True)
    assert slip.status_code == 200
    assert HOME["name"] in page and HOME["street"] in page and HOME["postcode"] in page
    assert "Green tea 绿茶" in page and "Tea cup" in page and "¥" not in page  # no prices on a packing slip
    assert signed_in(app, world["shopper"]).get(url).status_code == 403
