"""In a real browser under the content security policy: confirmations still ask, and nothing is blocked."""

import pytest

from mall.accounts.models import ApiToken
from mall.extensions import db
from tests.browser import chromium, live_server, requires_browser, sign_in

pytestmark = [pytest.mark.browser, requires_browser]


def test_revoking_a_token_asks_first_and_the_policy_blocks_nothing(app, api, make_user):
    user = make_user()
    api(user)
    email = user.email
    db.session.remove()  # the live server's threads need the database to themselves on SQLite
    violations, questions = [], []
    with live_server(app) as base, chromium() as browser:
        page = browser.new_page()
        page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
        sign_in(page, base, email)
        page.goto(f"{base}/account")
        revoke = page.locator("#tokens button[type=submit]")

        def answer(dialog, accept):
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", lambda dialog: answer(dialog, False))
        revoke.click()
        page.wait_for_load_state("networkidle")
        assert db.session.query(ApiToken).count() == 1
        db.session.remove()
        page.once("dialog", lambda dialog: answer(dialog, True))
        revoke.click()
        page.wait_for_load_state("networkidle")
    assert len(questions) == 2 and questions[0]
    assert db.session.query(ApiToken).count() == 0
    assert violations == []
