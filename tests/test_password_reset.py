"""Forgotten passwords: a neutral answer, a signed link working once for two hours, imported members' first one."""

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest

from mall import clock
from mall.accounts import operations
from mall.accounts.models import ApiToken, User
from mall.errors import FieldErrors
from mall.extensions import db
from plugins.loyalty.members.models import Membership
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.transfers.jobs import NO_PASSWORD
from tests.browser import Camera, chromium, live_server, requires_browser, use_language
from tests.conftest import requires_pg
from tests.fixtures.factories import PASSWORD
from tests.races_support import race
from tests.test_transfers import HEADER, upload

NEUTRAL = "If an account exists for this address, we have sent a link"
NEW = "a-brand-new-pass"


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    """This test's own outbox folder: the mails it sends, and nothing else."""
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path / "outbox"))
    return tmp_path / "outbox"


@pytest.fixture
def english(client):
    """Pages in English (the platform's default is Chinese)."""
    client.post("/lang/en")
    return client


def _mails(outbox: Path) -> list:
    """The outbox's mails, oldest first (file names hold a random nonce, so the order is the files' times)."""
    paths = sorted(outbox.glob("*.eml"), key=lambda path: path.stat().st_mtime_ns)
    return [message_from_bytes(path.read_bytes(), policy=default) for path in paths]


def _link(mail) -> str:
    """The path of the reset link in a mail (the mail carries it with BASE_URL before it)."""
    return re.search(r"https?://[^/\s]+(/password/reset\?token=\S+)", mail.get_content()).group(1)


def _ask(client, email):
    return client.post("/password/forgot", data={"email": email})


def _choose(client, link, password=NEW, confirm=None):
    client.get(link)
    return client.post("/password/reset", data={"password": password, "confirm": confirm or password})


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_the_login_page_links_to_the_request_page(english):
    page = english.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page


def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_known_one_a_mail(english, make_user, outbox):
    user = make_user(name="Li Lei")
    answers = [_ask(english, address) for address in (user.email.upper(), "nobody@example.com")]
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"] == "/login"
    shown = english.get("/login").get_data(as_text=True)
    assert shown.count(NEUTRAL) == 2  # both flashes, word for word
    mails = _mails(outbox)
    assert len(mails) == 1 and mails[0]["To"] == user.email
    assert "Li Lei" in mails[0].get_content() and _link(mails[0]).startswith("/password/reset?token=")


def test_a_badly_written_address_re_shows_the_form(english, outbox):
    response = _ask(english, "not-an-address")
    assert response.status_code == 422 and "Invalid email address." in response.get_data(as_text=True)
    assert _mails(outbox) == []


def test_a_disabled_account_gets_nothing(english, make_user, outbox):
    user = make_user()
    user.is_disabled = True
    db.session.commit()
    assert _ask(english, user.email).status_code == 302
    assert _mails(outbox) == []
    # An erased account's address is on a reserved domain no form accepts, whoever asks.
    assert _ask(english, "erased-7@erased.invalid").status_code == 422
    assert _mails(outbox) == []


