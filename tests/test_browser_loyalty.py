"""In a real browser, in Chinese and English: the loyalty journey of a shopper, a merchant and an operator.

The shopper joins a shop, claims a coupon, checks in, buys with coupon + points + wallet and sees pending
points; the merchant ships; after the tick the shopper sees available points and tier progress; the merchant
finds the member on the dashboard and adjusts points; the operator sees the adjustment in the audit log.
"""

import copy
from datetime import timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from mall.orders.models import Order
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import membership
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import save_document
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]

WORDS = {
    "zh": {"join": "加入会员", "claim": "领取", "check_in": "签到", "apply": "使用", "pay": "立即付款",
           "ship": "标记发货", "adjust": "调整", "pending": "待生效", "audit": "points.adjusted",
           "silver": "银牌"},
    "en": {"join": "Join", "claim": "Claim", "check_in": "Check in", "apply": "Apply", "pay": "Pay now",
           "ship": "Mark shipped", "adjust": "Adjust", "pending": "Pending", "audit": "points.adjusted",
           "silver": "Silver"},
}


def _visit(page, camera, url, label):
    page.goto(url)
    page.wait_for_load_state("networkidle")
    camera.shoot(page, label)


def _click(page, camera, locator, label):
    page.once("dialog", lambda dialog: dialog.accept())
    locator.click()
    page.wait_for_load_state("networkidle")
    camera.shoot(page, label)


@requires_browser
@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_loyalty_journey(app, make_user, make_shop, make_product, lang, locale):
    """Four tiers (1 point per yuan, 100 for joining, 5 a day, 银牌 from 1000.00): the shopper buys a 1011.00
    teapot with a 10-off coupon, 100 points (1.00) and 20.00 from the wallet: 1000.00 paid, 1000 points
    pending, available after the return window, and 银牌 reached."""
    from playwright.sync_api import expect

    owner, shopper, operator = make_user(name="Owner"), make_user(name="Alice"), make_user(operator=True)
    shop = make_shop(owner=owner, slug=f"tea-{lang}", return_window_days=7)
    doc = copy.deepcopy(FOUR_TIERS)
    programme = save_document(shop, doc)
    coupon_ops.create_template(programme, {"name": "10 off 500", "kind": "amount_off", "value": "10",
                                           "min_spend": "500", "valid_days": 30, "claimable": True, "stock": 5})
    make_product(shop, price="1011.00", stock=5, name="Clay teapot")
    move(wallet_for(shopper), "cash", Decimal("50.00"), "top_up", "seed")
    db.session.commit()
    words, slug = WORDS[lang], shop.slug
    emails = {"shopper": shopper.email, "owner": owner.email, "operator": operator.email}
    shopper_id, programme_id = shopper.id, programme.id
    db.session.remove()  # SQLite: let the server take the write lock
    camera = Camera(f"loyalty-{lang}")

    with live_server(app) as base, chromium() as browser:
        buyer = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        sign_in(buyer, base, emails["shopper"])
        _visit(buyer, camera, f"{base}/s/{slug}/", "shop")
        _click(buyer, camera, buyer.locator(".join-box button"), "joined")
        _visit(buyer, camera, f"{base}/member/coupon-centre", "coupon-centre")
        _click(buyer, camera, buyer.get_by_role("button", name=words["claim"]).first, "coupon-claimed")
        _visit(buyer, camera, f"{base}/member/check-in", "check-in")
        _click(buyer, camera, buyer.get_by_role("button", name=words["check_in"]).first, "checked-in")
        product = buyer.locator("a", has_text="Clay teapot").first
        buyer.goto(f"{base}/s/{slug}/")
        product.click()
        buyer.wait_for_load_state("networkidle")
        camera.shoot(buyer, "product")
        _click(buyer, camera, buyer.locator("[data-test=add-to-cart]"), "cart")
        _visit(buyer, camera, f"{base}/checkout", "checkout")
        buyer.locator("[data-test=coupon-stub] input[type=radio]").first.check()
        buyer.fill(f"input[name=points-{slug}]", "100")
        buyer.fill("input[name=wallet]", "20.00")
        # The quote refreshes in place as the choices change (Apply is there for pages without the script).
        expect(buyer.locator("[data-total]")).to_contain_text("1,000.00")
        expect(buyer.locator("[data-from-wallet]")).to_contain_text("20.00")
        camera.shoot(buyer, "checkout-applied")
        _click(buyer, camera, buyer.locator("[data-test=pay]"), "paid")
        _visit(buyer, camera, f"{base}/member/points?programme={slug}", "points-pending")
        assert words["pending"] in buyer.content() and ">1,000<" in buyer.content()

        db.session.expire_all()
        order = db.session.execute(db.select(Order).where(Order.user_id == shopper_id)).scalar_one()
        assert (order.total, order.wallet_paid) == (Decimal("1000.00"), Decimal("20.00"))
        order_id = order.id
        db.session.remove()

        merchant = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        sign_in(merchant, base, emails["owner"])
        _visit(merchant, camera, f"{base}/admin/{slug}/orders/{order_id}", "merchant-order")
        _click(merchant, camera, merchant.get_by_role("button", name=words["ship"]), "merchant-shipped")

        run_tick(clock.now() + timedelta(days=8))
        db.session.remove()
        _visit(buyer, camera, f"{base}/member/points?programme={slug}", "points-available")
        _visit(buyer, camera, f"{base}/member/memberships", "tier-progress")
        assert "progress" in buyer.content() and words["silver"] in buyer.content()

        _visit(merchant, camera, f"{base}/admin/{slug}/loyalty/dashboard", "merchant-dashboard")
        assert "data-chart" in merchant.content()
        _visit(merchant, camera, f"{base}/admin/{slug}/loyalty/members", "merchant-members")
        merchant.locator("table a", has_text="Alice").click()
        merchant.wait_for_load_state("networkidle")
        camera.shoot(merchant, "merchant-member")
        merchant.fill("input[name=delta]", "50")
        merchant.fill("input[name=reason]", "Thank you 感谢")
        _click(merchant, camera, merchant.get_by_role("button", name=words["adjust"]), "merchant-adjusted")

        admin = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        sign_in(admin, base, emails["operator"])
        _visit(admin, camera, f"{base}/platform/audit/?action=points.adjusted", "operator-audit")
        assert words["audit"] in admin.content() and "Thank you 感谢" in admin.content()

    db.session.expire_all()
    member = membership(db.session.get(Programme, programme_id), db.session.get(type(shopper), shopper_id))
    # 100 joining + 5 check-in − 100 spent + 1000 earned + 50 adjusted.
    assert (member.points_available, member.points_pending, member.tier_code) == (100 + 5 - 100 + 1000 + 50, 0,
                                                                                  "silver")
    assert camera.count >= 20
