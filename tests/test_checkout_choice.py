"""The checkout page ticks the coupons that save the most until the shopper chooses; Apply works without the
script; the quote API names the best coupons and the savings, and a signed-in page may ask it with its CSRF token."""

import re
from decimal import Decimal

import pytest

from mall.cart import operations as cart
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.conftest import make_test_app
from tests.fixtures.factories import PASSWORD


def _coupon(programme, user, name, **terms):
    template = coupon_ops.create_template(programme, {"name": name, "valid_days": 7, **terms})
    return coupon_ops.issue(template, user, "staff")


@pytest.fixture
def shopper(client, make_shop, make_user, make_product, make_programme):
    """A member of a tea shop (¥8 shipping under ¥199) with 150.00 of tea in the cart and three coupons: ¥10 off
    ¥50, 10 % off at most ¥20 (saves 15.00) and a platform ¥5 off; signed in (English)."""
    shop = make_shop(slug="tea", shipping_fee=Decimal("8.00"), free_shipping_threshold=Decimal("199.00"))
    programme = make_programme(shop, FOUR_TIERS)
    platform = make_programme(None, PLATFORM_PROGRAMME)
    user = make_user()
    join_programme(programme, user)
    join_programme(platform, user)
    ten = _coupon(programme, user, "Ten off", kind="amount_off", value="10", min_spend="50")
    tenth = _coupon(programme, user, "Tenth off", kind="percent_off", value="0.90", max_discount="20")
    five = _coupon(platform, user, "Platform five", kind="amount_off", value="5")
    cart.add(user, make_product(shop, price="150.00"), 1)
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"user": user, "ten": ten, "tenth": tenth, "five": five}


def _checked(page: str) -> set[int]:
    return {int(v) for v in re.findall(r'name="coupon-[a-z]+" value="(\d+)"[^>]*checked', page)}


def _to_pay(page: str) -> str:
    return re.search(r"data-total>¥([\d.]+)<", page).group(1)


def test_the_page_ticks_the_best_coupons_and_prices_them(client, shopper):
    """150 − 15 (10 %) − 5 (platform) + 8 shipping = 138.00, with the savings listed by source."""
    page = client.get("/checkout").get_data(as_text=True)
    assert _checked(page) == {shopper["tenth"].id, shopper["five"].id}
    assert _to_pay(page) == "138.00"
    assert "Coupon: Tenth off" in page and "Coupon: Platform five" in page
    assert 'data-saved>¥20.00<' in page
    assert page.count("Best saving") == 2


def test_apply_without_script_takes_the_shoppers_choice(client, shopper):
    """Apply (a plain form post) prices what the shopper ticked, and an untouched group with "No coupon" stays empty."""
    form = {"coupon-tea": str(shopper["ten"].id), "coupon-platform": "", "action": "apply"}
    page = client.post("/checkout", data=form).get_data(as_text=True)
    assert _checked(page) == {shopper["ten"].id}
    assert _to_pay(page) == "148.00"
    none = client.post("/checkout", data={"coupon-tea": "", "coupon-platform": "", "action": "apply"})
    assert _checked(none.get_data(as_text=True)) == set() and _to_pay(none.get_data(as_text=True)) == "158.00"
    assert "No savings on this checkout yet." in none.get_data(as_text=True)


def test_two_coupons_of_one_shop_are_refused_with_the_page_reshown(client, shopper):
    """Stacking two coupons of one shop is refused beside the coupons, 422."""
    form = {"coupons": [str(shopper["ten"].id), str(shopper["tenth"].id)], "action": "apply"}
    response = client.post("/checkout", data=form)
    assert response.status_code == 422
    assert "Only one coupon per shop can be used." in response.get_data(as_text=True)


def test_the_quote_api_names_the_best_coupons_and_the_savings(api, shopper):
    """The reply prices the coupons asked for and names the best ones beside them, additively."""
    lines = [{"variant_id": v, "qty": 1} for v in [cart.as_lines(shopper["user"])[0]["variant_id"]]]
    body = api(shopper["user"]).post("/api/v1/checkout/quote", {"lines": lines, "coupons": [shopper["ten"].id]}).json
    assert body["best_coupon_ids"] == sorted([shopper["tenth"].id, shopper["five"].id])
    assert body["total"] == "148.00" and body["saved"] == "10.00"
    assert body["savings"] == [{"kind": "coupon", "label": "Coupon: Ten off", "amount": "10.00"}]


def test_a_signed_in_page_asks_for_a_quote_only_with_its_csrf_token(app, shopper):
    """The session works for the quote alone, and only with the page's CSRF token; other API calls still want a
    token."""
    lines, email = cart.as_lines(shopper["user"]), shopper["user"].email
    db.session.remove()  # SQLite: end this transaction before the other app's requests write
    guarded = make_test_app(WTF_CSRF_ENABLED=True)
    browser = guarded.test_client()
    login_page = browser.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page).group(1)
    browser.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    page = browser.get("/checkout").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert browser.post("/api/v1/checkout/quote", json={"lines": lines}).status_code == 400
    assert browser.post("/api/v1/checkout/quote", json={"lines": lines},
                        headers={"X-CSRFToken": "forged"}).status_code == 400
    reply = browser.post("/api/v1/checkout/quote", json={"lines": lines}, headers={"X-CSRFToken": token})
    assert reply.status_code == 200 and reply.json["total"] == "158.00"
    assert browser.get("/api/v1/orders", headers={"X-CSRFToken": token}).status_code == 401
    assert browser.post("/api/v1/checkout", json={"lines": lines}, headers={"X-CSRFToken": token}).status_code == 401
    assert guarded.test_client().post("/api/v1/checkout/quote", json={"lines": lines}).status_code == 401


def test_another_shoppers_coupon_is_not_priced(api, shopper, make_user):
    """Naming someone else's coupon in a quote is refused and prices nothing."""
    other = make_user()
    lines = cart.as_lines(shopper["user"])
    reply = api(other).post("/api/v1/checkout/quote", {"lines": lines, "coupons": [shopper["ten"].id]})
    assert reply.status_code == 422 and "is not yours" in reply.get_data(as_text=True)
