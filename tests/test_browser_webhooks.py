"""In a real browser: the webhook endpoint list and delivery log, in Chinese and English, at 1366 and 390 px."""

from __future__ import annotations

import pytest

from mall import clock
from mall.extensions import db
from mall.webhooks.operations import create_endpoint, emit
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language
from tests.test_webhooks import T0, _owner
from tests.webhook_support import Receiver

pytestmark = [pytest.mark.browser, requires_browser]
WORDS = {"zh": {"html": "zh-CN", "log": "推送记录"}, "en": {"html": "en", "log": "Delivery log"}}


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch):
    monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "1")


@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_endpoint_list_and_delivery_log(app, make_shop, lang, locale):
    """Two endpoints, one log with a delivery answered 500 (waiting to retry) and two delivered; nothing scrolls
    sideways on a phone, and the log shows each response."""
    shop = make_shop(slug=f"hooks-{lang}")
    owner = _owner(shop)
    hook = Receiver(fail_first=1)
    try:
        with clock.frozen_at(T0):
            endpoint = create_endpoint(shop.id, {"url": hook.url + "/a-rather-long-path/that-should-wrap/nicely",
                                                 "events": ["points.credited", "tier.changed", "order.settled"]},
                                       owner)
            create_endpoint(shop.id, {"url": "http://127.0.0.1:9/off", "events": ["coupon.used"], "is_active": False},
                            owner)
            db.session.commit()
            for n, event in enumerate(("order.settled", "points.credited", "tier.changed")):
                emit(shop.id, event, {"order_id": 1000 + n, "points": 40 * n}, key=f"demo{n}")
                db.session.commit()
        slug, email, endpoint_id = shop.slug, owner.email, endpoint.id
        db.session.remove()
        camera = Camera(f"webhooks-{lang}")
        with live_server(app) as base, chromium() as browser:
            for width in (1366, 390):
                page = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
                sign_in(page, base, email)
                use_language(page, base, WORDS[lang]["html"])
                for path, label in ((f"/admin/{slug}/webhooks", "list"), (f"/admin/{slug}/webhooks/new", "form"),
                                    (f"/admin/{slug}/webhooks/{endpoint_id}", "log")):
                    page.goto(base + path)
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    assert overflow <= 1, f"{label} at {width}px scrolls sideways by {overflow}px"
                    camera.shoot(page, f"{label}-{width}")
                text = page.locator("body").inner_text()
                assert WORDS[lang]["log"] in text and "HTTP 500" in text and text.count("HTTP 200") == 2
    finally:
        hook.close()