def test_the_link_sets_the_password_once_signs_in_and_ends_other_sessions(app, english, make_user, outbox):
    user = make_user()
    other = app.test_client()
    assert _login(other, user.email, PASSWORD).status_code == 302
    token = ApiToken.issue(user)
    db.session.commit()
    _ask(english, user.email)
    link = _link(_mails(outbox)[0])
    opened = english.get(link)
    assert opened.status_code == 302 and opened.headers["Location"] == "/password/reset"
    form = english.get("/password/reset")
    assert form.status_code == 200 and user.email in form.get_data(as_text=True)
    done = english.post("/password/reset", data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert "Your new password is set and you are signed in." in english.get("/").get_data(as_text=True)
    assert english.get("/account").status_code == 200  # this browser is signed in
    assert other.get("/account").status_code == 302  # the other session is over
    assert ApiToken.find(token) is None and db.session.query(ApiToken).count() == 0
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(NEW)
    # The same link a second time: dead, with a way to ask again.
    again = app.test_client()
    again.post("/lang/en")
    dead = again.get(link, follow_redirects=True)
    assert dead.status_code == 410
    assert "This link no longer works" in dead.get_data(as_text=True) and 'href="/password/forgot"' in dead.get_data(
        as_text=True)
    assert _login(again, user.email, PASSWORD).status_code == 422
    assert _login(again, user.email, NEW).status_code == 302


def test_a_token_used_twice_sets_the_password_once(make_user):
    user = make_user()
    token = operations.reset_token(user)
    operations.reset_password(token, NEW)
    db.session.commit()
    with pytest.raises(FieldErrors) as refused:
        operations.reset_password(token, "another-pass-2")
    assert "token" in refused.value.fields
    assert user.check_password(NEW) and user.session_version == 1


@requires_pg
def test_one_link_used_at_the_same_moment_sets_one_password(app, make_user):
    """Four requests with one token: the conditional update lets exactly one set its password."""
    user = make_user()
    token = operations.reset_token(user)
    db.session.commit()
    results = race(app, lambda i: operations.reset_password(token, f"racer-{i}-password"), 4)
    assert sorted(results) == ["invalid"] * 3 + ["ok"], results
    db.session.expire_all()
    winner = results.index("ok")
    fresh = db.session.get(User, user.id)
    assert fresh.check_password(f"racer-{winner}-password") and fresh.session_version == 1


def test_a_link_expires_after_two_hours(english, make_user, outbox):
    user = make_user()
    start = clock.now()
    with clock.frozen_at(start):
        _ask(english, user.email)
    link = _link(_mails(outbox)[0])
    with clock.frozen_at(start + timedelta(hours=2, seconds=1)):
        assert english.get(link, follow_redirects=True).status_code == 410
    with clock.frozen_at(start + timedelta(hours=1, minutes=59)):
        assert english.get(link, follow_redirects=True).status_code == 200
        # Opened in time but submitted too late: refused all the same.
    with clock.frozen_at(start + timedelta(hours=2, minutes=1)):
        late = english.post("/password/reset", data={"password": NEW, "confirm": NEW})
        assert late.status_code == 410
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)


def test_the_link_dies_when_the_password_changes(english, make_user, outbox):
    user = make_user()
    _ask(english, user.email)
    link = _link(_mails(outbox)[0])
    operations.change_password(user, PASSWORD, "changed-elsewhere")
    db.session.commit()
    assert english.get(link, follow_redirects=True).status_code == 410
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("changed-elsewhere")


@pytest.mark.parametrize("token", ["garbage", "x" * 400, "eyJ1IjoxLCJwIjoiYSJ9.Z0x1aw.bad-signature-here"])
def test_a_garbled_link_is_a_clear_page(english, token):
    response = english.get(f"/password/reset?token={token}", follow_redirects=True)
    assert response.status_code == 410 and "This link no longer works" in response.get_data(as_text=True)


def test_the_form_without_an_opened_link_is_a_clear_page(english):
    bare = english.get("/password/reset")
    assert bare.status_code == 200 and 'href="/password/forgot"' in bare.get_data(as_text=True)
    assert english.post("/password/reset", data={"password": NEW, "confirm": NEW}).status_code == 410


def test_a_token_of_another_signer_or_salt_is_refused(app, make_user):
    from itsdangerous import URLSafeTimedSerializer

    user = make_user()
    genuine = operations.reset_token(user)
    mark = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="mall.accounts.password-reset").loads(genuine)["p"]
    other_salt = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="other").dumps({"u": user.id, "p": mark})
    other_key = URLSafeTimedSerializer("k" * 40, salt="mall.accounts.password-reset").dumps({"u": user.id, "p": mark})
    assert operations.user_for_reset(genuine) == user
    assert operations.user_for_reset(other_salt) is None and operations.user_for_reset(other_key) is None


@pytest.mark.parametrize(("password", "confirm", "message"), [
    ("short", "short", "Use 8 to 128 characters."),
    ("x" * 129, "x" * 129, "Use 8 to 128 characters."),
    (NEW, "something-else", "Passwords differ."),
    ("", "", "This field is required."),
])
def test_a_bad_password_re_shows_the_form_and_keeps_the_link(english, make_user, outbox, password, confirm, message):
    user = make_user()
    _ask(english, user.email)
    link = _link(_mails(outbox)[0])
    response = _choose(english, link, password, confirm)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(PASSWORD)
    assert english.post("/password/reset", data={"password": NEW, "confirm": NEW}).status_code == 302


