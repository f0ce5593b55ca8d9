"""In a real browser: a member import's report and its progress bar, in both languages at 1366 and 390 px."""

import pytest

from mall import jobs
from mall.extensions import db
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.transfers import jobs as transfer_jobs
from plugins.loyalty.transfers.models import MemberImport
from tests.browser import Camera, chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]
WORDS = {"zh": {"running": "进行中", "done": "已完成"}, "en": {"running": "Running", "done": "Done"}}
HEADER = "email,phone,name,birthday,tier,points,points_expire_at,consent_email,consent_sms"


def _file(tmp_path, lang: str):
    """12 good lines (lines 2–13) and 3 bad ones (lines 14–16)."""
    lines = [HEADER] + [f"m{n}-{lang}@example.com,,会员 {n},1990-01-0{n % 9 + 1},silver,{100 * n},,1,0"
                        for n in range(12)]
    lines += ["not-an-address,,X,,,5,,1,1", f"z-{lang}@example.com,,Z,,platinum,,,,",
              f"y-{lang}@example.com,,Y,,,-3,,,"]
    path = tmp_path / f"members-{lang}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("lang,locale", [("zh", "zh-CN"), ("en", "en-US")])
def test_import_report_and_progress(app, make_user, make_shop, make_programme, monkeypatch, tmp_path, lang, locale):
    """Upload, read the report (15 lines: 12 valid, 3 errors), run it with the confirmation; a third is done when
    the page is shot, the rest runs while it is open and the bar reaches 100 % without a reload."""
    monkeypatch.setattr(transfer_jobs, "CHUNK", 4)
    owner = make_user()
    shop = make_shop(owner=owner, slug=f"import-{lang}")
    make_programme(shop, FOUR_TIERS)
    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda func, *args, **kwargs: queued.append((func, args)))
    email, slug = owner.email, shop.slug
    db.session.remove()
    camera = Camera(f"transfers-{lang}")
    with live_server(app) as base, chromium() as browser:
        for width in (1366, 390):
            page = browser.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            sign_in(page, base, email)
            page.goto(f"{base}/admin/{slug}/loyalty/members/imports")
            camera.shoot(page, f"imports-empty-{width}" if width == 1366 else f"imports-{width}")
            if width != 1366:
                continue
            page.set_input_files("#import-file", str(_file(tmp_path, lang)))
            page.locator("form:has(#import-file) button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            assert page.locator('[data-field="valid"]').inner_text() == "12"
            assert page.locator('[data-field="error"]').inner_text() == "3"
            camera.shoot(page, "report")
            page.locator('[data-field="run"] button').click()
            page.wait_for_load_state("networkidle")
            db.session.remove()
            imp = db.session.execute(db.select(MemberImport)).scalar_one()
            import_id = imp.id
            assert imp.status == "queued"
            transfer_jobs.start_import(import_id)
            chunks = [args for func, args in queued if func is transfer_jobs.run_chunk]
            assert len(chunks) == 4
            transfer_jobs.run_chunk(*chunks[0])
            db.session.remove()
            page.reload()
            page.wait_for_load_state("networkidle")
            assert page.locator('[data-field="bar"]').get_attribute("style").replace(" ", "") == "width:33%"
            assert WORDS[lang]["running"] in page.locator('[data-field="status"]').inner_text()
            camera.shoot(page, "running")
            for args in chunks[1:]:
                transfer_jobs.run_chunk(*args)
            db.session.remove()
            page.wait_for_function("() => document.querySelector('[data-field=\"bar\"]').style.width === '100%'",
                                   timeout=10_000)
            assert WORDS[lang]["done"] in page.locator('[data-field="status"]').inner_text()
            camera.shoot(page, "done")
            page.goto(f"{base}/admin/{slug}/loyalty/members/imports/{import_id}?status=error")
            narrow = browser.new_context(locale=locale, viewport={"width": 390, "height": 900}).new_page()
            sign_in(narrow, base, email)
            narrow.goto(f"{base}/admin/{slug}/loyalty/members/imports/{import_id}?status=error")
            assert narrow.evaluate("document.documentElement.scrollWidth") <= 390
            camera.shoot(narrow, "report-errors-390")
            camera.shoot(page, "report-errors-1366")
