"""In a real browser, in Chinese and English, on a laptop and a phone: a shop owner edits the programme as tier
cards and streak rows and sees the preview follow a changed value; support staff see it read-only; the operator
reads the audit log and the programme's changes in words."""

import pytest
from playwright.sync_api import expect

from mall.extensions import db
from mall.tenants.models import Tenant
from plugins.loyalty.demo import four_tiers_programme
from plugins.loyalty.programmes.operations import programme_for
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in
from tests.test_browser_commerce import SCREENS, Walk, _go, _speak

pytestmark = [pytest.mark.browser, requires_browser]

WORDS = {
    "zh": {"html": "zh-CN", "other": "en-US", "tiers": "等级", "streak": "连续签到", "preview": "预览",
           "silver": "银牌", "coupon": "银牌月度9折券", "saved": "方案已保存为第 3 版", "read_only": "只读",
           "audit": "审计日志", "saved_action": "会员方案已保存", "changes": "方案变更", "multiplier": "积分倍数"},
    "en": {"html": "en", "other": "zh-CN", "tiers": "Tiers", "streak": "Check-in streak", "preview": "Preview",
           "silver": "Silver", "coupon": "Silver monthly", "saved": "saved as version 3", "read_only": "Read only.",
           "audit": "Audit log", "saved_action": "Loyalty programme saved", "changes": "Programme changes",
           "multiplier": "Points multiplier"},
}


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the four walks."""
    with chromium() as launched:
        yield launched


@requires_browser
@pytest.mark.parametrize("screen", ["laptop", "phone"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_edit_the_programme_and_read_the_log(app, browser, make_user, make_shop, add_staff, lang, screen):
    """The editor's preview follows a changed multiplier; the save reaches the audit log and the diff in words;
    support staff see disabled fields under a banner; no page scrolls sideways."""
    words, viewport = WORDS[lang], SCREENS[screen]
    owner, support, operator = make_user(name="Wang Fang"), make_user(name="Li Support"), \
        make_user(name="Zhao Ops", operator=True)
    slug = f"tea-{lang}-{screen}"
    shop = make_shop(owner=owner, slug=slug)
    four_tiers_programme(shop)
    add_staff(shop, support, "support")
    db.session.commit()
    shop_id = shop.id
    emails = {"owner": owner.email, "support": support.email, "operator": operator.email}
    db.session.remove()  # SQLite: end our transaction before the server writes
    camera = Camera(f"programme/{lang}-{screen}")
    with live_server(app) as base, browser.new_context(locale=words["other"], viewport=viewport,
                                                         timezone_id="Europe/Berlin") as context:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        walk = Walk(camera, "owner")
        sign_in(page, base, emails["owner"])
        _speak(page, base, words)
        page.goto(f"{base}/admin/{slug}/loyalty/programme")
        walk.see(page, "editor", words["tiers"], words["streak"], words["silver"], words["coupon"])
        assert page.locator("#programme-preview .pe-points").nth(1).inner_text() == "1,000"
        page.fill("#tiers-1-points_multiplier", "5")
        expect(page.locator("#programme-preview .pe-points").nth(1)).to_have_text("2,500")
        walk.see(page, "preview-updated", "2,500")
        page.evaluate("document.getElementById('tiers-1-points_multiplier').scrollIntoView({block: 'start'})")
        page.screenshot(path=str(camera.folder / "02b-owner-preview-as-seen.png"))  # the screen, not the page
        page.click(".pe-json summary")
        walk.see(page, "json-open")
        assert '"check_in_streak"' in page.input_value("#document_json")
        _go(page, lambda: page.click("button[value=save]"))
        walk.see(page, "saved", words["saved"])
        assert programme_for(db.session.get(Tenant, shop_id)).document["levels"]["tiers"][1]["points_multiplier"] == "5"
        db.session.remove()

        context.clear_cookies()
        walk = Walk(camera, "support")
        sign_in(page, base, emails["support"])
        _speak(page, base, words)
        page.goto(f"{base}/admin/{slug}/loyalty/programme")
        walk.see(page, "read-only", words["read_only"])
        assert page.locator("#tiers-1-points_multiplier").is_disabled()

        context.clear_cookies()
        walk = Walk(camera, "operator")
        sign_in(page, base, emails["operator"])
        _speak(page, base, words)
        page.goto(f"{base}/platform/audit/?tenant={slug}")
        page.wait_for_selector("[data-viewer-zone='Europe/Berlin']")
        walk.see(page, "audit", words["audit"], words["saved_action"], "Wang Fang", "Europe/Berlin",
                 f"{words['silver']} {words['multiplier']}", "2 → 5")
        _go(page, lambda: page.locator("a", has_text="Changes" if lang == "en" else "变更").first.click())
        walk.see(page, "diff", words["changes"], f"{words['silver']} {words['multiplier']}")
        page.goto(f"{base}/platform/loyalty/programme")
        walk.see(page, "platform-editor", words["tiers"], words["streak"])
