"""Request-level protection: bounded ids and pages, unstorable characters, headers, limits, error answers."""

import io
import json

import pytest
from werkzeug.routing import IntegerConverter

from mall.accounts.models import User
from mall.extensions import db
from mall.security import BoundedInt
from mall.validation import MAX_INT
from tests.conftest import make_test_app
from tests.fixtures.factories import PASSWORD

HUGE = "99999999999999999999"  # beyond 64 bits: overflows SQLite and PostgreSQL alike


def _login(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


# --- integers in paths and ?page= -------------------------------------------------------------------------

def test_every_int_rule_is_bounded_to_the_database_integer(app):
    converters = [converter for rule in app.url_map.iter_rules() if "<int:" in rule.rule
                  for converter in rule._converters.values() if isinstance(converter, IntegerConverter)]
    assert len(converters) > 20
    for converter in converters:
        assert isinstance(converter, BoundedInt) and converter.min == 1 and converter.max == MAX_INT


@pytest.mark.parametrize("ident", ["2147483648", HUGE, "0"])
def test_ids_beyond_the_integer_range_are_not_found(client, api, make_user, make_shop, ident):
    operator = make_user(operator=True)
    shop = make_shop(owner=operator)
    assert api(operator).get(f"/api/v1/orders/{ident}").status_code == 404
    # Every method is a 404 too, never a 405 from another method's rule for the same path.
    assert api(operator).patch(f"/api/v1/shops/{shop.slug}/products/{ident}", json={"name": "x"}).status_code == 404
    _login(client, operator)
    for path in (f"/s/{shop.slug}/products/{ident}", f"/admin/{shop.slug}/orders/{ident}",
                 f"/platform/users/{ident}", f"/orders/{ident}"):
        assert client.get(path).status_code == 404, path
    # Ids typed into forms and query strings: no such row, never a database error.
    assert client.get(f"/s/{shop.slug}/?category={ident}").status_code == 200
    assert client.post("/cart/add", data={"product_id": ident, "qty": "1"}).status_code == 404
    assert client.post("/member/check-in", data={"programme": ident}).status_code == 404


def test_largest_integer_id_is_still_routed(client, make_user):
    _login(client, make_user(operator=True))
    assert client.get(f"/platform/users/{MAX_INT}").status_code == 404
    assert client.get("/platform/users/1").status_code == 200


def test_huge_page_numbers_show_the_last_page_and_an_empty_api_page(client, api, make_user, make_shop, make_product):
    operator = make_user(operator=True)
    shop = make_shop(owner=operator)
    make_product(shop, name="Visible tea")
    assert "Visible tea" in client.get(f"/s/{shop.slug}/?page={HUGE}").get_data(as_text=True)
    assert "Visible tea" in client.get(f"/s/{shop.slug}/?page=2").get_data(as_text=True)
    assert "Visible tea" in client.get(f"/s/{shop.slug}/?page=-3").get_data(as_text=True)
    listed = api(operator).get(f"/api/v1/shops/{shop.slug}/products?page={HUGE}")
    assert listed.status_code == 200 and listed.get_json()["items"] == []
    _login(client, operator)
    for path in ("/orders", "/platform/users", "/platform/", f"/admin/{shop.slug}/products"):
        assert client.get(f"{path}?page={HUGE}").status_code == 200, path


# --- characters the database cannot store ---------------------------------------------------------------

def test_nul_in_an_api_body_is_a_400_naming_the_field(client):
    res = client.post("/api/v1/auth/token", json={"email": "\u0000", "password": "x"})
    assert res.status_code == 400
    error = res.get_json()["error"]
    assert error["code"] == "bad_request" and list(error["fields"]) == ["email"]


def test_nul_or_lone_surrogate_in_registration_creates_nothing(client):
    body = {"email": "nul@example.com", "password": "long-enough-1", "name": "Ann\u0000"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 400
    raw = '{"email": "s@example.com", "password": "long-enough-1", "name": "\\ud800"}'
    res = client.post("/api/v1/auth/register", data=raw, content_type="application/json")
    assert res.status_code == 400 and "name" in res.get_json()["error"]["fields"]
    assert db.session.query(User).count() == 0


def test_nul_in_nested_json_names_the_member(client, api, make_user):
    res = api(make_user()).post("/api/v1/checkout", json={"lines": [{"product_id": 1, "note": "a\u0000"}]})
    assert res.status_code == 400 and list(res.get_json()["error"]["fields"]) == ["lines.0.note"]


def test_escaped_backslash_u0000_is_plain_text_not_a_nul(client):
    res = client.post("/api/v1/auth/token", data='{"email": "\\\\u0000", "password": "x"}',
                      content_type="application/json")
    assert res.status_code == 401  # read as the text \u0000: an unknown e-mail, not a refused character


def test_nul_in_forms_queries_paths_and_headers_is_a_friendly_400(client, make_user, make_shop):
    shop = make_shop()
    register = client.post("/register", data={"name": "A\x00", "email": "a@example.com",
                                               "password": "long-enough-1", "confirm": "long-enough-1"})
    assert register.status_code == 400 and db.session.query(User).filter_by(email="a@example.com").count() == 0
    assert client.get("/?q=%00").status_code == 400
    assert client.get(f"/s/{shop.slug}/?q=%00").status_code == 400
    assert client.get("/s/%00/").status_code == 400
    user = make_user()
    _login(client, user)
    page = client.post("/account", data={"name": "B\x00"})
    assert page.status_code == 400 and "NUL" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert "\x00" not in user.name


def test_nul_in_the_idempotency_key_header_is_refused(client, api, make_user, make_shop, make_product):
    shopper = make_user()
    product = make_product(make_shop())
    res = api(shopper).post("/api/v1/checkout", json={"lines": [{"product_id": product.id, "qty": 1}]},
                            headers={"Idempotency-Key": "key\x00"})
    assert res.status_code == 400 and "Idempotency-Key" in res.get_json()["error"]["fields"]


# --- JSON, content types and methods ---------------------------------------------------------------------

def test_malformed_json_says_where(client):
    res = client.post("/api/v1/auth/token", data="{not json", content_type="application/json",
                      headers={"Accept-Language": "en"})
    message = res.get_json()["error"]["message"]
    assert res.status_code == 400 and "line 1 column 2" in message and message != "Bad Request"


def test_json_sent_as_text_plain_is_415(client, make_user):
    user = make_user()
    body = json.dumps({"email": user.email, "password": PASSWORD})
    res = client.post("/api/v1/auth/token", data=body, content_type="text/plain")
    assert res.status_code == 415 and "application/json" in res.get_json()["error"]["message"]
    assert client.post("/api/v1/auth/token", data=body, content_type="application/json").status_code == 200


def test_an_empty_body_without_content_type_is_still_fine(client, api, make_user):
    res = api(make_user()).client.post("/api/v1/auth/token")
    assert res.status_code == 422


def test_405_carries_allow_in_the_api_and_on_pages(client):
    api_res = client.get("/api/v1/auth/token")
    assert api_res.status_code == 405 and "POST" in api_res.headers["Allow"]
    page = client.get("/logout")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


# --- headers, cookies, proxies ---------------------------------------------------------------------------

def test_security_headers_on_pages_and_api(client):
    for res in (client.get("/"), client.get("/api/v1/openapi.json")):
        csp = res.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp.split(
            "style-src")[0]
        assert res.headers["X-Frame-Options"] == "DENY"
        assert res.headers["X-Content-Type-Options"] == "nosniff"
        assert res.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in res.headers


def test_hsts_only_over_https(client):
    assert "max-age=" in client.get("/", base_url="https://localhost").headers["Strict-Transport-Security"]


def test_pages_have_no_inline_handlers_or_unnonced_scripts(client):
    html = client.get("/").get_data(as_text=True)
    assert "onsubmit=" not in html and "onclick=" not in html and "<script>" not in html
    assert "mall.js" in html


def test_session_cookie_is_secure_outside_development(monkeypatch):
    monkeypatch.delenv("MALL_SESSION_COOKIE_SECURE", raising=False)
    assert make_test_app(TESTING=False).config["SESSION_COOKIE_SECURE"] is True
    assert make_test_app(TESTING=False, MALL_ENV="development").config["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("MALL_SESSION_COOKIE_SECURE", "0")
    assert make_test_app(TESTING=False).config["SESSION_COOKIE_SECURE"] is False


def test_proxy_fix_keys_the_login_limit_on_the_forwarded_client():
    app = make_test_app(PROXY_FIX=1, LOGIN_ADDRESS_RATE_LIMIT="2 per minute")
    client = app.test_client()
    for n in range(2):
        res = client.post("/login", data={"email": f"n{n}@example.com", "password": "wrong-password"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
        assert res.status_code == 422
    blocked = client.post("/login", data={"email": "n9@example.com", "password": "wrong-password"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    other = client.post("/login", data={"email": "n9@example.com", "password": "wrong-password"},
                        headers={"X-Forwarded-For": "198.51.100.1"})
    assert blocked.status_code == 429 and other.status_code == 422


# --- rate limits ----------------------------------------------------------------------------------------

def test_one_address_trying_many_emails_is_limited_across_page_and_api():
    app = make_test_app(LOGIN_ADDRESS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    assert client.post("/login", data={"email": "a@example.com", "password": "wrong-pass"}).status_code == 422
    assert client.post("/login", data={"email": "b@example.com", "password": "wrong-pass"}).status_code == 422
    assert client.post("/api/v1/auth/token", json={"email": "c@example.com", "password": "x"}).status_code == 401
    assert client.post("/login", data={"email": "d@example.com", "password": "wrong-pass"}).status_code == 429
    assert client.post("/api/v1/auth/token", json={"email": "e@example.com", "password": "x"}).status_code == 429


def test_registration_is_limited_per_address_across_page_and_api():
    app = make_test_app(REGISTER_RATE_LIMIT="2 per hour")
    client = app.test_client()

    def body(n):
        return {"name": f"N{n}", "email": f"r{n}@example.com", "password": "long-enough-1"}

    assert client.post("/register", data={**body(1), "confirm": "long-enough-1"}).status_code == 302
    client.post("/logout")
    assert client.post("/api/v1/auth/register", json=body(2)).status_code == 201
    assert client.post("/api/v1/auth/register", json=body(3)).status_code == 429
    assert client.post("/register", data={**body(4), "confirm": "long-enough-1"}).status_code == 429
    assert db.session.query(User).count() == 2


def test_429_shows_the_translated_message_not_the_limiter_rule(make_user):
    app = make_test_app(LOGIN_RATE_LIMIT="1 per minute")
    client = app.test_client()
    email = make_user().email
    db.session.commit()  # end the fixture's read so the second app's requests are not kept waiting on SQLite
    client.post("/lang/en")
    client.post("/login", data={"email": email, "password": "wrong-password"})
    page = client.post("/login", data={"email": email, "password": "wrong-password"})
    html = page.get_data(as_text=True)
    assert page.status_code == 429 and "Too many attempts" in html and "per 1 minute" not in html
    client.post("/api/v1/auth/token", json={"email": email, "password": "x"})
    res = client.post("/api/v1/auth/token", json={"email": email, "password": "x"})
    assert res.status_code == 429 and "per 1 minute" not in res.get_json()["error"]["message"]
    client.post("/lang/zh")
    assert "尝试次数过多" in client.post("/login", data={"email": email, "password": "x"}).get_data(as_text=True)


# --- the suite's own client --------------------------------------------------------------------------------

def test_the_test_client_fails_a_test_on_any_server_error():
    app = make_test_app()

    @app.route("/always-broken")
    def broken():
        raise RuntimeError("broken on purpose")

    with pytest.raises(pytest.fail.Exception, match="500"):
        app.test_client().get("/always-broken")


@pytest.mark.parametrize("filename", ["programme.json", "programme.txt", "programme"])
def test_nul_inside_an_uploaded_json_document_is_refused(client, make_user, make_shop, filename):
    from plugins.loyalty.programmes.models import Programme
    from plugins.loyalty.seeds import FOUR_TIERS

    owner = make_user()
    shop = make_shop(owner=owner)
    _login(client, owner)
    document = {**FOUR_TIERS, "name": "Tea\u0000club"}
    res = client.post(f"/admin/{shop.slug}/loyalty/programme", content_type="multipart/form-data",
                      data={"document": (io.BytesIO(json.dumps(document).encode()), filename)})
    assert res.status_code == 400
    assert db.session.query(Programme).filter_by(tenant_id=shop.id).count() == 0
