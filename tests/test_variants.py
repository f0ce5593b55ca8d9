"""Product variants (SKUs): each with its own price and stock, bought, reserved, refunded and priced per variant."""

from decimal import Decimal

import pytest
from flask_babel import force_locale

from mall.catalog.models import Product, ProductVariant
from mall.checkout.quote import build_quote
from mall.errors import FieldErrors
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import VANCL

TEE = [
    {"sku": "TEE-M", "options": {"size": "M", "colour": "Red"}, "price": Decimal("100.00"), "stock": 5},
    {"sku": "TEE-L", "options": {"size": "L", "colour": "Red"}, "price": Decimal("120.00"), "stock": 1},
    {"sku": "TEE-XL", "options": {"size": "XL", "colour": "Red"}, "price": Decimal("130.00"), "stock": 0},
]


@pytest.fixture
def tee(make_shop, make_product):
    """A shop's tee in three sizes (M ¥100 ×5, L ¥120 ×1, XL ¥130 sold out) and a plain cap (¥30 ×10)."""
    shop = make_shop(slug="tees")
    product = make_product(shop, name="Tee", variants=[dict(row) for row in TEE])
    cap = make_product(shop, name="Cap", price="30.00", stock=10)
    m, large, xl = product.variants
    return {"shop": shop, "product": product, "m": m, "l": large, "xl": xl, "cap": cap}


EN = {"Accept-Language": "en"}


