"""In a real browser, in Chinese and English, on a laptop and a phone: the merchant sets up a product's sizes in
the variants table (a mistake shown on its row first), and a shopper picks a size and buys it at its price."""

import pytest

from mall.catalog.models import Product
from mall.extensions import db
from mall.orders.models import Order
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]

WORDS = {
    "zh": {"size": "尺码", "colour": "颜色", "add_row": "添加一行规格", "save": "保存",
           "clash": "已有规格使用了相同的规格值", "add": "加入购物车", "pay": "立即付款", "choose": "选择"},
    "en": {"size": "Size", "colour": "Colour", "add_row": "Add a variant row", "save": "Save",
           "clash": "Another variant has these options already", "add": "Add to cart", "pay": "Pay now",
           "choose": "Choose"},
}
SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
ROWS = [("M", "Red", "99.00", "5"), ("L", "Red", "109.00", "1"), ("XL", "Red", "119.00", "0")]


def _submit(page, button) -> None:
    """Click a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state("networkidle")


def _fill_row(page, i: int, size: str, colour: str, price: str, stock: str) -> None:
    for name, value in (("option1", size), ("option2", colour), ("price", price), ("stock", stock)):
        page.fill(f'input[name="variants-{i}-{name}"]', value)


@requires_browser
@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize(("lang", "locale"), [("zh", "zh-CN"), ("en", "en-US")])
def test_merchant_sets_up_sizes_and_a_shopper_buys_one(app, make_user, make_shop, lang, locale, screen):
    words, viewport = WORDS[lang], SCREENS[screen]
    owner, shopper = make_user(name="Owner"), make_user(name="Alice")
    slug = f"tees-{lang}-{screen}"
    make_shop(owner=owner, slug=slug)
    owner_email, shopper_email, shopper_id = owner.email, shopper.email, shopper.id
    db.session.remove()  # SQLite: end our transaction before the server writes
    camera = Camera(f"variants-{lang}-{screen}")

    with live_server(app) as base, chromium() as browser:
        merchant = browser.new_context(locale=locale, viewport=viewport).new_page()
        sign_in(merchant, base, owner_email)
        merchant.goto(f"{base}/admin/{slug}/products/new")
        merchant.fill("#name", "Tee")
        merchant.fill("#category", "Tops")
        merchant.fill("#option1", words["size"])
        merchant.fill("#option2", words["colour"])
        _fill_row(merchant, 0, *ROWS[0])
        for i in (1, 2):
            _submit(merchant, merchant.get_by_role("button", name=words["add_row"]))
            _fill_row(merchant, i, *ROWS[0] if i == 2 else ROWS[i])  # the third row repeats M at first
        _submit(merchant, merchant.get_by_role("button", name=words["save"], exact=True))
        assert words["clash"] in merchant.content()
        camera.shoot(merchant, "form-with-a-mistake")
        _fill_row(merchant, 2, *ROWS[2])
        _submit(merchant, merchant.get_by_role("button", name=words["save"], exact=True))
        camera.shoot(merchant, "product-list")

        db.session.expire_all()
        product = db.session.execute(db.select(Product).filter_by(name="Tee")).scalar_one()
        product_id, large_id = product.id, product.variants[1].id
        assert [(v.label, str(v.price), v.stock) for v in product.variants] == [
            (f"{s} / {c}", p, int(n)) for s, c, p, n in ROWS]
        db.session.remove()

        buyer = browser.new_context(locale=locale, viewport=viewport).new_page()
        sign_in(buyer, base, shopper_email)
        buyer.goto(f"{base}/s/{slug}/products/{product_id}")
        assert words["choose"] in buyer.content()
        buyer.locator(f'input[name=variant_id][value="{large_id}"]').check()
        assert buyer.locator("input[name=qty]").get_attribute("max") == "1"
        camera.shoot(buyer, "product-picker")
        _submit(buyer, buyer.locator("[data-test=add-to-cart]"))
        camera.shoot(buyer, "cart")
        buyer.goto(f"{base}/checkout")
        camera.shoot(buyer, "checkout")
        _submit(buyer, buyer.get_by_role("button", name=words["pay"]))
        camera.shoot(buyer, "order")

    db.session.expire_all()
    order = db.session.execute(db.select(Order).where(Order.user_id == shopper_id)).scalar_one()
    assert [(line.variant_id, line.variant_label, str(line.unit_price)) for line in order.lines] == [
        (large_id, "L / Red", "109.00")]
