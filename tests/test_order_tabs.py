"""The shopper's order tabs (one definition, in orders.operations.tab_clause) and each order's timeline."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest

from mall import clock
from mall.checkout.operations import CheckoutDeclined
from mall.cli import run_tick
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Order
from mall.orders.operations import TABS, tab_counts
from mall.reviews.operations import post_review
from tests.races_support import signed_in


@pytest.fixture
def history(make_user, make_shop, make_product, buy):
    """One shopper's orders in every state, by name, and another shopper's paid order."""
    shopper, owner = make_user(), make_user()
    shop = make_shop(owner=owner)
    product = make_product(shop, stock=100)

    def bought(qty=1):
        return buy(shopper, (product, qty)).orders[0]

    made = {}
    try:
        buy(shopper, (product, 1), token="decline-card")
    except CheckoutDeclined as exc:
        made["unpaid"] = db.session.get(Order, exc.order_ids[0])
    made["paid"] = bought()
    made["part_refunded"] = bought(2)
    orders.refund(made["part_refunded"], owner, lines=[{"line_id": made["part_refunded"].lines[0].id, "qty": 1}])
    made["shipped"] = bought()
    orders.ship(made["shipped"], owner, carrier="中通快递", tracking_no="77310020030")
    made["received"] = bought()
    orders.ship(made["received"], owner)
    orders.complete(made["received"], shopper)
    made["reviewed"] = bought()
    orders.ship(made["reviewed"], owner)
    orders.complete(made["reviewed"], shopper)
    post_review(shopper, made["reviewed"].lines[0], 5, "Good")
    made["cancelled"] = bought()
    orders.cancel(made["cancelled"], shopper)
    made["refunded"] = bought()
    orders.refund(made["refunded"], owner, full=True)
    db.session.commit()
    other = buy(make_user(), (product, 1)).orders[0]
    return {"shopper": shopper, "owner": owner, "shop": shop, "orders": made, "other": other}


EXPECTED = {
    "to_pay": {"unpaid"},
    "to_ship": {"paid", "part_refunded"},
    "to_receive": {"shipped"},
    "to_review": {"received"},
    "after_sales": {"part_refunded", "refunded"},
}


def _ids(history, names) -> list[int]:
    return sorted((history["orders"][name].id for name in names), reverse=True)


def test_each_tab_holds_the_right_orders_in_the_api(api, history):
    shopper = api(history["shopper"])
    everything = shopper.get("/api/v1/orders").json
    assert [o["id"] for o in everything["items"]] == _ids(history, history["orders"])
    assert everything["tab"] == "all"
    for tab, names in EXPECTED.items():
        reply = shopper.get(f"/api/v1/orders?tab={tab}").json
        assert [o["id"] for o in reply["items"]] == _ids(history, names), tab
    assert everything["counts"] == {"all": 8, **{tab: len(names) for tab, names in EXPECTED.items()}}
    assert tab_counts(history["shopper"].id) == everything["counts"]
    assert set(TABS) == {"all", *EXPECTED}


@pytest.mark.parametrize("tab", ["unpaid", "ALL", "to-pay", "to_pay ", "1", "\u00e9"])
def test_an_unknown_tab_is_422_in_the_api_and_404_on_the_page(api, app, history, tab):
    reply = api(history["shopper"]).get("/api/v1/orders?" + urlencode({"tab": tab}))
    assert reply.status_code == 422 and list(reply.json["error"]["fields"]) == ["tab"]
    assert signed_in(app, history["shopper"]).get("/orders", query_string={"tab": tab}).status_code == 404


def test_the_order_tabs_page_shows_counts_cards_and_an_empty_state_per_tab(app, history, make_user):
    client = signed_in(app, history["shopper"])
    page = client.get("/orders").get_data(as_text=True)
    for label in ("All", "To Pay", "To Ship", "To Receive", "To Review", "After-Sales"):
        assert label in page
    assert 'data-tab="to_ship">To Ship <span class="pill">2</span>' in page
    assert page.count('class="card order-card"') == 8
    shipped = client.get("/orders?tab=to_receive").get_data(as_text=True)
    assert shipped.count('class="card order-card"') == 1 and "Confirm receipt" in shipped
    assert f'data-order="{history["orders"]["shipped"].id}"' in shipped
    newcomer = signed_in(app, make_user())
    for tab, text in (("all", "You have no orders yet."), ("to_pay", "No orders are waiting for payment."),
                      ("to_review", "Nothing is waiting for your review."),
                      ("after_sales", "No orders with refunds or returns.")):
        assert text in newcomer.get(f"/orders?tab={tab}").get_data(as_text=True)


def test_the_timeline_tells_the_orders_story_and_hides_settlement_from_shoppers(api, app, make_user, make_shop,
                                                                             make_product, buy):
    owner, shopper = make_user(), make_user()
    shop = make_shop(owner=owner, return_window_days=7)
    order = buy(shopper, (make_product(shop, price="30.00"), 2)).orders[0]
    orders.ship(order, owner, carrier="SF Express", tracking_no="SF1234567890123")
    orders.complete(order, shopper)
    post_review(shopper, order.lines[0], 4, "Nice")
    orders.refund(order, owner, lines=[{"line_id": order.lines[0].id, "qty": 1}])
    db.session.commit()
    run_tick(clock.now() + timedelta(days=8))
    db.session.expire_all()
    mine = api(shopper).get(f"/api/v1/orders/{order.id}").json["order"]
    assert [e["event"] for e in mine["timeline"]] == ["placed", "paid", "shipped", "received", "reviewed", "refunded"]
    shipped = mine["timeline"][2]
    assert shipped["carrier"] == "SF Express" and shipped["tracking_no"] == "SF1234567890123"
    assert mine["timeline"][5]["amount"] == "30.00" and mine["timeline"][4]["product"] == order.lines[0].name
    assert all(e["at"] for e in mine["timeline"])
    staff_view = api(owner).get(f"/api/v1/shops/{shop.slug}/orders/{order.id}").json["order"]
    assert [e["event"] for e in staff_view["timeline"]][-1] == "settled"
    page = signed_in(app, shopper).get(f"/orders/{order.id}").get_data(as_text=True)
    assert "Settled" not in page and "Received" in page and "SF1234567890123" in page
    assert "Settled" in signed_in(app, owner).get(f"/admin/{shop.slug}/orders/{order.id}").get_data(as_text=True)


def test_other_features_add_timeline_events(app, api, make_user, make_shop, make_product, buy):
    from mall.orders import timeline

    shopper = make_user()
    order = buy(shopper, (make_product(make_shop()), 1)).orders[0]

    def note(o):
        return [{"event": "after_sale_requested", "at": o.paid_at + timedelta(seconds=1)}]

    timeline.timeline_sources.append(note)
    try:
        events = api(shopper).get(f"/api/v1/orders/{order.id}").json["order"]["timeline"]
    finally:
        timeline.timeline_sources.remove(note)
    assert [e["event"] for e in events] == ["placed", "paid", "after_sale_requested"]


def test_a_cancelled_unpaid_order_shows_no_refund(api, make_user, make_shop, make_product, buy):
    shopper = make_user()
    try:
        buy(shopper, (make_product(make_shop()), 1), token="decline-card")
    except CheckoutDeclined as exc:
        order_id = exc.order_ids[0]
    db.session.rollback()
    assert api(shopper).post(f"/api/v1/orders/{order_id}/cancel").status_code == 200
    events = api(shopper).get(f"/api/v1/orders/{order_id}").json["order"]["timeline"]
    assert [e["event"] for e in events] == ["placed", "cancelled"]


def test_the_openapi_document_names_the_tabs_the_ship_body_and_the_address_book(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    tab = next(p for p in doc["paths"]["/api/v1/orders"]["get"]["parameters"] if p["name"] == "tab")
    assert tab["in"] == "query" and tab["schema"]["enum"] == list(TABS)
    ship = doc["paths"]["/api/v1/shops/{shop}/orders/{order_id}/ship"]["post"]
    assert ship["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Ship"}
    assert set(doc["paths"]["/api/v1/me/addresses"]) == {"get", "post"}
    assert set(doc["paths"]["/api/v1/me/addresses/{address_id}"]) == {"put", "delete"}
    assert "201" in doc["paths"]["/api/v1/me/addresses"]["post"]["responses"]
    assert "address_id" in doc["components"]["schemas"]["Checkout"]["properties"]
