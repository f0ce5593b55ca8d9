"""The API's variants: products created and changed with variants, one variant changed or removed, foreign ids."""

import pytest

from mall.catalog.models import Product, ProductVariant
from mall.extensions import db
from mall.tenants.models import StaffRole

EN = {"Accept-Language": "en"}
SIZES = [{"sku": "SOCK-S", "options": {"size": "S"}, "price": "19.90", "stock": 3},
         {"sku": "SOCK-L", "options": {"size": "L"}, "price": "24.90", "stock": 0}]


@pytest.fixture
def shop_api(make_user, make_shop, api):
    """A shop, its owner's API client, and another shop with a product of its own."""
    owner = make_user()
    shop = make_shop(owner=owner, slug="socks")
    return {"shop": shop, "owner": owner, "api": api(owner), "base": "/api/v1/shops/socks"}


def _fields(reply) -> set:
    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from walk(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"
    return set(walk(reply.json["error"]["fields"], ""))


def _delete(client, path, user_api):
    return client.delete(path, headers={"Authorization": f"Bearer {user_api.token}", **EN})


def test_a_product_is_created_with_its_variants_and_shows_them(shop_api):
    reply = shop_api["api"].post(shop_api["base"] + "/products",
                                 {"name": "Socks", "category": "Socks", "variants": SIZES})
    assert reply.status_code == 201, reply.json
    product = reply.json["product"]
    assert (product["price"], product["stock"]) == ("19.90", 3)
    assert [(v["sku"], v["options"], v["label"], v["price"], v["stock"], v["is_active"]) for v in product["variants"]] \
        == [("SOCK-S", {"size": "S"}, "S", "19.90", 3, True), ("SOCK-L", {"size": "L"}, "L", "24.90", 0, True)]
    shown = shop_api["api"].get(f"{shop_api['base']}/products/{product['id']}")
    assert shown.json["product"]["variants"] == product["variants"]


def test_without_variants_one_is_made_from_price_and_stock(shop_api):
    reply = shop_api["api"].post(shop_api["base"] + "/products",
                                 {"name": "Cap", "category": "Hats", "price": "30.00", "stock": 4})
    assert reply.status_code == 201
    (variant,) = reply.json["product"]["variants"]
    assert (variant["options"], variant["label"], variant["price"], variant["stock"]) == ({}, "", "30.00", 4)
    assert variant["sku"] == f"P{reply.json['product']['id']}"
    # A product sold in one version still takes a new price or stock on the product itself.
    patched = shop_api["api"].patch(f"{shop_api['base']}/products/{reply.json['product']['id']}", {"stock": 9})
    assert patched.status_code == 200 and patched.json["product"]["variants"][0]["stock"] == 9
    assert patched.json["product"]["variants"][0]["price"] == "30.00"


@pytest.mark.parametrize(("body", "field"), [
    ({"variants": SIZES, "price": "10.00"}, "price"),
    ({}, "price"),
    ({"price": "10.00"}, "stock"),
    ({"variants": []}, "variants"),
    ({"variants": [{**SIZES[0], "options": {"a": "1", "b": "2", "c": "3", "d": "4"}}]}, "variants.0.options"),
    ({"variants": [{**SIZES[0], "options": {"size": ""}}]}, "variants.0.options.size.value"),
    ({"variants": [{**SIZES[0], "options": {"size": 5}}]}, "variants.0.options.size.value"),
    ({"variants": [{**SIZES[0], "sku": "no spaces"}]}, "variants.0.sku"),
    ({"variants": [{**SIZES[0], "sku": "x" * 65}]}, "variants.0.sku"),
    ({"variants": [{**SIZES[0], "price": "1000000.01"}]}, "variants.0.price"),
    ({"variants": [{**SIZES[0], "price": "1.001"}]}, "variants.0.price"),
    ({"variants": [{**SIZES[0], "stock": -1}]}, "variants.0.stock"),
    ({"variants": [{**SIZES[0], "stock": "3"}]}, "variants.0.stock"),
    ({"variants": [SIZES[0], {**SIZES[1], "sku": "SOCK-S"}]}, "variants.1.sku"),
    ({"variants": [SIZES[0], {**SIZES[1], "options": {"size": "S"}}]}, "variants.1.options"),
    ({"variants": [SIZES[0], {**SIZES[1], "options": {"colour": "Red"}}]}, "variants.1.options"),
    ({"variants": [{**SIZES[0], "id": 1}]}, "variants.0.id"),
    ({"variants": [{**SIZES[0], "is_active": False}]}, "variants"),
    ({"variants": [dict(SIZES[0], sku=f"S{i}", options={"n": str(i)}) for i in range(51)]}, "variants"),
])
def test_bad_variants_are_422_naming_the_field_and_create_nothing(shop_api, body, field):
    reply = shop_api["api"].post(shop_api["base"] + "/products", {"name": "Socks", "category": "Socks", **body}, EN)
    assert reply.status_code == 422 and field in _fields(reply), reply.json
    assert db.session.query(Product).count() == 0 and db.session.query(ProductVariant).count() == 0


def test_patching_the_variants_keeps_named_ones_and_removes_the_rest(shop_api, make_user, buy):
    created = shop_api["api"].post(shop_api["base"] + "/products",
                                   {"name": "Socks", "category": "Socks", "variants": SIZES}).json["product"]
    small, large = (v["id"] for v in created["variants"])
    path = f"{shop_api['base']}/products/{created['id']}"
    reply = shop_api["api"].patch(path, {"variants": [
        {"id": large, "sku": "SOCK-L", "options": {"size": "L"}, "price": "22.00", "stock": 8},
        {"options": {"size": "M"}, "price": "21.00", "stock": 2}]})
    assert reply.status_code == 200, reply.json
    variants = reply.json["product"]["variants"]
    assert [(v["id"] == large, v["label"], v["price"], v["stock"]) for v in variants] == [
        (True, "L", "22.00", 8), (False, "M", "21.00", 2)]
    assert db.session.get(ProductVariant, small) is None
    assert (reply.json["product"]["price"], reply.json["product"]["stock"]) == ("21.00", 10)
    # Price and stock belong to the variants of a product that has several.
    both = shop_api["api"].patch(path, {"price": "5.00"}, EN)
    assert both.status_code == 422 and _fields(both) == {"price"}


def test_a_variant_is_changed_or_removed_on_its_own(shop_api, make_user, api):
    created = shop_api["api"].post(shop_api["base"] + "/products",
                                   {"name": "Socks", "category": "Socks", "variants": SIZES}).json["product"]
    small, large = (v["id"] for v in created["variants"])
    changed = shop_api["api"].patch(f"{shop_api['base']}/variants/{large}", {"stock": 6, "price": "23.00"})
    assert changed.status_code == 200
    assert [(v["price"], v["stock"]) for v in changed.json["product"]["variants"]] == [("19.90", 3), ("23.00", 6)]
    assert changed.json["product"]["stock"] == 9
    clash = shop_api["api"].patch(f"{shop_api['base']}/variants/{large}", {"options": {"size": "S"}}, EN)
    assert clash.status_code == 422 and _fields(clash) == {"options"}
    # Bought, then removed: it is taken off sale and stays for the order.
    bought = api(make_user()).post("/api/v1/checkout", {"lines": [{"variant_id": small, "qty": 1}]})
    assert bought.status_code == 201
    client = shop_api["api"].client
    removed = _delete(client, f"{shop_api['base']}/variants/{small}", shop_api["api"])
    assert removed.status_code == 200 and removed.json["deactivated"] is True
    assert [(v["id"], v["is_active"]) for v in removed.json["product"]["variants"]] == [(small, False), (large, True)]
    last = _delete(client, f"{shop_api['base']}/variants/{large}", shop_api["api"])
    assert last.status_code == 422 and "variants" in _fields(last)  # the product is on sale: one variant stays


def test_another_shops_or_an_unknown_variant_is_a_404(shop_api, make_shop, make_product, add_staff, make_user, api):
    foreign = make_product(make_shop(slug="other"), price="5.00").variants[0]
    client = shop_api["api"].client
    for variant_id in (foreign.id, 2_000_000):
        assert shop_api["api"].patch(f"{shop_api['base']}/variants/{variant_id}", {"stock": 1}).status_code == 404
        assert _delete(client, f"{shop_api['base']}/variants/{variant_id}", shop_api["api"]).status_code == 404
    assert db.session.get(ProductVariant, foreign.id).stock == 10
    # Support staff see the shop but do not change its variants; shoppers do not get in.
    support = make_user()
    add_staff(shop_api["shop"], support, StaffRole.SUPPORT)
    own = make_product(shop_api["shop"], price="5.00").variants[0]
    assert api(support).patch(f"{shop_api['base']}/variants/{own.id}", {"stock": 1}).status_code == 403
    assert api(make_user()).patch(f"{shop_api['base']}/variants/{own.id}", {"stock": 1}).status_code == 403


def test_a_variant_of_another_product_cannot_be_kept_in_a_patch(shop_api, make_product):
    first = make_product(shop_api["shop"], price="5.00")
    second = make_product(shop_api["shop"], price="6.00")
    reply = shop_api["api"].patch(f"{shop_api['base']}/products/{second.id}", {"variants": [
        {"id": first.variants[0].id, "price": "1.00", "stock": 1}]}, EN)
    assert reply.status_code == 422 and _fields(reply) == {"variants.0.id"}
    assert db.session.get(ProductVariant, first.variants[0].id).price == first.variants[0].price


def test_the_openapi_document_describes_variants(client):
    document = client.get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]
    assert schemas["Variant"]["properties"]["options"]["maxProperties"] == 3
    assert schemas["Variant"]["properties"]["sku"]["maxLength"] == 64
    assert set(schemas["CheckoutLine"]["properties"]) == {"variant_id", "product_id", "qty", "redeem"}
    assert "variants" in schemas["Product"]["properties"]
    assert {"patch", "delete"} <= set(document["paths"]["/api/v1/shops/{shop}/variants/{variant_id}"])
