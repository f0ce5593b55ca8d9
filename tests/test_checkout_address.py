"""Checkout ships to one of the shopper's addresses (the default unless another is chosen); each order keeps a copy."""

import re

from mall.addresses import operations as addresses
from mall.cart import operations as cart
from mall.extensions import db
from mall.orders.models import Order
from tests.fixtures.factories import HOME, give_address
from tests.races_support import signed_in

OFFICE = {"name": "Han Meimei", "phone": "+44 20 7946 0958", "region": "England", "city": "London",
          "street": "10 Downing Street", "postcode": "SW1A 2AA"}
SNAPSHOT_KEYS = {"name", "phone", "region", "city", "district", "street", "postcode"}


def _orders() -> list[Order]:
    db.session.expire_all()
    return db.session.execute(db.select(Order).order_by(Order.id)).scalars().all()


def test_the_api_checkout_ships_to_the_default_address_without_address_id(api, make_user, make_shop, make_product):
    shopper = make_user()
    product_a, product_b = make_product(make_shop()), make_product(make_shop())
    lines = [{"product_id": product_a.id, "qty": 1}, {"product_id": product_b.id, "qty": 2}]
    quote = api(shopper).post("/api/v1/checkout/quote", {"lines": lines})
    assert quote.status_code == 200 and quote.json["address"]["street"] == HOME["street"]
    placed = api(shopper).post("/api/v1/checkout", {"lines": lines})
    assert placed.status_code == 201
    expected = {**HOME}
    assert [o["address"] for o in placed.json["orders"]] == [expected, expected]  # one copy per shop's order
    assert [o.address for o in _orders()] == [expected, expected]


def test_address_id_picks_another_address(api, make_user, make_shop, make_product):
    shopper = make_user()
    office = addresses.add_address(shopper, OFFICE)
    db.session.commit()
    lines = [{"product_id": make_product(make_shop()).id, "qty": 1}]
    quote = api(shopper).post("/api/v1/checkout/quote", {"lines": lines, "address_id": office.id})
    assert quote.json["address"]["id"] == office.id
    placed = api(shopper).post("/api/v1/checkout", {"lines": lines, "address_id": office.id})
    assert placed.status_code == 201
    assert placed.json["orders"][0]["address"] == {**OFFICE, "district": None}
    assert set(_orders()[0].address) == SNAPSHOT_KEYS


def test_no_address_or_a_foreign_one_is_422_on_address_id_and_places_nothing(api, make_user, make_shop,
                                                                            make_product):
    homeless, neighbour = make_user(address=False), make_user()
    theirs = addresses.default_address(neighbour).id
    product = make_product(make_shop(), stock=3)
    lines = [{"product_id": product.id, "qty": 1}]
    for path in ("/api/v1/checkout/quote", "/api/v1/checkout"):
        for user, body in ((homeless, {"lines": lines}), (homeless, {"lines": lines, "address_id": theirs}),
                           (neighbour, {"lines": lines, "address_id": 2147483647})):
            response = api(user).post(path, body)
            assert response.status_code == 422, (path, body, response.json)
            assert list(response.json["error"]["fields"]) == ["address_id"]
        assert api(neighbour).post(path, {"lines": lines, "address_id": "1"}).status_code == 422
    assert _orders() == []
    db.session.expire_all()
    assert product.stock == 3


def test_the_orders_copy_survives_editing_and_deleting_the_address(api, make_user, make_shop, make_product, buy):
    shopper = make_user()
    order = buy(shopper, (make_product(make_shop()), 1)).orders[0]
    address = addresses.default_address(shopper)
    addresses.update_address(address, {**HOME, "street": "Moved away 99", "is_default": None})
    db.session.commit()
    assert api(shopper).get(f"/api/v1/orders/{order.id}").json["order"]["address"] == HOME
    addresses.delete_address(address)
    db.session.commit()
    assert addresses.default_address(shopper) is None
    assert api(shopper).get(f"/api/v1/orders/{order.id}").json["order"]["address"] == HOME
    assert _orders()[0].address == HOME


def _cart(user, make_shop, make_product):
    cart.add(user, make_product(make_shop(), price="20.00"), 1)
    db.session.commit()


def test_the_checkout_page_lists_the_addresses_with_the_default_chosen(app, make_user, make_shop, make_product):
    shopper = make_user()
    office = addresses.add_address(shopper, OFFICE)
    db.session.commit()
    _cart(shopper, make_shop, make_product)
    client = signed_in(app, shopper)
    page = client.get("/checkout").get_data(as_text=True)
    home_id = addresses.default_address(shopper).id
    assert HOME["street"] in page and OFFICE["street"] in page
    assert re.search(rf'value="{home_id}" form="checkout-form" checked', page)
    assert f'value="{office.id}" form="checkout-form">' in page
    assert 'href="/addresses/new?from=checkout"' in page
    # Choosing the other address ships there.
    client.post("/checkout", data={"address_id": str(office.id), "idempotency_key": "k1"})
    assert _orders()[0].address["street"] == OFFICE["street"]


def test_a_shopper_without_an_address_is_told_and_led_to_add_one(app, make_user, make_shop, make_product):
    shopper = make_user(address=False)
    _cart(shopper, make_shop, make_product)
    client = signed_in(app, shopper)
    page = client.get("/checkout").get_data(as_text=True)
    assert "You have no delivery address yet." in page and 'data-test="add-address"' in page
    assert re.search(r'data-test="pay"\s+disabled', page)
    refused = client.post("/checkout", data={"idempotency_key": "k1"})
    assert refused.status_code == 422
    assert "You have no delivery address yet: add one first." in refused.get_data(as_text=True)
    assert _orders() == []
    # Adding one from the checkout comes straight back to it, with the new address chosen.
    added = client.post("/addresses/new?from=checkout", data=HOME)
    new_id = addresses.default_address(shopper).id
    assert added.status_code == 302 and added.location.endswith(f"/checkout?address_id={new_id}")
    back = client.get(added.location).get_data(as_text=True)
    assert re.search(rf'value="{new_id}" form="checkout-form" checked', back)
    client.post("/checkout", data={"address_id": str(new_id), "idempotency_key": "k2"})
    assert _orders()[0].address == HOME


def test_a_bad_or_foreign_address_on_the_page_is_refused(app, make_user, make_shop, make_product):
    shopper, neighbour = make_user(), make_user()
    _cart(shopper, make_shop, make_product)
    client = signed_in(app, shopper)
    theirs = addresses.default_address(neighbour).id
    for value, message in (("abc", "Enter a whole number."), (str(theirs), "This is not one of your addresses.")):
        response = client.post("/checkout", data={"address_id": value, "idempotency_key": f"k-{value}"})
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert _orders() == []


def test_internal_callers_may_name_the_address(make_user, make_shop, make_product):
    from mall.checkout.operations import place_checkout

    shopper = make_user(address=False)
    office = give_address(shopper, **OFFICE)
    placed = place_checkout(shopper, [{"product_id": make_product(make_shop()).id, "qty": 1}], {},
                            address_id=office.id)
    db.session.commit()
    assert placed.orders[0].address["city"] == "London"
