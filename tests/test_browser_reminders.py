"""In a real browser, in Chinese and English, on a laptop and a phone: the member's reminder settings, the inbox
showing the reminders, and the programme editor's reminder fields."""

from datetime import UTC, datetime

import pytest

from mall.cli import run_tick
from mall.extensions import db
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language

pytestmark = [pytest.mark.browser, requires_browser]

SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {"zh": {"locale": "zh-CN", "html": "zh-CN", "reminder": "您有 220 积分将于 2027年1月5日 过期",
                "choice": "积分即将过期", "link": "提醒设置", "field": "积分过期前提醒（天）"},
         "en": {"locale": "en-US", "html": "en", "reminder": "220 points expire on Jan 5, 2027",
                "choice": "Points about to expire", "link": "Reminder settings",
                "field": "Remind before points expire (days)"}}


@requires_browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reminder_pages(app, make_programme, make_shop, make_user, lang):
    """The settings page (with the latest reminder: 100 joining points and 120 more), the inbox (with its link to
    the settings) and the editor's reminder card at 1366 and 390 px, in the walk's language, none scrolling
    sideways."""
    owner, user = make_user(), make_user()
    shop = make_shop(owner=owner, slug="tea")
    shop.name, shop.name_en = "茶铺", "Tea House"
    programme = make_programme(shop, FOUR_TIERS)
    join_programme(programme, user, datetime(2026, 1, 5, 2, tzinfo=UTC))
    ledger.credit(membership(programme, user), 120, "adjust", "test:lot", funded_by="shop",
                  at=datetime(2026, 1, 5, 2, tzinfo=UTC))
    db.session.commit()
    run_tick(datetime(2026, 12, 6, 6, tzinfo=UTC))
    emails = owner.email, user.email
    db.session.remove()  # SQLite: let the server take the write lock
    words, camera = WORDS[lang], Camera(f"reminders/{lang}")
    walks = [(emails[1], [("settings", "/member/reminders", (words["reminder"], words["choice"])),
                           ("inbox", "/member/inbox", (words["reminder"], words["link"]))]),
             (emails[0], [("editor", "/admin/tea/loyalty/programme#pe-reminders", (words["field"],))])]
    with live_server(app) as base, chromium() as browser:
        for screen, viewport in SCREENS.items():
            for email, pages in walks:
                page = browser.new_context(locale=words["locale"], viewport=viewport).new_page()
                sign_in(page, base, email)
                use_language(page, base, words["html"])
                for label, path, texts in pages:
                    page.goto(f"{base}{path}")
                    page.wait_for_load_state("networkidle")
                    camera.shoot(page, f"{lang}-{screen}-{label}")
                    body = page.locator("body").inner_text()
                    for text in texts:
                        assert text in body, f"{lang}/{screen}/{label}: {text!r} missing"
                    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    assert overflow <= 0, f"{lang}/{screen}/{label} scrolls sideways by {overflow}px"
                page.context.close()
