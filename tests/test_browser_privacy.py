"""In a real browser, in Chinese and English, on a laptop and a phone: the profile page's data section and the
account deletion's confirmation (a wrong password refused, then the deletion itself on the phone)."""

import pytest

from mall.accounts.models import User
from mall.extensions import db
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language
from tests.fixtures.factories import PASSWORD

pytestmark = [pytest.mark.browser, requires_browser]

SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {
    "zh": {"locale": "zh-CN", "html": "zh-CN", "data": "我的数据", "download": "下载我的数据（JSON）",
           "delete": "注销我的账户", "kept": "将保留的内容", "wrong": "密码错误。", "done": "你的账户已注销"},
    "en": {"locale": "en-US", "html": "en", "data": "Your data", "download": "Download my data (JSON)",
           "delete": "Delete my account", "kept": "What is kept, without your name", "wrong": "The password is wrong.",
           "done": "Your account is deleted"},
}


def _no_sideways(page, where: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where} scrolls sideways by {overflow}px"


@requires_browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_data_section_and_deletion(app, make_user, lang):
    """The data section offers the download and the deletion; the confirmation says what goes and what stays,
    refuses a wrong password, and on the phone deletes the account, which then cannot sign in."""
    user = make_user(name="Zhou Privacy")
    email, user_id, words = user.email, user.id, WORDS[lang]
    db.session.remove()  # SQLite: let the server take the write lock
    camera = Camera(f"privacy/{lang}")
    with live_server(app) as base, chromium() as browser:
        for screen, viewport in SCREENS.items():
            page = browser.new_context(locale=words["locale"], viewport=viewport).new_page()
            sign_in(page, base, email)
            use_language(page, base, words["html"])
            page.goto(f"{base}/account")
            section = page.locator("[data-test=your-data]")
            section.scroll_into_view_if_needed()
            assert words["data"] in section.inner_text() and words["download"] in section.inner_text()
            camera.shoot(page, f"{lang}-{screen}-profile")
            section.screenshot(path=str(camera.folder / f"{lang}-{screen}-data-section.png"))
            _no_sideways(page, f"{lang}/{screen}/profile")
            with page.expect_download() as download:
                section.locator("button[type=submit]").click()
            assert download.value.suggested_filename == f"mall-data-{user_id}.json"
            section.locator("a.btn-ghost").click()
            page.wait_for_load_state("networkidle")
            assert words["kept"] in page.locator("[data-test=delete-account]").inner_text()
            camera.shoot(page, f"{lang}-{screen}-delete")
            _no_sideways(page, f"{lang}/{screen}/delete")
            page.fill("#password", "not-the-password")
            page.check("#understood")
            page.locator("[data-test=delete-form] button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            assert words["wrong"] in page.locator("[data-test=delete-form]").inner_text()
            camera.shoot(page, f"{lang}-{screen}-delete-refused")
            if screen == "phone":
                page.fill("#password", PASSWORD)
                page.check("#understood")
                page.locator("[data-test=delete-form] button[type=submit]").click()
                page.wait_for_load_state("networkidle")
                assert words["done"] in page.locator("body").inner_text()
                camera.shoot(page, f"{lang}-{screen}-deleted")
            page.context.close()
    db.session.remove()
    erased = db.session.get(User, user_id)
    assert erased.is_disabled and erased.email == f"erased-{user_id}@erased.invalid"
