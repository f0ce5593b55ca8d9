"""In a real browser, in Chinese and English, on a laptop and a phone: a shopper searches, picks a size, adds a
delivery address and checks out to it; the merchant ships with a tracking number; the shopper asks to return one
unit, sends it back once the shop agrees, and sees the refund when the shop confirms the goods arrived."""

import re
from decimal import Decimal

import pytest

from mall.extensions import db
from mall.orders.models import Order
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]

#: Words each walk must see on its pages, so a page left in the wrong language fails the test.
WORDS = {
    "zh": {"html": "zh-CN", "other": "en-US", "query": "条纹", "product": "条纹衬衫", "results": "“条纹”的搜索结果",
           "choose": "选择：尺码 / 颜色", "added": "已加入购物车", "addresses": "收货地址", "add_address": "新增地址",
           "saved": "地址已保存。", "deliver_to": "收货地址", "paid": "已付款", "ship_form": "订单发货",
           "shipped_flash": "订单已发货。", "shipped": "已发货", "carrier": "顺丰速运", "apply": "申请售后",
           "which": "申请哪些商品？", "asked": "售后申请已提交给商家", "awaiting": "待商家处理",
           "approve": "同意退货", "approved": "已同意，待买家退货", "send_back": "寄回商品", "sent_back": "我已寄出",
           "return_carrier": "中通快递", "returning": "退货途中", "receive": "确认收货并退款",
           "received": "已确认收货并退款。", "refunded": "已退款", "partly": "部分退款", "return_kind": "退货退款"},
    "en": {"html": "en", "other": "zh-CN", "query": "Striped", "product": "Striped shirt",
           "results": "Results for “Striped”", "choose": "Choose: 尺码 / 颜色", "added": "Added to your cart.",
           "addresses": "My addresses", "add_address": "Add an address", "saved": "Address saved.",
           "deliver_to": "Deliver to", "paid": "Paid", "ship_form": "Ship this order",
           "shipped_flash": "Order shipped.", "shipped": "Shipped", "carrier": "SF Express",
           "apply": "Apply for after-sales", "which": "Which items?",
           "asked": "Your request is with the shop.", "awaiting": "Awaiting decision", "approve": "Approve the return",
           "approved": "Approved: awaiting return", "send_back": "Send the goods back", "sent_back": "Goods sent back",
           "return_carrier": "ZTO Express", "returning": "Return on its way", "receive": "Goods received: refund",
           "received": "Goods received and refunded.", "refunded": "Refunded", "partly": "Partly refunded",
           "return_kind": "Return and refund"},
}
SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
#: The shirt's sizes: the shopper buys two L (¥109.00 each) and returns one.
SIZES = [
    {"sku": "SHIRT-M", "options": {"尺码": "M", "颜色": "蓝"}, "price": Decimal("99.00"), "stock": 5},
    {"sku": "SHIRT-L", "options": {"尺码": "L", "颜色": "蓝"}, "price": Decimal("109.00"), "stock": 4},
    {"sku": "SHIRT-XL", "options": {"尺码": "XL", "颜色": "蓝"}, "price": Decimal("119.00"), "stock": 0},
]
#: The address the shopper adds in the address book and sends the order to (the old default stays unused).
NEW_HOME = {"name": "王芳 Wang Fang", "phone": "13912345678", "region": "浙江省", "city": "杭州市",
            "district": "西湖区", "street": "文三路 90 号 3 幢 501 室", "postcode": "310012"}
TRACKING, RETURN_TRACKING = "SF1234567890", "ZTO9876543210"


class Walk:
    """Checks each main step of one browser's walk: visible words, no sideways scrolling, a screenshot."""

    def __init__(self, camera: Camera, who: str):
        self.camera, self.who = camera, who

    def see(self, page, label: str, *texts: str) -> str:
        self.camera.shoot(page, f"{self.who}-{label}")
        body = page.locator("body").inner_text()
        for text in texts:
            assert text in body, f"{self.who}/{label}: {text!r} not on {page.url}"
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{self.who}/{label}: {page.url} scrolls sideways by {overflow}px"
        return body


def _go(page, action) -> None:
    """Do something that loads a new page (a click, a submit) and wait for it to load."""
    with page.expect_navigation():
        action()


