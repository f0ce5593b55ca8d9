"""In a real browser: the merchant's push page shows a progress bar that moves while the push runs."""

import pytest

from mall import jobs
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.pushes import jobs as pushes
from plugins.loyalty.pushes import operations as pushes_operations
from plugins.loyalty.pushes.models import Push
from plugins.loyalty.seeds import FOUR_TIERS
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]
WORDS = {"zh": {"running": "进行中", "done": "已完成"}, "en": {"running": "Running", "done": "Done"}}


@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_push_progress_bar_moves_live(app, make_user, make_shop, make_programme, monkeypatch, lang, locale):
    """A quarter of the push is done when the page opens; the rest runs while it is open, and the bar, the counts
    and the status follow without a reload. Then the pushes page and the operator's messages page."""
    monkeypatch.setattr(pushes, "CHUNK", 10)
    owner = make_user()
    operator = make_user(operator=True)
    shop = make_shop(owner=owner, slug=f"tea-{lang}")
    programme = make_programme(shop, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "8 off", "kind": "amount_off", "value": "8",
                                                      "valid_days": 30})
    for _ in range(40):
        join_programme(programme, make_user())
    db.session.commit()
    chunks = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args, **kwargs: chunks.append((func, args)))
    push = pushes_operations.create_push(programme, {"template_id": template.id, "filter": {}})
    db.session.commit()
    pushes.start_push(push.id)
    run_chunk = [args for func, args in chunks if func is pushes.run_chunk]
    assert len(run_chunk) == 4
    pushes.run_chunk(*run_chunk[0])
    push_id, email, slug, operator_email = push.id, owner.email, shop.slug, operator.email
    db.session.remove()  # the live server reads while this thread writes the rest
    camera = Camera(f"push-{lang}")
    with live_server(app) as base, chromium() as browser:
        page = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        sign_in(page, base, email)
        page.goto(f"{base}/admin/{slug}/loyalty/pushes/{push_id}")
        bar = page.locator('[data-field="bar"]')
        assert bar.get_attribute("style").replace(" ", "") == "width:25%"
        assert WORDS[lang]["running"] in page.locator('[data-field="status"]').inner_text()
        assert page.locator('[data-field="cancel"]').is_visible()
        camera.shoot(page, "push-running")
        for args in run_chunk[1:]:
            pushes.run_chunk(*args)
        db.session.remove()
        # A function, not an expression string: the page's CSP forbids eval, which a string predicate needs.
        page.wait_for_function("() => document.querySelector('[data-field=\"bar\"]').style.width === '100%'",
                               timeout=10_000)
        assert page.locator('[data-field="issued"]').inner_text() == "40"
        assert WORDS[lang]["done"] in page.locator('[data-field="status"]').inner_text()
        assert page.locator('[data-field="cancel"]').is_hidden()  # a finished push offers no Cancel
        camera.shoot(page, "push-done")
        page.goto(f"{base}/admin/{slug}/loyalty/pushes")
        page.wait_for_load_state("networkidle")
        assert page.locator("ul.checks input[type=checkbox]").count() >= 3  # inbox, e-mail, SMS
        camera.shoot(page, "pushes")
        ops = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
        sign_in(ops, base, operator_email)
        ops.goto(f"{base}/platform/messages")
        assert ops.locator("select#quiet_start").input_value() == "22"
        camera.shoot(ops, "operator-messages")
    assert db.session.get(Push, push_id).status == "done"
