"""Signing key, sessions and API tokens: no forged cookies, password changes end other sessions, tokens expire."""

import os
import stat
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from mall import clock, create_app, security
from mall.accounts.models import ApiToken
from mall.config import Config
from mall.extensions import db
from tests.conftest import _APPS, TEST_CONFIG, make_test_app
from tests.fixtures.factories import PASSWORD

OLD_PUBLIC_KEY = "dev-only-secret-change-me"


def _login(client, user, password=PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def _app_without(*keys, **extra):
    """A test app where the given settings come from the environment and defaults, as in production."""
    app = create_app({**{k: v for k, v in TEST_CONFIG.items() if k not in keys}, **extra})
    _APPS.append(app)
    return app


def _forged_cookie(secret: str, data: dict) -> str:
    forger = Flask("forger")
    forger.secret_key = secret
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(data)


# --- the signing key ---------------------------------------------------------------------------------------

def test_production_refuses_to_start_without_a_key(monkeypatch):
    monkeypatch.delenv("MALL_SECRET_KEY", raising=False)
    monkeypatch.delenv("MALL_ENV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="MALL_SECRET_KEY"):
        create_app({**TEST_CONFIG, "TESTING": False, "SECRET_KEY": None})


@pytest.mark.parametrize("mode", [{}, {"MALL_ENV": "development"}], ids=["production", "development"])
@pytest.mark.parametrize("key", [OLD_PUBLIC_KEY, "short-key", "k" * 31], ids=["public-value", "short", "31-chars"])
def test_a_known_or_short_key_is_refused_at_start(monkeypatch, key, mode):
    monkeypatch.setenv("MALL_SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="MALL_SECRET_KEY"):
        _app_without("SECRET_KEY", TESTING=False, **mode)


def test_a_long_key_starts_production_and_tests_take_any_key(monkeypatch):
    monkeypatch.setenv("MALL_SECRET_KEY", "k" * 32)
    assert _app_without("SECRET_KEY", TESTING=False).config["SECRET_KEY"] == "k" * 32
    assert make_test_app(SECRET_KEY="short").config["SECRET_KEY"] == "short"


def test_development_keeps_a_random_key_in_the_instance_folder(monkeypatch, tmp_path):
    key = security._instance_key(tmp_path)
    assert len(key) >= 32 and key != OLD_PUBLIC_KEY
    assert stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode) == 0o600
    assert security._instance_key(tmp_path) == key  # reused across restarts
    monkeypatch.delenv("MALL_SECRET_KEY", raising=False)
    app = make_test_app(TESTING=False, SECRET_KEY=None, MALL_ENV="development")
    kept = security.Path(app.instance_path) / "secret_key"
    assert app.config["SECRET_KEY"] == kept.read_text().strip() != OLD_PUBLIC_KEY
    assert stat.S_IMODE(os.stat(kept).st_mode) == 0o600


def test_a_cookie_signed_with_the_old_public_key_opens_nothing(monkeypatch, make_user):
    operator = make_user(operator=True)
    reference = operator.get_id()
    db.session.commit()
    monkeypatch.delenv("MALL_SECRET_KEY", raising=False)
    app = _app_without("SECRET_KEY", MALL_ENV="development")
    client = app.test_client()
    for user_id in (str(operator.id), reference):
        client.set_cookie("session", _forged_cookie(OLD_PUBLIC_KEY, {"_user_id": user_id, "_fresh": True}))
        res = client.get("/platform/")
        assert res.status_code == 302 and "/login" in res.headers["Location"]


# --- password change ends other sessions and every token -------------------------------------------------

def test_password_change_signs_out_other_sessions_and_tokens_but_keeps_this_one(app, api, make_user):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    _login(here, user)
    _login(elsewhere, user)
    token_client = api(user)
    assert token_client.get("/api/v1/me").status_code == 200
    res = here.post("/account/password", data={"pw-current_password": PASSWORD, "pw-new_password": "new-secret-2",
                                               "pw-confirm": "new-secret-2"})
    assert res.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert token_client.get("/api/v1/me").status_code == 401
    assert db.session.query(ApiToken).filter_by(user_id=user.id).count() == 0


def test_an_operator_password_reset_from_the_command_line_signs_out_everywhere(app, api, make_user):
    user = make_user()
    browser = app.test_client()
    _login(browser, user)
    token_client = api(user)
    result = app.test_cli_runner().invoke(args=["mall", "create-operator", user.email, "reset-secret-9"])
    assert result.exit_code == 0, result.output
    assert browser.get("/account").status_code == 302
    assert token_client.get("/api/v1/me").status_code == 401


def test_a_failed_password_change_ends_nothing(app, api, make_user):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    _login(here, user)
    _login(elsewhere, user)
    token_client = api(user)
    res = here.post("/account/password", data={"pw-current_password": "wrong-one", "pw-new_password": "new-secret-2",
                                               "pw-confirm": "new-secret-2"})
    assert res.status_code == 422
    assert elsewhere.get("/account").status_code == 200 and token_client.get("/api/v1/me").status_code == 200


def test_malformed_session_references_are_signed_out(client, make_user):
    user = make_user()
    for reference in (f"{user.id}", f"{user.id}:x", "99999999999999999999:0", "\u0661:0"):
        with client.session_transaction() as session:
            session["_user_id"] = reference
        assert client.get("/account").status_code == 302, reference


# --- token expiry, last use and revocation ---------------------------------------------------------------

def test_tokens_expire_after_thirty_days_by_default(make_user):
    assert Config.TOKEN_TTL_DAYS == 30
    email = make_user().email
    db.session.commit()  # end the fixture's read so the second app's requests are not kept waiting on SQLite
    client = make_test_app(TOKEN_TTL_DAYS=Config.TOKEN_TTL_DAYS).test_client()
    res = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    token = res.get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    row = db.session.query(ApiToken).one()
    assert row.expires_at - row.created_at == timedelta(days=30)
    db.session.commit()
    with clock.frozen_at(clock.now() + timedelta(days=29)):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    with clock.frozen_at(clock.now() + timedelta(days=31)):
        expired = client.get("/api/v1/me", headers=headers)
    assert expired.status_code == 401 and expired.get_json()["error"]["code"] == "unauthorized"


def test_a_new_token_says_when_it_expires(client, make_user):
    email = make_user().email
    reply = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).get_json()
    expires = datetime.fromisoformat(reply["expires_at"])
    row = db.session.execute(db.select(ApiToken).filter_by(token_hash=ApiToken.digest(reply["token"]))).scalar_one()
    assert expires == row.expires_at and expires > clock.now()
    registered = client.post("/api/v1/auth/register", json={"email": "new@example.com", "password": PASSWORD,
                                                            "name": "New"}).get_json()
    assert datetime.fromisoformat(registered["expires_at"]) > clock.now()


def test_token_lifetime_is_configurable(monkeypatch, make_user):
    monkeypatch.setenv("MALL_TOKEN_TTL_DAYS", "2")
    app = _app_without("TOKEN_TTL_DAYS")
    assert app.config["TOKEN_TTL_DAYS"] == 2
    with app.app_context():
        user = make_user()
        ApiToken.issue(user)
        row = db.session.query(ApiToken).one()
        assert row.expires_at - row.created_at == timedelta(days=2)
        db.session.commit()


def test_token_use_is_recorded(api, make_user):
    user = make_user()
    token_client = api(user)
    assert db.session.query(ApiToken).one().last_used_at is None
    assert token_client.get("/api/v1/me").status_code == 200
    db.session.expire_all()
    assert db.session.query(ApiToken).one().last_used_at is not None


def test_profile_lists_tokens_and_revokes_one(client, api, make_user):
    user = make_user()
    kept, revoked = api(user), api(user)
    _login(client, user)
    client.post("/lang/en")
    page = client.get("/account").get_data(as_text=True)
    assert "API tokens" in page and page.count("/revoke") == 2 and "data-confirm=" in page
    target = db.session.query(ApiToken).filter_by(token_hash=ApiToken.digest(revoked.token)).one()
    res = client.post(f"/account/tokens/{target.id}/revoke")
    assert res.status_code == 302
    assert revoked.get("/api/v1/me").status_code == 401
    assert kept.get("/api/v1/me").status_code == 200


def test_nobody_revokes_another_users_token(client, api, make_user):
    owner, intruder = make_user(), make_user()
    owner_client = api(owner)
    token_id = db.session.query(ApiToken).filter_by(user_id=owner.id).one().id
    _login(client, intruder)
    res = client.post(f"/account/tokens/{token_id}/revoke")
    assert res.status_code == 302
    assert owner_client.get("/api/v1/me").status_code == 200
    assert client.post("/account/tokens/2147483648/revoke").status_code == 404
