"""Variants on the pages: the product page's picker, cart and checkout per variant, the merchant's variants table."""

import re
from decimal import Decimal

import pytest

from mall.catalog.models import Product, ProductVariant
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Order
from mall.reviews.operations import post_review
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import VANCL
from tests.races_support import flashes, signed_in

TEE = [
    {"sku": "TEE-M", "options": {"size": "M", "colour": "Red"}, "price": Decimal("100.00"), "stock": 5},
    {"sku": "TEE-L", "options": {"size": "L", "colour": "Red"}, "price": Decimal("120.00"), "stock": 1},
    {"sku": "TEE-XL", "options": {"size": "XL", "colour": "Red"}, "price": Decimal("130.00"), "stock": 0},
]


@pytest.fixture
def tee(make_shop, make_product, make_programme, make_user):
    """VANCL's shop with a three-size tee, a VIP shopper (×0.98) and the shop's owner."""
    owner = make_user()
    shop = make_shop(owner=owner, slug="vancl")
    programme = make_programme(shop, VANCL)
    product = make_product(shop, name="Tee", variants=[dict(row) for row in TEE])
    shopper = make_user()
    member, _ = join_programme(programme, shopper)
    member.tier_code = "vip"
    db.session.commit()
    m, large, xl = product.variants
    return {"shop": shop, "owner": owner, "shopper": shopper, "product": product, "m": m, "l": large, "xl": xl,
            "page": f"/s/vancl/products/{product.id}"}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_product_page_lists_each_variant_with_its_price_member_price_and_stock(app, tee):
    anonymous = app.test_client()
    anonymous.post("/lang/en")
    page = _text(anonymous.get(tee["page"]).get_data(as_text=True))
    assert "from ¥100.00" in page
    assert "M / Red ¥100.00 In stock" in page and "L / Red ¥120.00 Only 1 left" in page
    assert "XL / Red ¥130.00 Sold out" in page and "Sign in to buy" in page
    html = signed_in(app, tee["shopper"]).get(tee["page"]).get_data(as_text=True)
    assert f'value="{tee["xl"].id}" data-stock="0" disabled' in html
    assert f'value="{tee["m"].id}" data-stock="5" checked' in html
    words = _text(html)
    assert "M / Red ¥100.00 Your member price ¥98.00 VIP" in words
    assert "L / Red ¥120.00 Your member price ¥117.60 VIP" in words


def test_a_shopper_adds_a_chosen_variant_and_pays_its_price(app, tee):
    client = signed_in(app, tee["shopper"])
    assert client.post("/cart/add", data={"product_id": tee["product"].id, "variant_id": tee["l"].id,
                                          "qty": 1}).status_code == 302
    assert client.post("/cart/add", data={"product_id": tee["product"].id, "variant_id": tee["m"].id,
                                          "qty": 2}).status_code == 302
    cart = _text(client.get("/cart").get_data(as_text=True))
    assert "Tee M / Red" in cart and "Tee L / Red" in cart and "¥120.00 Your member price ¥117.60" in cart
    page = client.get("/checkout").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page).group(1)
    assert client.post("/checkout", data={"idempotency_key": key}).status_code == 302
    (order,) = db.session.query(Order).all()
    assert sorted((line.variant_label, line.unit_price, line.qty) for line in order.lines) == [
        ("L / Red", Decimal("120.00"), 1), ("M / Red", Decimal("100.00"), 2)]
    assert "M / Red" in client.get(f"/orders/{order.id}").get_data(as_text=True)
    assert client.get("/cart").get_data(as_text=True).count("data-test=\"variant-label\"") == 0  # bought: gone


def test_a_variant_must_be_chosen_in_stock_and_of_this_product(app, tee, make_product):
    client = signed_in(app, tee["shopper"])
    other = make_product(tee["shop"], price="5.00").variants[0]
    refused = [
        ({"product_id": tee["product"].id, "qty": 1}, "Choose one of this product's variants first."),
        ({"product_id": tee["product"].id, "variant_id": other.id, "qty": 1}, "This variant is not available."),
        ({"product_id": tee["product"].id, "variant_id": tee["xl"].id, "qty": 1},
         "This product cannot be bought right now."),
        ({"product_id": tee["product"].id, "variant_id": tee["l"].id, "qty": 2}, "Only 1 left in stock."),
    ]
    for form, message in refused:
        reply = client.post("/cart/add", data=form)
        assert reply.status_code == 302 and reply.location.endswith(tee["page"])
        assert any(f.startswith(message) for f in flashes(client)), (form, message)
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


def test_a_review_shows_the_variant_bought(app, tee, buy):
    from mall.checkout.operations import place_checkout

    order = place_checkout(tee["shopper"], [{"variant_id": tee["l"].id, "qty": 1}], {}).orders[0]
    orders.ship(order, None)
    orders.complete(order, None)
    post_review(tee["shopper"], order.lines[0], 5, "Fits well")
    db.session.commit()
    client = app.test_client()
    client.post("/lang/en")
    assert "L / Red" in _text(client.get(tee["page"]).get_data(as_text=True)).split("Reviews")[1]


