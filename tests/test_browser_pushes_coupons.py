"""In a real browser, in Chinese and English, on a laptop and a phone: the push form with every filter and its
audience preview, the push history, the coupon list with its return figures, the coupon form and the settlement
statement; no page scrolls sideways."""

from datetime import timedelta

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.seeds import FOUR_TIERS
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]
SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {"zh": {"locale": "zh-CN", "html": "zh-CN", "preview": "预览人群", "history": "推送记录", "sender": "发送人",
                "roi": "核销率", "scope": "适用范围", "required": "必填"},
         "en": {"locale": "en-US", "html": "en", "preview": "Preview audience", "history": "Push history",
                "sender": "Sender", "roi": "Redemption rate", "scope": "Where it applies", "required": "required"}}


def _no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls {overflow}px sideways"


@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_push_and_coupon_pages(app, make_user, make_shop, make_programme, make_product, checkout_at, lang, screen):
    words = WORDS[lang]
    owner = make_user(name="王店长 Wang")
    shop = make_shop(owner=owner, slug=f"tea-{lang}-{screen}")
    programme = make_programme(shop, FOUR_TIERS)
    tea = make_product(shop, price="68.00", stock=100, category="绿茶", name="西湖龙井 Longjing")
    make_product(shop, price="25.00", stock=100, category="茶具", name="青瓷杯 Celadon cup")
    template = coupon_ops.create_template(programme, {"name": "满50减8", "name_en": "8 off 50", "kind": "amount_off",
                                                      "value": "8", "min_spend": "50", "valid_days": 30})
    now = clock.now()
    coupon_ops.create_template(programme, {"name": "龙井节", "name_en": "Longjing week", "kind": "percent_off",
                                           "value": "0.90", "valid_from": now.isoformat(),
                                           "valid_until": (now + timedelta(days=7)).isoformat(),
                                           "product_ids": [tea.id]})
    members = [make_user(consent_email=i % 2 == 0) for i in range(6)]
    for member in members:
        join_programme(programme, member)
    db.session.commit()
    push = pushes.create_push(programme, {"template_id": template.id, "filter": {}, "channels": ["inbox", "email"]},
                              owner)
    db.session.commit()
    coupon_id = db.session.execute(coupon_ops.coupons_of(members[0], "available", clock.now())).scalars().first().id
    checkout_at(members[0], clock.now(), (tea, 1), coupons=[coupon_id])
    slug, email, push_id = shop.slug, owner.email, push.id
    db.session.remove()
    camera = Camera(f"pushes/{lang}-{screen}")
    with live_server(app) as base, chromium() as browser:
        page = browser.new_context(locale=words["locale"], viewport=SCREENS[screen]).new_page()
        sign_in(page, base, email)
        admin = f"{base}/admin/{slug}/loyalty"

        page.goto(f"{admin}/pushes/new")
        assert page.get_attribute("html", "lang") == words["html"]
        assert page.locator("fieldset.filter-group").count() == 5
        for name in ("tier", "lifecycle", "activity", "consent", "recent_days", "recent_min_orders", "recent_min_spend",
                     "min_spend", "preferred_category", "asleep_days", "slept_since", "joined_after", "joined_before",
                     "birthday_month", "points_min", "points_max", "q"):
            assert page.locator(f"[name={name}]").count() >= 1, name
        _no_sideways_scroll(page)
        camera.shoot(page, "push-form")
        page.select_option("#activity", "sleeping")
        page.fill("#points_max", "1000")
        page.click(f"button:has-text('{words['preview']}')")
        page.wait_for_load_state("networkidle")
        assert page.locator("[data-field=count]").get_attribute("value") == "5"  # the buyer is not sleeping
        _no_sideways_scroll(page)
        camera.shoot(page, "push-form-preview")
        page.select_option("#activity", "active")  # the script counts again without a click
        page.wait_for_function("() => document.querySelector('[data-field=count]').value === '1'", timeout=10_000)
        page.fill("#points_min", "500")
        page.fill("#points_max", "10")
        page.click(f"button:has-text('{words['preview']}')")
        page.wait_for_load_state("networkidle")
        assert page.locator(".has-error").count() >= 1
        _no_sideways_scroll(page)
        camera.shoot(page, "push-form-errors")

        page.goto(f"{admin}/pushes")
        body = page.locator("body").inner_text()
        assert words["history"] in body and words["sender"] in body and "王店长 Wang" in body
        assert page.locator(f"a[href$='/pushes/{push_id}']").count() == 1
        _no_sideways_scroll(page)
        camera.shoot(page, "push-history")

        page.goto(f"{admin}/coupons")
        assert words["roi"] in page.locator("body").inner_text()
        _no_sideways_scroll(page)
        camera.shoot(page, "coupon-list")
        page.fill("#name", "")
        page.check("input[name=validity][value=dates]")
        page.locator("form.coupon-form button[type=submit]").click()
        page.wait_for_load_state("networkidle")
        assert words["scope"] in page.locator("body").inner_text()
        assert page.locator(".coupon-form .has-error").count() >= 1
        _no_sideways_scroll(page)
        camera.shoot(page, "coupon-form")

        page.goto(f"{admin}/settlement")
        assert page.locator(".card.table-scroll table").count() == 1
        _no_sideways_scroll(page)
        camera.shoot(page, "settlement")
