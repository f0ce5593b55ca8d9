"""Checkout: split per shop, shipping, payment decline, idempotency, quote explanations."""

from decimal import Decimal

from mall.catalog.models import Product
from mall.extensions import db
from mall.orders.models import Order
from mall.payments.gateway import GatewayCharge


def test_checkout_splits_into_one_paid_order_per_shop(make_user, make_shop, make_product, api):
    shop_a = make_shop(shipping_fee=Decimal("8.00"), free_shipping_threshold=Decimal("50.00"))
    shop_b = make_shop(shipping_fee=Decimal("5.00"))
    a1, a2 = make_product(shop_a, price="20.00"), make_product(shop_a, price="15.50")
    b1 = make_product(shop_b, price="99.90", stock=3)
    shopper = api(make_user())
    res = shopper.post("/api/v1/checkout", {"lines": [
        {"product_id": a1.id, "qty": 1}, {"product_id": b1.id, "qty": 2}, {"product_id": a2.id, "qty": 2}]})
    assert res.status_code == 201, res.json
    orders = res.json["orders"]
    assert [o["shop"] for o in orders] == [shop_a.slug, shop_b.slug]
    assert orders[0]["goods"] == "51.00" and orders[0]["shipping"] == "0.00" and orders[0]["total"] == "51.00"
    assert orders[1]["goods"] == "199.80" and orders[1]["shipping"] == "5.00" and orders[1]["total"] == "204.80"
    assert all(o["status"] == "paid" and o["gateway_paid"] == o["total"] for o in orders)
    assert res.json["total"] == "255.80"
    db.session.expire_all()
    assert db.session.get(Product, b1.id).stock == 1
    assert db.session.get(Product, a2.id).stock == 8


def test_declined_payment_takes_no_money_and_the_pending_order_cancels_back(make_user, make_shop, make_product,
                                                                               api):
    """A decline charges nothing and pays no order; the order waits pending payment, and cancelling it
    puts the stock back. (Before payments left the transaction, a decline wrote nothing at all.)"""
    product = make_product(make_shop(), stock=4)
    shopper = api(make_user())
    res = shopper.post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 2}],
                                            "payment_token": "decline-insufficient-funds"})
    assert res.status_code == 422
    assert res.json["error"]["code"] == "payment_declined" and "payment_token" in res.json["error"]["fields"]
    db.session.expire_all()
    assert db.session.query(GatewayCharge).filter_by(outcome="charged").count() == 0
    order = db.session.query(Order).one()
    assert order.status == "pending_payment" and order.paid_at is None and order.payments == []
    assert db.session.get(Product, product.id).stock == 2  # held for the pending order
    cancelled = shopper.post(f"/api/v1/orders/{order.id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json["refund"]["amount"] == "0.00"
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "cancelled"
    assert db.session.get(Product, product.id).stock == 4
    assert db.session.query(GatewayCharge).filter_by(outcome="charged").count() == 0


def test_idempotency_key_replays_and_conflicts(make_user, make_shop, make_product, api):
    product = make_product(make_shop(), stock=10)
    shopper = api(make_user())
    body = {"lines": [{"product_id": product.id, "qty": 2}]}
    first = shopper.post("/api/v1/checkout", body, headers={"Idempotency-Key": "k-1"})
    again = shopper.post("/api/v1/checkout", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert db.session.query(Order).count() == 1
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 8
    other = shopper.post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 1}]},
                         headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409
    assert other.json["error"]["code"] == "idempotency_conflict"
    assert db.session.query(Order).count() == 1


def test_quote_changes_nothing_and_refuses_unknown_options(make_user, make_shop, make_product, api):
    product = make_product(make_shop(), stock=2)
    shopper = api(make_user())
    res = shopper.post("/api/v1/checkout/quote", {"lines": [{"product_id": product.id, "qty": 2}]})
    assert res.status_code == 200 and res.json["orders"][0]["lines"][0]["base"] == "20.00"
    too_many = shopper.post("/api/v1/checkout/quote", {"lines": [{"product_id": product.id, "qty": 3}]})
    assert too_many.status_code == 422 and "lines.0.qty" in too_many.json["error"]["fields"]
    assert db.session.query(Order).count() == 0


def test_sale_window_is_enforced(make_user, make_shop, make_product, api):
    from datetime import timedelta

    from mall import clock

    shop = make_shop()
    later = make_product(shop, sale=True, sale_starts_at=clock.now() + timedelta(days=1),
                         sale_ends_at=clock.now() + timedelta(days=2))
    res = api(make_user()).post("/api/v1/checkout", {"lines": [{"product_id": later.id, "qty": 1}]})
    assert res.status_code == 422 and "lines.0.product_id" in res.json["error"]["fields"]


def test_suspended_shop_cannot_sell(make_user, make_shop, make_product, api, client):
    from mall.tenants import operations as tenants

    shop = make_shop()
    product = make_product(shop)
    tenants.suspend(shop)
    db.session.commit()
    res = api(make_user()).post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 1}]})
    assert res.status_code == 422
    assert client.get(f"/s/{shop.slug}/").status_code == 404
