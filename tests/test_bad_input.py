"""Every API write endpoint answers bad input with 400 / 404 / 422 (never 500) and writes nothing."""

import re

import pytest

from mall.api.openapi import REQUEST_SCHEMAS
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS

BAD_BODIES = [
    b"{not json", b"[1, 2]", b'"text"', b"NaN", b'{"a": NaN}',
    b'{"lines": "x", "name": 5, "price": -1, "stock": -3, "email": 7, "password": [], "full": "yes"}',
    b'{"lines": [{"product_id": "1", "qty": -2}], "price": "1e400", "rating": 99, "delta": 1.5}',
    b'{"lines": [{"product_id": 999999, "qty": 1}], "slug": "Bad Slug!", "owner_email": "nobody@example.com"}',
    ('{"name": "' + "x" * 10000 + '", "email": "' + "y" * 500 + '@example.com", "text": "' + "z" * 5000
     + '", "price": "10.00", "category": "' + "c" * 200 + '", "stock": 1}').encode(),
    b'{"lines": [{"line_id": 999999, "qty": 1}], "price": "12.345", "category": "c", "stock": 1, "name": "n"}',
    b'{"lines": [], "coupons": ["x"], "points": {"vancl": -5}, "wallet": "-1.00"}',
    b'{"price": true, "stock": 1.5, "name": null, "category": "c", "return_window_days": "30"}',
]


def _snapshot():
    return {t.name: db.session.execute(t.select()).all() for t in db.metadata.sorted_tables
            if t.name not in ("api_tokens",)}


@pytest.fixture
def world(make_user, make_shop, make_product, buy, make_programme):
    """An operator who owns a shop with a loyalty programme, a claimable template, a product and an order."""
    operator = make_user(operator=True)
    shop = make_shop(owner=operator)
    programme = make_programme(shop, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 7, "claimable": True})
    join_programme(programme, operator)
    product = make_product(shop)
    order = buy(operator, (product, 1)).orders[0]
    return {"operator": operator, "shop": shop, "ids": {
        "shop": shop.slug, "slug": shop.slug, "order_id": order.id, "product_id": product.id,
        "line_id": order.lines[0].id, "user_id": operator.id, "template_id": template.id}}


def test_bad_input_never_500_and_changes_nothing(app, api, world):
    client = api(world["operator"])
    before = _snapshot()
    tried = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):  # the core's endpoints and the plugins'
            continue
        for method in sorted(rule.methods & {"POST", "PATCH", "PUT"}):
            path = rule.rule
            for arg in rule.arguments:
                path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(world["ids"].get(arg, 1)), path)
            takes_body = rule.endpoint in REQUEST_SCHEMAS or getattr(app.view_functions[rule.endpoint],
                                                                     "openapi_request", None)
            bodies = BAD_BODIES if takes_body else BAD_BODIES[:5]
            for body in bodies:
                res = client.client.open(path, method=method, data=body, content_type="application/json",
                                         headers={"Authorization": f"Bearer {client.token}"})
                assert res.status_code in (400, 401, 404, 409, 422, 429), (method, path, body[:60], res.status_code,
                                                                       res.get_data(as_text=True)[:300])
                assert res.is_json and "error" in res.json and "Traceback" not in res.get_data(as_text=True)
                tried += 1
            db.session.expire_all()
    assert tried > 200
    assert _snapshot() == before


def test_unknown_ids_are_404(api, world):
    client = api(world["operator"])
    slug = world["shop"].slug
    assert client.post(f"/api/v1/shops/{slug}/orders/999999/ship").status_code == 404
    assert client.post("/api/v1/shops/no-such-shop/products", {}).status_code == 404
    assert client.get("/api/v1/orders/999999").status_code == 404
    assert client.post("/api/v1/platform/tenants/no-such-shop/suspend").status_code == 404


def test_field_errors_name_the_fields(api, world):
    res = api(world["operator"]).post(f"/api/v1/shops/{world['shop'].slug}/products",
                                      {"name": "", "price": "-1.00", "category": "c", "stock": -1})
    assert res.status_code == 422
    assert set(res.json["error"]["fields"]) == {"name", "price", "stock"}
