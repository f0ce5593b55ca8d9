"""In a real browser, in Chinese and English, on a laptop and a phone: the shopper's member centre.

A shopper in the platform's programme and two shops' (four tiers, VANCL style) with points, pending and
expiring points, a wallet, coupons of every kind and a cart opens the overview, coupons, coupon centre,
points and wallet pages. No page scrolls sideways, and the bottom tab bar shows on the phone only.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.cart import operations as cart
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import credit_metric, join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, VANCL
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language

pytestmark = [pytest.mark.browser, requires_browser]

SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
#: Words each page must show in the walk's language (a page left in the other language fails).
WORDS = {
    "zh": {"locale": "zh-CN", "html": "zh-CN", "points": "2,063 积分", "stub": "满300可用", "percent": "9折",
           "free": "无门槛", "claimed": "已领取", "gone": "已抢光", "expiring": "即将过期", "tier": "当前等级",
           "coupons": "我的优惠券", "wallet": "钱包余额", "me": "我的"},
    "en": {"locale": "en-US", "html": "en", "points": "2,063 points", "stub": "Spend ¥300", "percent": "10% off",
           "free": "No minimum", "claimed": "Claimed", "gone": "All gone", "expiring": "Expiring soon",
           "tier": "Your tier", "coupons": "My coupons", "wallet": "Wallet balance", "me": "Me"},
}


def build_member(make_programme, make_shop, make_user, make_product) -> dict:
    """A shopper with three programmes, points of every kind, a wallet, coupons and two things in the cart."""
    now = clock.now()
    platform = make_programme(None, PLATFORM_PROGRAMME)
    tea = make_shop(slug="tea", name_en="Tea House")
    tea.name = "茶香小铺"
    style = make_shop(slug="style")
    style.name, style.name_en = "凡客风尚", "Vancl Style"
    tea_programme, style_programme = make_programme(tea, FOUR_TIERS), make_programme(style, VANCL)
    user, rival = make_user(name="Li Lei"), make_user(name="Han Meimei")
    members = {p: join_programme(p, user, now)[0] for p in (platform, tea_programme, style_programme)}
    tea_member = members[tea_programme]
    ledger.credit(tea_member, 1963, "earn", "walk:soon", expires_at=now + timedelta(days=12), at=now)
    ledger.add_pending(tea_member, 258, "earn", "walk:pending")
    credit_metric(tea_member, Decimal("620.00"), "walk:tea-spend", now)
    credit_metric(members[style_programme], Decimal("2100.00"), "walk:style-spend", now)
    credit_metric(members[platform], Decimal("1200.00"), "walk:platform-spend", now)
    move(wallet_for(user), "cash", Decimal("320.00"), "top_up", "walk:cash")
    move(wallet_for(user), "bonus", Decimal("15.50"), "top_up", "walk:bonus")
    tea_goods = make_product(tea, price="88.00", name="龙井 Longjing")
    category = tea_goods.category_id
    make_product(tea, price="128.00", name="白茶 White tea")
    templates = {
        "thirty": {"name": "满300减30", "name_en": "¥30 off ¥300", "kind": "amount_off", "value": "30",
                   "min_spend": "300", "valid_days": 7, "claimable": True},
        "ninety": {"name": "茶叶9折", "name_en": "Tea 10% off", "kind": "percent_off", "value": "0.90",
                   "max_discount": "50", "category_ids": [category], "exclude_sale_items": True, "valid_days": 30,
                   "claimable": True, "points_price": 200},
        "ship": {"name": "包邮券", "name_en": "Free delivery", "kind": "free_shipping", "value": "0", "valid_days": 14,
                 "claimable": True},
        "last": {"name": "限量50元券", "name_en": "Limited ¥50", "kind": "amount_off", "value": "50",
                 "min_spend": "500", "valid_days": 7, "claimable": True, "stock": 1},
    }
    made = {key: coupon_ops.create_template(tea_programme, raw) for key, raw in templates.items()}
    made["platform"] = coupon_ops.create_template(platform, {
        "name": "平台满99减10", "name_en": "Platform ¥10 off ¥99", "kind": "amount_off", "value": "10",
        "min_spend": "99", "valid_days": 10, "claimable": True})
    coupon_ops.issue(made["thirty"], user, "claim")
    coupon_ops.issue(made["platform"], user, "claim")
    expiring = coupon_ops.issue(made["ninety"], user, "staff")
    expiring.valid_until = now + timedelta(days=2)
    coupon_ops.issue(made["last"], rival, "claim")
    cart.add(user, tea_goods, 2)
    db.session.commit()
    return {"user": user}


def _tab_bar_shown(page) -> bool:
    return page.evaluate("""() => { const bar = document.querySelector('[data-test=tabbar]');
        return !!bar && getComputedStyle(bar).display !== 'none' && bar.getBoundingClientRect().height > 0; }""")


@requires_browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_member_centre_walk(app, make_programme, make_shop, make_user, make_product, lang):
    """Overview, coupons, coupon centre, points and wallet at 1366 and 390 px: words with units, no sideways
    scrolling, the tab bar only on the phone with the cart's count, the member menu as tiles on the phone."""
    world = build_member(make_programme, make_shop, make_user, make_product)
    email, words = world["user"].email, WORDS[lang]
    db.session.remove()  # SQLite: let the server take the write lock
    camera = Camera(f"member_centre/{lang}")
    pages = [("overview", "/member/overview", (words["points"], words["wallet"])),
             ("memberships", "/member/memberships", (words["tier"],)),
             ("coupons", "/member/coupons", (words["stub"], words["expiring"], words["percent"])),
             ("coupon-centre", "/member/coupon-centre", (words["claimed"], words["gone"], words["free"])),
             ("points", "/member/points?programme=tea", (words["points"],)),
             ("wallet", "/member/wallet", ())]
    with live_server(app) as base, chromium() as browser:
        for screen, viewport in SCREENS.items():
            page = browser.new_context(locale=words["locale"], viewport=viewport).new_page()
            sign_in(page, base, email)
            use_language(page, base, words["html"])
            assert page.get_attribute("html", "lang") == words["html"]
            for label, path, texts in pages:
                page.goto(f"{base}{path}")
                page.wait_for_load_state("networkidle")
                camera.shoot(page, f"{lang}-{screen}-{label}")
                body = page.locator("body").inner_text()
                for text in texts:
                    assert text in body, f"{lang}/{screen}/{label}: {text!r} missing"
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{lang}/{screen}/{label} scrolls sideways by {overflow}px"
                assert _tab_bar_shown(page) == (screen == "phone"), f"{lang}/{screen}/{label}: tab bar"
                assert page.locator(".member-side").is_visible() == (screen == "laptop")
            if screen == "phone":
                page.goto(f"{base}/member/overview")
                assert page.locator(".member-grid").is_visible()
                me = page.locator("[data-test=tabbar] [data-tab=me]")
                assert "on" in me.get_attribute("class") and words["me"] in me.inner_text()
                assert page.locator("[data-test=tab-cart-count]").inner_text() == "2"
                # The bar covers nothing: the page's last words scroll clear of it.
                page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
                footer = page.locator("footer").bounding_box()
                bar = page.locator("[data-test=tabbar]").bounding_box()
                assert footer["y"] + footer["height"] <= bar["y"] + 1
            page.context.close()
