"""In a real browser, in Chinese and English, on a laptop and a phone: the checkout ticks the best coupons, and
choosing another coupon or some points updates the totals and the savings in place, without a reload."""

from decimal import Decimal

import pytest

from mall.cart import operations as cart
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language

pytestmark = [pytest.mark.browser, requires_browser]

WORDS = {"zh": {"html": "zh-CN", "other": "en-US", "title": "结算", "best": "最省", "saved": "共节省"},
         "en": {"html": "en", "other": "zh-CN", "title": "Check out", "best": "Best saving", "saved": "Saved in all"}}
SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the four walks."""
    with chromium() as launched:
        yield launched


def _coupon(programme, user, name, name_en, **terms):
    template = coupon_ops.create_template(programme, {"name": name, "name_en": name_en, "valid_days": 7, **terms})
    return coupon_ops.issue(template, user, "staff")


def _no_sideways_scroll(page, label):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{label}: the page scrolls sideways by {overflow}px"


def _to_pay(page) -> str:
    return page.locator("[data-total]").inner_text()


@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_changing_a_coupon_updates_the_total_in_place(app, browser, make_user, make_shop, make_product,
                                                      make_programme, lang, screen):
    from playwright.sync_api import expect

    words, viewport = WORDS[lang], SCREENS[screen]
    shop = make_shop(slug=f"tea-{lang}-{screen}", name_en="Tea House", shipping_fee=Decimal("8.00"),
                     free_shipping_threshold=Decimal("199.00"))
    programme = make_programme(shop, FOUR_TIERS)
    platform = make_programme(None, PLATFORM_PROGRAMME)
    user = make_user(name="Alice")
    member, _ = join_programme(programme, user)
    join_programme(platform, user)
    ledger.credit(member, 900, "adjust", "seed")
    move(wallet_for(user), "cash", Decimal("50.00"), "top_up", "seed")
    ten = _coupon(programme, user, "满50减10", "¥10 off ¥50", kind="amount_off", value="10", min_spend="50")
    tenth = _coupon(programme, user, "九折券", "10% off", kind="percent_off", value="0.90", max_discount="20")
    _coupon(platform, user, "平台立减5元", "Platform ¥5 off", kind="amount_off", value="5")
    cart.add(user, make_product(shop, price="150.00", name="龙井茶礼盒", name_en="Longjing tea gift box"), 1)
    db.session.commit()
    email, ten_id, tenth_id = user.email, ten.id, tenth.id
    db.session.remove()  # SQLite: end our transaction before the server writes
    camera = Camera(f"checkout/{lang}-{screen}")

    with live_server(app) as base, browser.new_context(locale=words["other"], viewport=viewport) as context:
        page = context.new_page()
        sign_in(page, base, email)
        use_language(page, base, words["html"])
        page.goto(f"{base}/checkout")
        assert page.get_attribute("html", "lang") == words["html"]
        body = page.locator("body").inner_text()
        assert words["title"] in body and words["best"] in body and words["saved"] in body
        # The best coupons are ticked: 150 − 15 − 5 + 8 shipping; Apply is hidden while the script runs.
        assert page.is_checked(f"[data-test=coupon-{tenth_id}]")
        assert _to_pay(page) == "¥138.00"
        assert not page.locator("[data-test=apply]").is_visible()
        _no_sideways_scroll(page, "best")
        camera.shoot(page, "best")

        page.evaluate("window.stillHere = true")
        page.locator(f"[data-test=coupon-{ten_id}]").check()
        expect(page.locator("[data-total]")).to_have_text("¥143.00")
        assert page.evaluate("window.stillHere") is True  # no reload
        assert page.locator("[data-saved]").inner_text() == "¥15.00"
        _no_sideways_scroll(page, "other coupon")
        camera.shoot(page, "other-coupon")

        page.fill("#points-" + f"tea-{lang}-{screen}", "500")
        expect(page.locator("[data-total]")).to_have_text("¥138.00")
        assert page.evaluate("window.stillHere") is True
        assert "−¥5.00" in page.locator("[data-savings]").inner_text()
        _no_sideways_scroll(page, "points")
        camera.shoot(page, "points")
