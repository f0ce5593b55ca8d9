"""In a real browser: a simulation's result page (both columns, the tier chart, the most affected members), the list
of past simulations and the editor's Simulate card, in Chinese and English at 1366 and 390 px."""

from __future__ import annotations

import pytest

from mall import clock
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in, use_language
from tests.test_simulations import DOC, doubled, history  # noqa: F401  (the generated history fixture)

pytestmark = [pytest.mark.browser, requires_browser]


def test_the_result_page_in_both_languages_and_widths(app, history):  # noqa: F811
    slug, email = history["shop"].slug, history["boss"].email
    with clock.frozen_at(history["end"]):
        sim = history["owner"].post(f"/api/v1/shops/{slug}/programme/simulate",
                                    json={"document": doubled(DOC), "months": 6}).json["simulation"]
    from mall.extensions import db

    db.session.remove()
    camera = Camera("simulation")
    with live_server(app) as base, chromium() as browser:
        for lang in ("zh", "en"):
            for width in (1366, 390):
                page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
                sign_in(page, base, email)
                use_language(page, base, "zh-CN" if lang == "zh" else "en")
                page.goto(f"{base}/admin/{slug}/loyalty/simulations/{sim['id']}")
                page.wait_for_load_state("networkidle")
                if lang == "en":  # (the Chinese words arrive with the merged catalogue)
                    assert "Points issued" in page.locator("table.sim-compare").inner_text()
                assert page.locator('[data-side="current"][data-figure="points_issued"]').inner_text() == "14,118"
                assert page.locator('[data-side="draft"][data-figure="points_issued"]').inner_text() == "28,236"
                assert page.locator("canvas[data-chart]").count() == 1
                assert page.locator("table.sim-affected tbody tr").count() == 3
                # Nothing is wider than the window (tables scroll inside their cards).
                assert page.evaluate("() => document.documentElement.scrollWidth") <= width
                camera.shoot(page, f"result-{lang}-{width}")
                page.goto(f"{base}/admin/{slug}/loyalty/simulations")
                assert page.locator("table.sim-list tbody tr").count() == 1
                assert page.evaluate("() => document.documentElement.scrollWidth") <= width
                camera.shoot(page, f"list-{lang}-{width}")
                page.goto(f"{base}/admin/{slug}/loyalty/programme")
                page.locator("#simulate").scroll_into_view_if_needed()
                assert page.locator('#simulate button[value="simulate"]').is_visible()
                # The editor's side column sticks while scrolling, so the card is also shot alone.
                page.locator("#simulate").screenshot(path=str(camera.folder / f"simulate-card-{lang}-{width}.png"))
                camera.shoot(page, f"editor-{lang}-{width}")
                page.context.close()