def _row(i: int, **values) -> dict:
    return {f"variants-{i}-{name}": value for name, value in values.items()}


def test_the_merchant_creates_a_product_with_variants_in_the_table(app, tee):
    staff = signed_in(app, tee["owner"])
    page = staff.get("/admin/vancl/products/new").get_data(as_text=True)
    assert "variants-0-price" in page and "variants-1-price" not in page
    more = staff.post("/admin/vancl/products/new", data={"name": "Polo", "action": "add_row",
                                                         **_row(0, option1="S", price="50")})
    assert more.status_code == 200 and 'name="variants-1-price"' in more.get_data(as_text=True)
    form = {"name": "Polo", "category": "Tops", "option1": "Size", "is_active": "y",
            **_row(0, option1="S", price="50.00", stock="4", on_sale="y"),
            **_row(1, option1="M", sku="POLO-M", price="55.00", stock="0", on_sale="y"),
            **_row(2)}
    assert staff.post("/admin/vancl/products/new", data=form).status_code == 302
    polo = db.session.query(Product).filter_by(name="Polo").one()
    assert [(v.options, v.sku, v.price, v.stock) for v in polo.variants] == [
        ({"Size": "S"}, f"P{polo.id}", Decimal("50.00"), 4), ({"Size": "M"}, "POLO-M", Decimal("55.00"), 0)]
    listing = _text(staff.get("/admin/vancl/products").get_data(as_text=True))
    assert "Polo Tops ¥50.00 4" in listing.replace(" 2 variants", "") and "2 variants" in listing
    edit = staff.get(f"/admin/vancl/products/{polo.id}/edit").get_data(as_text=True)
    assert 'value="Size"' in edit and 'value="POLO-M"' in edit and 'name="variants-2-price"' in edit


def test_bad_rows_are_shown_on_their_row_and_nothing_is_saved(app, tee):
    staff = signed_in(app, tee["owner"])
    base = {"name": "Polo", "option1": "Size", "is_active": "y"}
    cases = [
        ({**_row(0, option1="S", price="5", stock="1", on_sale="y"), **_row(1, option1="S", price="6", stock="1",
                                                                             on_sale="y")},
         "Another variant has these options already."),
        ({**_row(0, option1="S", option2="Red", price="5", stock="1", on_sale="y")}, "Name this option above the"),
        ({**_row(0, option1="S", price="5", on_sale="y")}, "Enter a stock from 0 to 1000000."),
        ({**_row(0, option1="S", price="5", stock="1", sku="TEE-M", on_sale="y")},
         "Another variant of this shop has this SKU."),
        ({**_row(0, option1="S", price="5", stock="1")}, "Keep at least one variant on sale"),
        ({**_row(0, variant_id=str(tee["m"].id), option1="S", price="5", stock="1", on_sale="y")},
         "Not a variant of this product."),
        ({"option2": "Size", **_row(0, option1="S", option2="S", price="5", stock="1", on_sale="y")},
         "Give each option its own name."),
    ]
    for rows, message in cases:
        reply = staff.post("/admin/vancl/products/new", data={**base, **rows})
        assert reply.status_code == 422 and message in reply.get_data(as_text=True), message
    assert db.session.query(Product).filter_by(name="Polo").count() == 0


def test_removing_rows_deletes_a_variant_never_ordered_and_keeps_an_ordered_one_off_sale(app, tee):
    from mall.checkout.operations import place_checkout

    place_checkout(tee["shopper"], [{"variant_id": tee["l"].id, "qty": 1}], {})
    db.session.commit()
    staff = signed_in(app, tee["owner"])
    path = f"/admin/vancl/products/{tee['product'].id}/edit"
    form = {"name": "Tee", "option1": "size", "option2": "colour", "is_active": "y"}
    for i, key in enumerate(("m", "l", "xl")):
        v = tee[key]
        form.update(_row(i, variant_id=str(v.id), option1=v.options["size"], option2="Red", sku=v.sku,
                         price=str(v.price), stock=str(v.stock), on_sale="y"))
    form.update(_row(1, remove="y"), **_row(2, remove="y"))
    assert staff.post(path, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(ProductVariant, tee["xl"].id) is None
    kept = db.session.get(ProductVariant, tee["l"].id)
    assert kept is not None and not kept.is_active
    product = db.session.get(Product, tee["product"].id)
    assert (product.price, product.stock) == (Decimal("100.00"), 5)
    assert 'class="muted"' in staff.get(path).get_data(as_text=True)  # the ordered one is listed, off sale


def test_another_shops_product_form_is_a_404(app, tee, make_shop, make_product):
    foreign = make_product(make_shop(slug="other"), price="5.00")
    staff = signed_in(app, tee["owner"])
    assert staff.get(f"/admin/vancl/products/{foreign.id}/edit").status_code == 404
    assert staff.post(f"/admin/vancl/products/{foreign.id}/edit", data={"name": "x"}).status_code == 404
