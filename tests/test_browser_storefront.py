"""In a real browser: a shopper buys through the pages and the merchant ships, in Chinese and English."""

import re
from decimal import Decimal

import pytest

from mall.extensions import db
from mall.orders.models import Order
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]

#: Words each walk must see, so a page left in the wrong language fails the test.
WORDS = {
    "zh": {"add": "加入购物车", "pay": "立即付款", "ship": "标记发货", "shipped": "已发货"},
    "en": {"add": "Add to cart", "pay": "Pay now", "ship": "Mark shipped", "shipped": "Shipped"},
}


@requires_browser
@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_buy_and_ship_through_the_pages(app, make_user, make_shop, make_product, lang, locale):
    """Shopper: shop → product → cart → pay → order; merchant: order → ship; shopper sees it shipped."""
    shopper = make_user(name="Alice")
    owner = make_user(name="Owner")
    shop = make_shop(owner=owner, slug=f"tea-{lang}", shipping_fee=Decimal("8.00"))
    product = make_product(shop, price="59.00", stock=5, name="Longjing tea")
    words = WORDS[lang]
    slug, product_id, shopper_email, owner_email = shop.slug, product.id, shopper.email, owner.email
    shopper_id = shopper.id
    # SQLite transactions here take the write lock (BEGIN IMMEDIATE): end ours before the server writes.
    db.session.remove()
    camera = Camera(f"storefront-{lang}")

    with live_server(app) as base, chromium() as browser:
        buyer = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        sign_in(buyer, base, shopper_email)
        camera.shoot(buyer, "signed-in-home")

        buyer.goto(f"{base}/s/{slug}/")
        assert "Longjing tea" in buyer.content()
        camera.shoot(buyer, "shop")
        buyer.goto(f"{base}/s/{slug}/products/{product_id}")
        camera.shoot(buyer, "product")
        add = buyer.locator("[data-test=add-to-cart]")
        assert add.inner_text().strip() == words["add"]
        buyer.fill("input[name=qty]", "2")
        add.click()
        buyer.wait_for_load_state("networkidle")
        camera.shoot(buyer, "cart")

        buyer.goto(f"{base}/checkout")
        pay = buyer.locator("[data-test=pay]")
        assert pay.inner_text().strip() == words["pay"]
        assert "126.00" in buyer.content()  # 2 × 59.00 + 8.00 shipping
        camera.shoot(buyer, "checkout")
        pay.click()
        buyer.wait_for_load_state("networkidle")
        assert re.search(r"/orders/\d+", buyer.url), buyer.url
        camera.shoot(buyer, "order-paid")

        db.session.expire_all()
        order = db.session.execute(db.select(Order).where(Order.user_id == shopper_id)).scalar_one()
        assert order.status == "paid" and str(order.total) == "126.00"
        order_id = order.id
        db.session.remove()

        merchant = browser.new_context(locale=locale, viewport={"width": 390, "height": 844}).new_page()
        sign_in(merchant, base, owner_email)
        merchant.goto(f"{base}/admin/{slug}/orders")
        camera.shoot(merchant, "admin-orders-mobile")
        merchant.goto(f"{base}/admin/{slug}/orders/{order_id}")
        ship = merchant.get_by_role("button", name=words["ship"])
        ship.click()
        merchant.wait_for_load_state("networkidle")
        camera.shoot(merchant, "admin-order-shipped-mobile")

        buyer.goto(f"{base}/orders/{order_id}")
        assert words["shipped"] in buyer.content()
        camera.shoot(buyer, "order-shipped")

    db.session.expire_all()
    assert db.session.get(Order, order_id).status == "shipped"
    assert camera.count == 9
