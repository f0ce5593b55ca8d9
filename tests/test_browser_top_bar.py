"""In a real browser: an 80-character name is cut with an ellipsis and the top bar keeps its shape, wide and narrow."""

import pytest

from mall.extensions import db
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]

NAME = "Name " + "x" * 75


@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_long_name_is_cut_and_the_top_bar_fits(app, make_user, lang, locale):
    """At 1366 and 390 px the name is cut (its box narrower than its text), nothing sticks out of the window,
    and the bar stays two rows high at most."""
    email = make_user(name=NAME).email
    db.session.remove()
    camera = Camera(f"top-bar-{lang}")
    with live_server(app) as base, chromium() as browser:
        for width, height in ((1366, 900), (390, 844)):
            context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
            page = context.new_page()
            sign_in(page, base, email)
            page.goto(f"{base}/")
            shape = page.evaluate("""() => {
                const name = document.querySelector('.topbar .user-name');
                const box = name.getBoundingClientRect();
                return {cut: name.scrollWidth > name.clientWidth, right: box.right, title: name.title,
                        page: document.documentElement.scrollWidth, bar: document.querySelector('.topbar')
                        .getBoundingClientRect().height, ellipsis: getComputedStyle(name).textOverflow};
            }""")
            camera.shoot(page, f"home-{width}")
            assert shape["cut"] and shape["ellipsis"] == "ellipsis" and shape["title"] == NAME
            assert shape["right"] <= width and shape["page"] <= width
            assert shape["bar"] < (140 if width < 760 else 90), shape
            assert ("Sign out" if lang == "en" else "退出") in page.content()
            context.close()