def _speak(page, base: str, words: dict) -> None:
    """Switch the site to the walk's language with the top bar's switch (the browser asks for the other one)."""
    page.goto(f"{base}/")
    if page.get_attribute("html", "lang") != words["html"]:
        _go(page, lambda: page.click("[data-test=lang-switch]"))
    assert page.get_attribute("html", "lang") == words["html"]


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the four walks (each walk opens its own contexts)."""
    with chromium() as launched:
        yield launched


def _order_id(url: str) -> int:
    match = re.search(r"/orders/(\d+)", url)
    assert match, url
    return int(match.group(1))


@requires_browser
@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_search_buy_ship_return_and_refund(app, browser, make_user, make_shop, make_product, lang, screen):
    words, viewport = WORDS[lang], SCREENS[screen]
    owner, shopper = make_user(name="Owner"), make_user(name="Alice")  # Alice has a default address already
    slug = f"shirts-{lang}-{screen}"
    shop = make_shop(owner=owner, slug=slug, shipping_fee=Decimal("8.00"))
    product = make_product(shop, name="条纹衬衫", name_en="Striped shirt", category="上衣",
                           description="纯棉条纹衬衫", description_en="A cotton shirt with stripes",
                           variants=[dict(row) for row in SIZES])
    large_id = product.variants[1].id
    owner_email, shopper_email, shopper_id = owner.email, shopper.email, shopper.id
    db.session.remove()  # SQLite: end our transaction before the server writes
    camera = Camera(f"commerce-{lang}-{screen}")
    buyer_walk, shop_walk = Walk(camera, "shopper"), Walk(camera, "merchant")

    with live_server(app) as base, browser.new_context(locale=words["other"], viewport=viewport) as buying, \
            browser.new_context(locale=words["other"], viewport=viewport) as managing:
        buyer = buying.new_page()
        sign_in(buyer, base, shopper_email)
        _speak(buyer, base, words)

        # Search from the top bar (on a phone its button opens the search page, whose box takes the words),
        # open the shirt, pick L and buy two.
        if buyer.locator("form.topsearch input[name=q]").is_visible():
            buyer.fill("form.topsearch input[name=q]", words["query"])
            _go(buyer, lambda: buyer.click("[data-test=top-search]"))
        else:
            _go(buyer, lambda: buyer.click("[data-test=top-search]"))
            buyer.fill("#sf-q", words["query"])
            _go(buyer, lambda: buyer.click("[data-test=search-submit]"))
        assert "/search" in buyer.url
        buyer_walk.see(buyer, "search", words["results"], words["product"])
        _go(buyer, lambda: buyer.locator("a.product-card", has_text=words["product"]).click())
        buyer_walk.see(buyer, "product", words["product"], words["choose"], "L / 蓝", "¥109.00")
        buyer.locator(f"[data-test=variant-{large_id}]").click()
        assert buyer.locator(f'input[name=variant_id][value="{large_id}"]').is_checked()
        assert buyer.locator("input[name=qty]").get_attribute("max") == "4"
        buyer.fill("input[name=qty]", "2")
        _go(buyer, lambda: buyer.click("[data-test=add-to-cart]"))
        buyer_walk.see(buyer, "cart", words["added"], words["product"], "L / 蓝", "¥218.00")

        # Add a second address in the address book.
        buyer.goto(f"{base}/addresses")
        buyer_walk.see(buyer, "addresses", words["addresses"], "Li Lei")
        _go(buyer, lambda: buyer.locator("a.btn", has_text=words["add_address"]).click())
        for name, value in NEW_HOME.items():
            buyer.fill(f"input[name={name}]", value)
        buyer_walk.see(buyer, "address-form")
        _go(buyer, lambda: buyer.click("[data-test=save-address]"))
        buyer_walk.see(buyer, "address-saved", words["saved"], "王芳 Wang Fang", "文三路 90 号")

        # Check out to the new address.
        buyer.goto(f"{base}/checkout")
        buyer_walk.see(buyer, "checkout", words["deliver_to"], "王芳 Wang Fang", "Li Lei", "¥226.00")
        buyer.locator("label.address-choice", has_text="王芳").locator("input[name=address_id]").check()
        _go(buyer, lambda: buyer.click("[data-test=pay]"))
        order_id = _order_id(buyer.url)
        buyer_walk.see(buyer, "order-paid", words["paid"], "王芳 Wang Fang", "文三路 90 号")

        # The merchant ships it with a carrier and a tracking number.
        merchant = managing.new_page()
        merchant.on("dialog", lambda dialog: dialog.accept())
        sign_in(merchant, base, owner_email)
        _speak(merchant, base, words)
        merchant.goto(f"{base}/admin/{slug}/orders/{order_id}")
        shop_walk.see(merchant, "order", words["ship_form"], "王芳 Wang Fang")
        merchant.select_option("#carrier", "顺丰速运")
        merchant.fill("#tracking_no", TRACKING)
        _go(merchant, lambda: merchant.click("[data-test=ship]"))
        shop_walk.see(merchant, "order-shipped", words["shipped_flash"], words["carrier"], TRACKING)

        # The shopper sees the parcel, and asks to return one of the two shirts.
        buyer.goto(f"{base}/orders/{order_id}")
        buyer_walk.see(buyer, "order-shipped", words["shipped"], words["carrier"], TRACKING, words["apply"])
        assert buyer.locator("[data-test=tracking-no]").inner_text() == TRACKING
        _go(buyer, lambda: buyer.locator("[data-test=order-after-sales] a", has_text=words["apply"]).click())
        buyer_walk.see(buyer, "after-sale-form", words["apply"], words["which"], words["return_kind"])
        buyer.check("input[name=kind][value=return]")
        buyer.locator("[data-test=after-sale-form] input.qty").fill("1")
        buyer.select_option("#reason_code", "damaged")
        buyer.fill("#reason", "袖口开线 / the cuff is torn")
        _go(buyer, lambda: buyer.click("[data-test=after-sale-form] button[type=submit]"))
        after_sale_url = buyer.url
        assert re.search(r"/after-sales/\d+$", after_sale_url), after_sale_url
        buyer_walk.see(buyer, "after-sale-asked", words["asked"], words["awaiting"], "the cuff is torn")

        # The merchant approves the return on the after-sales page.
        merchant.goto(f"{base}/admin/{slug}/after-sales")
        shop_walk.see(merchant, "after-sales", words["awaiting"], "¥109.00")
        _go(merchant, lambda: merchant.locator("table a[href*='/after-sales/']").first.click())
        shop_walk.see(merchant, "after-sale", words["return_kind"], "the cuff is torn", words["approve"])
        _go(merchant, lambda: merchant.get_by_role("button", name=words["approve"]).click())
        shop_walk.see(merchant, "after-sale-approved", words["approved"])

        # The shopper sends it back with a carrier and tracking number.
        buyer.goto(after_sale_url)
        buyer_walk.see(buyer, "after-sale-approved", words["approved"], words["send_back"])
        buyer.select_option("#carrier", "中通快递")
        buyer.fill("#tracking_no", RETURN_TRACKING)
        _go(buyer, lambda: buyer.get_by_role("button", name=words["sent_back"]).click())
        buyer_walk.see(buyer, "after-sale-sent", words["returning"], words["return_carrier"], RETURN_TRACKING)

        # The merchant confirms the goods arrived, which refunds them.
        merchant.reload()
        shop_walk.see(merchant, "after-sale-returning", words["returning"], RETURN_TRACKING, words["receive"])
        _go(merchant, lambda: merchant.get_by_role("button", name=words["receive"]).click())
        shop_walk.see(merchant, "after-sale-refunded", words["received"], words["refunded"], "¥109.00")

        # The shopper sees the refund on the request and on the order.
        buyer.goto(after_sale_url)
        buyer_walk.see(buyer, "after-sale-refunded", words["refunded"], "¥109.00")
        buyer.goto(f"{base}/orders/{order_id}")
        buyer_walk.see(buyer, "order-refunded", words["partly"], words["refunded"])

    db.session.expire_all()
    order = db.session.get(Order, order_id)
    assert order.user_id == shopper_id and order.status == "partially_refunded"
    assert order.carrier == "顺丰速运" and order.tracking_no == TRACKING
    assert order.address["name"] == NEW_HOME["name"]
    assert [(line.variant_id, line.qty, line.refunded_qty) for line in order.lines] == [(large_id, 2, 1)]
