"""Pages: forms re-shown with messages, login limit, CSRF, languages, the core without plugins."""

from mall.accounts.models import User
from mall.extensions import db
from tests.conftest import make_test_app


def _login(client, user):
    return client.post("/login", data={"email": user.email, "password": "secret-pass-1"})


def test_register_form_reshown_with_messages(client):
    res = client.post("/register", data={"name": "", "email": "bad", "password": "short", "confirm": "x"})
    assert res.status_code == 200
    html = res.get_data(as_text=True)
    assert "has-error" in html and db.session.query(User).count() == 0
    ok = client.post("/register", data={"name": "Ann", "email": "ann@example.com", "password": "long-enough-1",
                                        "confirm": "long-enough-1"})
    assert ok.status_code == 302 and db.session.query(User).count() == 1


def test_login_is_rate_limited(client, make_user):
    user = make_user()
    for _ in range(10):
        assert client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code == 422
    assert client.post("/login", data={"email": user.email, "password": "wrong-password"}).status_code == 429


def test_product_form_invalid_values_save_nothing(client, make_user, make_shop):
    from mall.catalog.models import Product

    owner = make_user()
    shop = make_shop(owner=owner)
    _login(client, owner)
    res = client.post(f"/admin/{shop.slug}/products/new", data={"name": "", "variants-0-price": "-5",
                                                                       "variants-0-stock": "x"})
    assert res.status_code == 422 and "has-error" in res.get_data(as_text=True)
    assert db.session.query(Product).count() == 0


def test_shopping_through_pages(client, make_user, make_shop, make_product):
    from mall.orders.models import Order

    shop = make_shop()
    product = make_product(shop, price="12.00", stock=5)
    shopper = make_user()
    _login(client, shopper)
    assert client.get(f"/s/{shop.slug}/products/{product.id}").status_code == 200
    assert client.post("/cart/add", data={"product_id": product.id, "qty": 2}).status_code == 302
    assert "24.00" in client.get("/cart").get_data(as_text=True)
    page = client.get("/checkout").get_data(as_text=True)
    assert "24.00" in page
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    first = client.post("/checkout", data={"idempotency_key": key})
    second = client.post("/checkout", data={"idempotency_key": key})
    assert first.status_code == second.status_code == 302
    assert db.session.query(Order).count() == 1
    assert "12.00" in client.get(first.headers["Location"]).get_data(as_text=True)


def test_language_switch_and_chinese_pages(client):
    assert "Shops" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    client.post("/lang/zh", data={"next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert "商家" in html or "店铺" in html


def test_error_pages_are_friendly(client):
    res = client.get("/s/nope/")
    assert res.status_code == 404 and "Traceback" not in res.get_data(as_text=True)
    assert client.get("/orders").status_code == 302


def test_csrf_is_enforced_on_forms():
    app = make_test_app(WTF_CSRF_ENABLED=True)
    with app.test_client() as c:
        assert c.post("/register", data={"name": "A", "email": "a@example.com", "password": "long-enough-1",
                                         "confirm": "long-enough-1"}).status_code == 400


def test_core_runs_without_plugins(make_user, make_shop, make_product):
    app = make_test_app(MALL_PLUGINS=[])
    assert "loyalty" not in app.blueprints
    with app.test_client() as c, app.app_context():
        user = make_user()
        product = make_product(make_shop())
        c.post("/login", data={"email": user.email, "password": "secret-pass-1"})
        assert "My memberships" not in c.get("/orders", headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert c.post("/cart/add", data={"product_id": product.id, "qty": 1}).status_code == 302


def test_loyalty_plugin_adds_member_page(client, make_user, make_shop, make_product, buy):
    shopper = make_user()
    shop = make_shop()
    buy(shopper, (make_product(shop, price="7.50"), 2))
    _login(client, shopper)
    html = client.get("/member/memberships", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "¥15.00" in html
    assert "/member/memberships" in client.get("/orders").get_data(as_text=True)
