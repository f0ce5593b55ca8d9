"""One shop's order has a ceiling, so the points it earns always fit their columns."""

from mall.catalog.models import Product
from mall.extensions import db
from mall.orders.models import Order
from plugins.loyalty.seeds import VANCL


def test_an_order_above_the_ceiling_is_refused_with_a_message(make_user, make_shop, make_product, make_programme,
                                                               api):
    shop = make_shop()
    make_programme(shop, VANCL)
    products = [make_product(shop, price="1000000.00", stock=999) for _ in range(3)]
    shopper = api(make_user())
    body = {"lines": [{"product_id": p.id, "qty": 999} for p in products]}
    for path in ("/api/v1/checkout/quote", "/api/v1/checkout"):
        reply = shopper.post(path, body, headers={"Accept-Language": "en"})
        assert reply.status_code == 422, reply.json
        assert "at most ¥1000000.00" in reply.json["error"]["fields"]["lines"][0]
    db.session.expire_all()
    assert db.session.query(Order).count() == 0
    assert {db.session.get(Product, p.id).stock for p in products} == {999}


def test_an_order_at_the_ceiling_is_placed(make_user, make_shop, make_product, make_programme, api):
    shop = make_shop()
    make_programme(shop, VANCL)
    product = make_product(shop, price="500000.00", stock=5)
    reply = api(make_user()).post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 2}]})
    assert reply.status_code == 201, reply.json
    assert reply.json["orders"][0]["goods"] == "1000000.00"
