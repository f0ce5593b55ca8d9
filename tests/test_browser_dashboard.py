"""In a real browser, in Chinese and English, on a laptop and a phone: the shop overview and the loyalty dashboard,
with trade and empty, draw their KPI cards and charts without scrolling sideways; a bad range shows its message."""

from datetime import timedelta

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language

pytestmark = [pytest.mark.browser, requires_browser]

WORDS = {
    "zh": {"html": "zh-CN", "other": "en-US", "overview": "概览", "loyalty": "会员看板", "active": "活跃率",
           "paid": "付款订单", "no_members": "还没有会员", "no_orders": "还没有订单", "bad": "开始日期晚于结束日期"},
    "en": {"html": "en", "other": "zh-CN", "overview": "Overview", "loyalty": "Loyalty dashboard",
           "active": "Active rate", "paid": "Paid orders", "no_members": "No members yet",
           "no_orders": "No orders yet", "bad": "The start date is after the end date."},
}
SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the four walks."""
    with chromium() as launched:
        yield launched


def _trade(make_user, make_shop, make_product, make_programme, checkout_at, owner, slug):
    """Ten members over the last ten weeks, most of them buying, some twice, some with a coupon."""
    tenant = make_shop(owner=owner, slug=slug)
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "满100减5", "name_en": "5 off 100", "kind": "amount_off",
                                                      "value": "5", "min_spend": "100", "valid_days": 60})
    db.session.commit()
    product = make_product(tenant, price="128.00", stock=500, name="龙井茶", name_en="Longjing tea")
    now = clock.now()
    for i in range(10):
        user = make_user()
        join_programme(programme, user, now - timedelta(days=70 - i * 5))
        with clock.frozen_at(now - timedelta(days=55 - i * 5)):
            coupon = coupon_ops.issue(template, user, "staff")
        db.session.commit()
        if i % 4 != 3:
            checkout_at(user, now - timedelta(days=52 - i * 5, hours=2), (product, 1 + i % 3),
                        coupons=[coupon.id] if i % 2 else None)
        if i % 3 == 0:
            # Some spend their joining points, drawn below the axis of the points chart.
            checkout_at(user, now - timedelta(days=12 - i, hours=1), (product, 1),
                        points={slug: 100} if i % 2 == 0 else None)


@requires_browser
@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_dashboards_with_trade_and_empty(app, browser, make_user, make_shop, make_product, make_programme,
                                         checkout_at, lang, screen):
    words, viewport = WORDS[lang], SCREENS[screen]
    owner = make_user(name="Owner")
    full, bare = f"tea-{lang}-{screen}", f"new-{lang}-{screen}"
    _trade(make_user, make_shop, make_product, make_programme, checkout_at, owner, full)
    make_programme(make_shop(owner=owner, slug=bare), FOUR_TIERS)
    email = owner.email
    db.session.remove()  # SQLite: end our transaction before the server writes
    camera = Camera(f"dashboard/{lang}-{screen}")

    with live_server(app) as base, browser.new_context(locale=words["other"], viewport=viewport) as context:
        page = context.new_page()
        sign_in(page, base, email)
        use_language(page, base, words["html"])
        assert page.get_attribute("html", "lang") == words["html"]

        def see(path, label, *texts, charts=0):
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            camera.shoot(page, label)
            body = page.locator("body").inner_text()
            for text in texts:
                assert text in body, f"{label}: {text!r} not on {page.url}"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{label}: {page.url} scrolls sideways by {overflow}px"
            drawn = page.evaluate("[...document.querySelectorAll('canvas[data-chart]')]"
                                  ".filter(c => window.Chart && Chart.getChart(c)).length")
            assert drawn == charts, f"{label}: {drawn} charts drawn, expected {charts}"
            return body

        see(f"/admin/{full}/", "overview", words["overview"], words["paid"], "▲", charts=2)
        see(f"/admin/{full}/loyalty/dashboard", "loyalty", words["loyalty"], words["active"], charts=5)
        see(f"/admin/{full}/loyalty/dashboard?days=90", "loyalty-90-days", words["active"], charts=5)
        see(f"/admin/{full}/loyalty/dashboard?from=2026-03-10&to=2026-03-01", "loyalty-bad-range", words["bad"],
            charts=5)
        see(f"/admin/{bare}/", "overview-empty", words["no_orders"])
        see(f"/admin/{bare}/loyalty/dashboard", "loyalty-empty", words["no_members"])
        if screen == "phone":
            # Two KPI cards a row, and each chart as wide as the column the cards sit in.
            page.goto(f"{base}/admin/{full}/loyalty/dashboard")
            tops = page.evaluate("[...document.querySelectorAll('.kpi')]"
                                 ".map(k => Math.round(k.getBoundingClientRect().top))")
            assert tops[0] == tops[1] < tops[2] == tops[3]
            widths = page.evaluate("[document.querySelector('.kpis'), ...document.querySelectorAll('.chart-card')]"
                                   ".map(e => Math.round(e.getBoundingClientRect().width))")
            assert len(set(widths)) == 1, widths
            page.click(".kpi-help summary")
            camera.shoot(page, "loyalty-definitions")
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
