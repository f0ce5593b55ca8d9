"""Tenancy and access: foreign ids are 404, shoppers see only their own orders, support staff only read."""

import re

import pytest

from mall.extensions import db
from mall.orders.models import Order
from mall.tenants.models import Staff

ID_ARGS = {"order_id", "product_id", "staff_id"}


@pytest.fixture
def two_shops(make_user, make_shop, make_product, buy, add_staff):
    """Shop A (whose owner acts) and shop B (whose objects are foreign), each with an order."""
    owner_a, owner_b, shopper = make_user(), make_user(), make_user()
    shop_a, shop_b = make_shop(owner=owner_a), make_shop(owner=owner_b)
    prod_a, prod_b = make_product(shop_a), make_product(shop_b)
    buy(shopper, (prod_a, 1))
    order_b = buy(shopper, (prod_b, 1)).orders[0]
    staff_b = db.session.query(Staff).filter_by(tenant_id=shop_b.id).one()
    return {"owner_a": owner_a, "shop_a": shop_a, "shop_b": shop_b, "shopper": shopper,
            "foreign": {"order_id": order_b.id, "product_id": prod_b.id, "staff_id": staff_b.id}}


def _shop_routes(app):
    for rule in app.url_map.iter_rules():
        if (rule.endpoint.startswith("admin.") or rule.endpoint.startswith("api.")) and "shop" in rule.arguments:
            yield rule


def _fill(rule, shop, ids):
    path = rule.rule
    for arg in rule.arguments:
        value = shop if arg == "shop" else ids.get(arg, 1)
        path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), path)
    return path


def test_every_shop_route_answers_404_for_another_shops_ids(app, client, api, two_shops):
    owner_api = api(two_shops["owner_a"])
    client.post("/login", data={"email": two_shops["owner_a"].email, "password": "secret-pass-1"})
    checked = 0
    for rule in _shop_routes(app):
        if not any(f"{arg}>" in rule.rule for arg in ID_ARGS):
            continue
        path = _fill(rule, two_shops["shop_a"].slug, two_shops["foreign"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint.startswith("api."):
                res = getattr(owner_api, method.lower())(path) if method != "PATCH" else owner_api.patch(path, {})
            else:
                res = client.open(path, method=method, data={"full": "1", "role": "support", "remove": "1"})
            assert res.status_code == 404, (method, path, res.status_code)
            checked += 1
    assert checked >= 14
    db.session.expire_all()
    assert db.session.get(Order, two_shops["foreign"]["order_id"]).status == "paid"


def test_staff_of_one_shop_cannot_open_another_shops_admin(client, api, two_shops):
    client.post("/login", data={"email": two_shops["owner_a"].email, "password": "secret-pass-1"})
    assert client.get(f"/admin/{two_shops['shop_b'].slug}/").status_code == 403
    assert api(two_shops["owner_a"]).get(f"/api/v1/shops/{two_shops['shop_b'].slug}/orders").status_code == 403
    assert client.get(f"/admin/{two_shops['shop_a'].slug}/").status_code == 200


def test_shopper_cannot_read_another_shoppers_order(make_user, api, client, two_shops):
    stranger = make_user()
    order_id = two_shops["foreign"]["order_id"]
    assert api(two_shops["shopper"]).get(f"/api/v1/orders/{order_id}").status_code == 200
    assert api(stranger).get(f"/api/v1/orders/{order_id}").status_code == 404
    assert api(stranger).post(f"/api/v1/orders/{order_id}/cancel").status_code == 404
    client.post("/login", data={"email": stranger.email, "password": "secret-pass-1"})
    assert client.get(f"/orders/{order_id}").status_code == 404
    assert client.post(f"/orders/{order_id}/cancel").status_code == 404


def test_support_staff_cannot_change_anything(app, make_user, add_staff, client, api, two_shops):
    support = make_user()
    shop = two_shops["shop_a"]
    add_staff(shop, support, "support")
    own_order = db.session.query(Order).filter_by(tenant_id=shop.id).one()
    ids = {"order_id": own_order.id, "product_id": own_order.lines[0].product_id,
           "staff_id": db.session.query(Staff).filter_by(tenant_id=shop.id, user_id=support.id).one().id}
    support_api = api(support)
    client.post("/login", data={"email": support.email, "password": "secret-pass-1"})
    writes = 0
    for rule in _shop_routes(app):
        path = _fill(rule, shop.slug, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS", "GET"}):
            if rule.endpoint.startswith("api."):
                res = support_api.post(path, {}) if method == "POST" else support_api.patch(path, {})
            else:
                res = client.open(path, method=method, data={"full": "1", "role": "owner", "name": "x"})
            assert res.status_code == 403, (method, path, res.status_code)
            writes += 1
    assert writes >= 10
    assert client.get(f"/admin/{shop.slug}/orders/{own_order.id}").status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, own_order.id).status == "paid"


def test_operator_only_platform(make_user, api, client):
    shopper = make_user()
    assert api(shopper).post("/api/v1/platform/tenants", {}).status_code == 403
    assert api().post("/api/v1/platform/tenants", {}).status_code == 401
    client.post("/login", data={"email": shopper.email, "password": "secret-pass-1"})
    assert client.get("/platform/").status_code == 403


def test_suspended_shop_admin_is_read_only(make_user, make_shop, make_product, client, api):
    from mall.tenants import operations as tenants

    owner = make_user()
    shop = make_shop(owner=owner)
    make_product(shop)
    tenants.suspend(shop)
    db.session.commit()
    owner_api = api(owner)
    assert owner_api.get(f"/api/v1/shops/{shop.slug}/products").status_code == 200
    res = owner_api.post(f"/api/v1/shops/{shop.slug}/products", {"name": "n", "price": "1.00", "category": "c",
                                                                 "stock": 1})
    assert res.status_code == 403 and res.json["error"]["code"] == "forbidden"


def test_every_view_declares_access(app):
    undeclared = [name for name, view in app.view_functions.items()
                  if name != "static" and not getattr(view, "access", None)]
    assert undeclared == []