def _fields(reply) -> set:
    """The error's field names, nested ones (marshmallow's) flattened to "lines.0.variant_id"."""
    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, dict):
                yield from walk(value, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"
    return set(walk(reply.json["error"]["fields"], ""))


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_a_product_keeps_its_from_price_and_stock_total_in_step(tee):
    product = tee["product"]
    assert [(v.label, v.price, v.stock) for v in product.variants] == [
        ("M / Red", Decimal("100.00"), 5), ("L / Red", Decimal("120.00"), 1), ("XL / Red", Decimal("130.00"), 0)]
    assert (product.price, product.stock) == (Decimal("100.00"), 6)
    cap = tee["cap"]
    assert len(cap.variants) == 1 and cap.variants[0].options == {} and cap.variants[0].sku == f"P{cap.id}"


def test_checkout_takes_stock_from_the_variant_bought_at_its_price(tee, make_user, api):
    reply = api(make_user()).post("/api/v1/checkout", {"lines": [{"variant_id": tee["l"].id, "qty": 1},
                                                                 {"product_id": tee["cap"].id, "qty": 2}]})
    assert reply.status_code == 201, reply.json
    lines = reply.json["orders"][0]["lines"]
    assert [(x["variant_id"], x["variant_label"], x["unit_price"], x["qty"]) for x in lines] == [
        (tee["l"].id, "L / Red", "120.00", 1), (tee["cap"].variants[0].id, "", "30.00", 2)]
    assert reply.json["orders"][0]["goods"] == "180.00"
    assert (_fresh(ProductVariant, tee["l"].id).stock, _fresh(ProductVariant, tee["m"].id).stock) == (0, 5)
    assert _fresh(Product, tee["product"].id).stock == 5


def test_a_variant_out_of_stock_is_a_422_and_takes_nothing(tee, make_user, api):
    shopper = api(make_user())
    sold_out = shopper.post("/api/v1/checkout", {"lines": [{"variant_id": tee["xl"].id, "qty": 1}]})
    assert sold_out.status_code == 422 and "lines.0.qty" in sold_out.json["error"]["fields"]
    too_many = shopper.post("/api/v1/checkout/quote", {"lines": [{"variant_id": tee["l"].id, "qty": 2}]}, EN)
    assert too_many.status_code == 422
    assert too_many.json["error"]["fields"]["lines.0.qty"] == ["Only 1 left in stock."]
    assert _fresh(ProductVariant, tee["l"].id).stock == 1


def test_lines_naming_one_variant_twice_are_merged_before_the_stock_check(tee, make_user, api):
    lines = [{"variant_id": tee["m"].id, "qty": 3}, {"variant_id": tee["m"].id, "qty": 3}]
    reply = api(make_user()).post("/api/v1/checkout/quote", {"lines": lines}, EN)
    assert reply.status_code == 422 and reply.json["error"]["fields"] == {"lines.0.qty": ["Only 5 left in stock."]}


def test_a_product_id_of_a_product_with_several_variants_asks_for_the_variant(tee, make_user, api):
    reply = api(make_user()).post("/api/v1/checkout/quote", {"lines": [{"product_id": tee["cap"].id, "qty": 1},
                                                                       {"product_id": tee["product"].id, "qty": 1}]},
                                  EN)
    assert reply.status_code == 422
    assert list(reply.json["error"]["fields"]) == ["lines.1.variant_id"]
    assert "variant_id" in reply.json["error"]["fields"]["lines.1.variant_id"][0]


def test_unknown_foreign_or_mismatched_variant_ids_are_refused_per_line(tee, make_shop, make_product, make_user, api):
    other = make_product(make_shop(), price="5.00").variants[0]
    shopper = api(make_user())
    for line, field in [({"variant_id": 2_000_000}, "lines.0.variant_id"),
                        ({"variant_id": "3"}, "lines.0.variant_id"),
                        ({"variant_id": tee["m"].id, "product_id": tee["cap"].id}, "lines.0.variant_id"),
                        ({"product_id": 2_000_000}, "lines.0.product_id"),
                        ({}, "lines.0.variant_id")]:
        reply = shopper.post("/api/v1/checkout/quote", {"lines": [{**line, "qty": 1}]})
        assert reply.status_code == 422 and _fields(reply) == {field}, (line, reply.json)
    # Another shop's variant is simply another shop's goods in the same cart: one order per shop.
    both = shopper.post("/api/v1/checkout/quote", {"lines": [{"variant_id": other.id, "qty": 1},
                                                             {"variant_id": tee["m"].id, "qty": 1}]})
    assert both.status_code == 200 and len(both.json["orders"]) == 2


def test_a_deactivated_variant_cannot_be_bought(tee, make_user, api):
    tee["m"].is_active = False
    db.session.commit()
    reply = api(make_user()).post("/api/v1/checkout/quote", {"lines": [{"variant_id": tee["m"].id, "qty": 1}]})
    assert reply.status_code == 422 and "lines.0.variant_id" in reply.json["error"]["fields"]


def test_a_refund_gives_stock_back_to_the_variant_refunded(tee, make_user, buy_variants):
    order = buy_variants(make_user(), (tee["m"], 2), (tee["l"], 1)).orders[0]
    large_line = next(line.id for line in order.lines if line.variant_id == tee["l"].id)
    orders.refund(order, None, lines=[{"line_id": large_line, "qty": 1}])
    db.session.commit()
    assert [_fresh(ProductVariant, tee[k].id).stock for k in ("m", "l", "xl")] == [3, 1, 0]
    assert _fresh(Product, tee["product"].id).stock == 4
    orders.refund(order, None, full=True)
    db.session.commit()
    assert [_fresh(ProductVariant, tee[k].id).stock for k in ("m", "l", "xl")] == [5, 1, 0]
    assert _fresh(Product, tee["product"].id).stock == 6


def test_cancelling_returns_each_variant_and_a_deactivated_one_stays_out_of_the_total(tee, make_user, buy_variants):
    placed = buy_variants(make_user(), (tee["m"], 2), (tee["l"], 1))
    tee["l"].is_active = False  # taken off sale after it was ordered
    from mall.catalog.variants import sync_product

    sync_product(tee["product"])
    db.session.commit()
    assert _fresh(Product, tee["product"].id).stock == 3
    orders.cancel(placed.orders[0], None)
    db.session.commit()
    assert [_fresh(ProductVariant, tee[k].id).stock for k in ("m", "l")] == [5, 1]
    assert _fresh(Product, tee["product"].id).stock == 5  # M's five; L's unit is back but L is off sale


@pytest.fixture
def buy_variants():
    """buy_variants(user, (variant, qty), …) → Checkout placed and committed."""
    from mall.checkout.operations import place_checkout

    def purchase(user, *items):
        placed = place_checkout(user, [{"variant_id": v.id, "qty": q} for v, q in items], {})
        db.session.commit()
        return placed

    return purchase


@pytest.fixture
def vancl_tee(make_shop, make_product, make_programme, make_user):
    """VANCL's programme with a VIP member (×0.98), the three-size tee and a ¥500 pair of jeans."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    product = make_product(shop, name="Tee", variants=[dict(row) for row in TEE])
    jeans = make_product(shop, name="Jeans", price="500.00", stock=10)
    user = make_user()
    member, _ = join_programme(programme, user)
    member.tier_code = "vip"
    db.session.commit()
    return {"shop": shop, "programme": programme, "user": user, "m": product.variants[0],
            "l": product.variants[1], "product": product, "jeans": jeans}


def test_member_prices_are_worked_out_on_each_variants_price(vancl_tee):
    quote = build_quote(vancl_tee["user"], [{"variant_id": vancl_tee["m"].id, "qty": 1},
                                            {"variant_id": vancl_tee["l"].id, "qty": 1}])
    (oq,) = quote.orders
    assert [(lq.unit_price, lq.adjusted("member_price"), lq.net) for lq in oq.lines] == [
        (Decimal("100.00"), Decimal("-2.00"), Decimal("98.00")),
        (Decimal("120.00"), Decimal("-2.40"), Decimal("117.60"))]


def test_a_product_scoped_coupon_covers_every_variant_of_its_product_only(vancl_tee):
    template = coupon_ops.create_template(vancl_tee["programme"], {
        "name": "Tee 10% off", "kind": "percent_off", "value": "0.9", "valid_days": 30,
        "product_ids": [vancl_tee["product"].id]})
    coupon = coupon_ops.issue(template, vancl_tee["user"], "staff")
    db.session.commit()
    lines = [{"variant_id": vancl_tee["m"].id, "qty": 1}, {"variant_id": vancl_tee["l"].id, "qty": 1},
             {"product_id": vancl_tee["jeans"].id, "qty": 1}]
    (oq,) = build_quote(vancl_tee["user"], lines, {"coupons": [coupon.id]}).orders
    # 10% of the member-priced tees (98.00 + 117.60 = 215.60 → 21.56), spread by their net; none on the jeans.
    assert [lq.adjusted("coupon") for lq in oq.lines] == [Decimal("-9.80"), Decimal("-11.76"), Decimal("0.00")]


def test_the_points_cap_and_points_earned_follow_the_variant_price(vancl_tee, checkout_at):
    from plugins.loyalty.checkout.operations import points_cap

    user = vancl_tee["user"]
    (oq,) = build_quote(user, [{"variant_id": vancl_tee["l"].id, "qty": 1}]).orders
    # 30% of the L tee's member price 117.60 = 35.28.
    assert points_cap(vancl_tee["programme"], [oq]) == Decimal("35.28")
    from plugins.loyalty.members.models import Membership

    before = db.session.execute(db.select(Membership.points_pending).filter_by(user_id=user.id)).scalar()
    from mall.checkout.operations import place_checkout

    place_checkout(user, [{"variant_id": vancl_tee["l"].id, "qty": 1}], {})
    db.session.commit()
    db.session.expire_all()
    after = db.session.execute(db.select(Membership.points_pending).filter_by(user_id=user.id)).scalar()
    assert after - before == 352  # 117.60 paid × 2 points per ¥1 × 1.5 for a VIP, floored (VANCL)


def test_adjustment_rows_name_the_variant_and_settlement_finds_its_line(vancl_tee):
    from mall.checkout.operations import place_checkout

    placed = place_checkout(vancl_tee["user"], [{"variant_id": vancl_tee["m"].id, "qty": 1},
                                                {"variant_id": vancl_tee["l"].id, "qty": 1}], {})
    db.session.commit()
    rows = [row for row in placed.orders[0].adjustments if row["kind"] == "member_price"]
    assert {row["variant_id"] for row in rows} == {vancl_tee["m"].id, vancl_tee["l"].id}


def test_save_product_refuses_bad_variants_and_changes_nothing(tee):
    from mall.catalog import operations as catalog

    shop, product = tee["shop"], tee["product"]
    base = {"name": "Tee", "category": "General"}
    cases = [
        ([{**TEE[0], "sku": "TEE-L"}, TEE[1]], "variants.1.sku"),           # two rows, one code
        ([TEE[0], {**TEE[1], "options": {"size": "M", "colour": "Red"}}], "variants.1.options"),
        ([TEE[0], {**TEE[1], "options": {"size": "L"}}], "variants.1.options"),
        ([TEE[0], {**TEE[1], "options": {}}], "variants.1.options"),
        ([{**TEE[0], "options": {"a": "1", "b": "2", "c": "3", "d": "4"}}], "variants.0.options"),
        ([{**TEE[0], "options": {"size": "x" * 41}}], "variants.0.options"),
        ([{**TEE[0], "sku": "has space"}], "variants.0.sku"),
        ([{**TEE[0], "price": Decimal("1000000.01")}], "variants.0.price"),
        ([{**TEE[0], "price": Decimal("1.005")}], "variants.0.price"),
        ([{**TEE[0], "stock": 1_000_001}], "variants.0.stock"),
        ([{**TEE[0], "stock": True}], "variants.0.stock"),
        ([{**TEE[0], "id": tee["cap"].variants[0].id}], "variants.0.id"),
        ([{**TEE[0], "is_active": False}], "variants"),
        ([dict(TEE[0]) for _ in range(51)], "variants"),
        ([], "variants"),
    ]
    for rows, field in cases:
        with pytest.raises(FieldErrors) as refused:
            catalog.save_product(shop, product, {**base, "variants": rows})
        assert field in refused.value.fields, (rows, refused.value.fields)
        db.session.rollback()
    assert [v.sku for v in _fresh(Product, product.id).variants] == ["TEE-M", "TEE-L", "TEE-XL"]


def test_a_sku_is_unique_in_the_shop_but_may_repeat_in_another(tee, make_shop, make_product):
    from mall.catalog import operations as catalog

    with pytest.raises(FieldErrors) as refused, force_locale("en"):
        catalog.save_product(tee["shop"], None, {"name": "Polo", "variants": [{**TEE[0], "sku": "TEE-M"}]})
    assert refused.value.fields == {"variants.0.sku": ["Another variant of this shop has this SKU."]}
    db.session.rollback()
    elsewhere = make_product(make_shop(), name="Polo", variants=[{**TEE[0], "sku": "TEE-M"}])
    assert elsewhere.variants[0].sku == "TEE-M"


def test_editing_variants_keeps_ids_swaps_codes_and_keeps_ordered_ones_off_sale(tee, make_user, buy_variants):
    from mall.catalog import operations as catalog

    buy_variants(make_user(), (tee["l"], 1))
    m, large, xl = tee["m"], tee["l"], tee["xl"]
    rows = [{"id": m.id, "sku": "TEE-XL", "options": {"size": "M", "colour": "Red"}, "price": Decimal("90.00"),
             "stock": 7},
            {"id": xl.id, "sku": "TEE-M", "options": {"size": "XL", "colour": "Red"}, "price": Decimal("80.00"),
             "stock": 2},
            {"options": {"size": "S", "colour": "Red"}, "price": Decimal("85.00"), "stock": 1}]
    catalog.save_product(tee["shop"], tee["product"], {"name": "Tee", "variants": rows})
    db.session.commit()
    product = _fresh(Product, tee["product"].id)
    assert [(v.id, v.sku, v.is_active) for v in product.variants] == [
        (m.id, "TEE-XL", True), (large.id, "TEE-L", False), (xl.id, "TEE-M", True),
        (product.variants[3].id, f"P{product.id}", True)]
    assert (product.price, product.stock) == (Decimal("80.00"), 10)  # the L tee was ordered: off sale, not deleted


def test_removing_a_variant_never_ordered_deletes_it_and_its_cart_lines(tee, make_user):
    from mall.cart import operations as cart
    from mall.cart.models import CartItem
    from mall.catalog import operations as catalog

    shopper = make_user()
    cart.add(shopper, tee["m"], 1)
    db.session.commit()
    keep = [{"id": tee["l"].id, **TEE[1]}, {"id": tee["xl"].id, **TEE[2]}]
    catalog.save_product(tee["shop"], tee["product"], {"name": "Tee", "variants": keep})
    db.session.commit()
    assert _fresh(ProductVariant, tee["m"].id) is None
    assert db.session.query(CartItem).count() == 0
    assert _fresh(Product, tee["product"].id).price == Decimal("120.00")
