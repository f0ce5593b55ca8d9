"""Helpers for browser tests: a live server thread and a Chromium page through Playwright."""

from __future__ import annotations

import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
# Without these flags Chromium keeps trying to reach Google's hosts, which a closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return f"needs Chromium at {CHROMIUM} (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright package (pip install -e '.[test]')"
    return None


requires_browser = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@contextmanager
def live_server(app):
    """Serve `app` on a free localhost port in a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@contextmanager
def chromium():
    """A headless Chromium browser from the system package (never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Camera:
    """Saves a numbered full-page screenshot per visited page under tests/artifacts/<name>/."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def shoot(self, page, label: str) -> Path:
        """Screenshot the whole page; the file name keeps the order of the walk."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the login form (every test user has the factories' password)."""
    from tests.fixtures.factories import PASSWORD

    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def use_language(page, base: str, html_lang: str) -> None:
    """Switch the signed-in browser to the language whose <html lang> is `html_lang`, with the top bar's button."""
    page.goto(f"{base}/")
    if page.get_attribute("html", "lang") != html_lang:
        with page.expect_navigation():
            page.click("[data-test=lang-switch]")
    assert page.get_attribute("html", "lang") == html_lang