def test_an_imported_member_sets_a_first_password_and_signs_in(app, english, make_user, outbox):
    user = make_user(name="Imported Wang")
    user.password_hash = NO_PASSWORD
    db.session.commit()
    stranger = app.test_client()
    stranger.post("/lang/en")
    # Signing in before: the same message as an unknown address.
    for email in (user.email, "nobody@example.com"):
        refused = _login(stranger, email, "any-password-1")
        assert refused.status_code == 422 and "Wrong e-mail address or password." in refused.get_data(as_text=True)
    _ask(english, user.email)
    assert _choose(english, _link(_mails(outbox)[0])).status_code == 302
    assert english.get("/account").status_code == 200
    assert _login(stranger, user.email, NEW).status_code == 302


def test_a_member_imported_from_a_csv_chooses_a_first_password(english, make_user, make_shop, make_programme, api,
                                                               outbox):
    """The merchant's CSV import makes an account without a password; its owner sets one by the same link."""
    owner = make_user()
    make_programme(make_shop(owner=owner, slug="tea"), FOUR_TIERS)
    merchant = api(owner)
    reply = upload(merchant, "/api/v1/shops/tea/members/import", HEADER + "mei@example.com,,Mei,,,100,,1,0\n")
    assert merchant.post(f"/api/v1/shops/tea/members/imports/{reply.json['import']['id']}/run").status_code == 202
    mei = User.by_email("mei@example.com")
    assert mei.password_hash == NO_PASSWORD
    refused = _login(english, "mei@example.com", "guessed-pass-1")
    assert refused.status_code == 422 and "Wrong e-mail address or password." in refused.get_data(as_text=True)
    _ask(english, "mei@example.com")
    assert _choose(english, _link(_mails(outbox)[0])).status_code == 302
    english.post("/logout")
    assert _login(english, "mei@example.com", NEW).status_code == 302
    assert english.get("/member/overview").status_code == 200
    membership = db.session.execute(db.select(Membership).filter_by(user_id=mei.id)).scalar_one()
    assert membership.points_available == 100  # the same account, with the points the shop brought over


def test_asking_is_rate_limited_per_address(english, make_user, outbox):
    user = make_user()
    answers = [_ask(english, user.email).status_code for _ in range(6)]
    assert answers == [302] * 5 + [429]
    assert len(_mails(outbox)) == 5


def test_the_import_page_tells_merchants_how_imported_members_sign_in():
    page = Path(__file__).resolve().parent.parent / "plugins/loyalty/templates/loyalty/transfers/imports.html"
    assert "Forgot your password?" in page.read_text(encoding="utf-8")


SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
WORDS = {"zh": {"locale": "zh-CN", "html": "zh-CN"}, "en": {"locale": "en-US", "html": "en"}}


@pytest.mark.browser
@requires_browser
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reset_pages_in_a_browser(app, make_user, outbox, lang):
    """The request, new-password (with a refused password) and done pages at 1366 and 390 px, in each language."""
    user = make_user(name="Li Lei")
    email = user.email
    db.session.remove()  # SQLite: let the server take the write lock
    camera = Camera(f"password_reset/{lang}")
    words = WORDS[lang]
    with live_server(app) as base, chromium() as browser:
        for screen, viewport in SCREENS.items():
            page = browser.new_context(locale=words["locale"], viewport=viewport).new_page()
            use_language(page, base, words["html"])
            page.goto(f"{base}/login")
            page.click("a[href='/password/forgot']")
            camera.shoot(page, f"{screen}-1-request")
            page.fill("#email", email)
            page.locator("form:has(#email) button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            camera.shoot(page, f"{screen}-2-sent")
            assert page.locator(".flash-info").count() == 1
            page.goto(base + _link(_mails(outbox)[-1]))
            assert page.url.endswith("/password/reset")
            camera.shoot(page, f"{screen}-3-choose")
            page.fill("#password", "short")
            page.fill("#confirm", "short")
            page.locator("form:has(#password) button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            assert page.locator(".field.has-error").count() == 1
            camera.shoot(page, f"{screen}-4-refused")
            password = f"{lang}-{screen}-new-pass"
            page.fill("#password", password)
            page.fill("#confirm", password)
            page.locator("form:has(#password) button[type=submit]").click()
            page.wait_for_load_state("networkidle")
            assert page.locator(".flash-success").count() == 1
            camera.shoot(page, f"{screen}-5-done")
            for label in ("forgot", "dead"):
                page.goto(f"{base}/password/{'forgot' if label == 'forgot' else 'reset?token=garbled'}")
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, f"{lang}/{screen}/{label} scrolls sideways by {overflow}px"
            camera.shoot(page, f"{screen}-6-dead-link")
            page.context.close()
