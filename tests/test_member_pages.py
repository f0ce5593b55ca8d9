"""Member centre: points per programme, coupon tabs and the wallet with its top-up form."""

from datetime import timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from plugins.loyalty.wallet.models import WalletEntry
from plugins.loyalty.wallet.operations import wallet_for
from tests.fixtures.factories import PASSWORD


def _login(client, user):
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.set_cookie("mall_lang", "en")


@pytest.fixture
def shopper(make_programme, make_shop, make_user, make_product, checkout_at, client):
    """A four-tier member who bought a 258.00 tea box (pending) and holds a coupon; signed in, in English."""
    make_programme(None, PLATFORM_PROGRAMME)
    shop = make_shop(slug="tea", return_window_days=7)
    programme = make_programme(shop, FOUR_TIERS)
    user = make_user()
    now = clock.now()
    join_programme(programme, user, now)
    template = coupon_ops.create_template(programme, {"name": "10 off 50", "kind": "amount_off", "value": "10",
                                                      "min_spend": "50", "valid_days": 7})
    coupon_ops.issue(template, user, "staff")
    db.session.commit()
    product = make_product(shop, price="258.00")
    (order,) = checkout_at(user, now, (product, 1))
    client.post("/lang/en")
    _login(client, user)
    return {"user": user, "programme": programme, "order": order, "shop": shop}


def test_pages_need_a_login(client):
    """Signed-out visitors are sent to the login page."""
    for path in ("/member/points", "/member/coupons", "/member/wallet"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_points_page_shows_pending_with_its_order_and_the_history(client, shopper):
    """258 pending points from the order (available 7 days after shipment), 100 joining points in the history."""
    page = client.get("/member/points?programme=tea").get_data(as_text=True)
    assert ">100<" in page and ">258<" in page
    assert f"#{shopper['order'].id}" in page and "7 days after shipment" in page
    assert "Joining bonus" in page and "Earned (pending)" in page
    assert client.get("/member/points?programme=platform").status_code == 200


def test_points_expiring_soon_are_listed(client, shopper):
    """Points that lapse within 30 days are summed at the top and listed by date."""
    member = membership(shopper["programme"], shopper["user"])
    ledger.credit(member, 40, "adjust", "soon", expires_at=clock.now() + timedelta(days=3), reason="Goodwill")
    db.session.commit()
    page = client.get("/member/points?programme=tea").get_data(as_text=True)
    assert "Expiring soon" in page and ">40<" in page and "Goodwill" in page


def test_history_is_paginated(client, shopper, app):
    """More entries than a page holds: a pager appears and page 2 shows the rest."""
    member = membership(shopper["programme"], shopper["user"])
    for i in range(app.config["PAGE_SIZE"] + 3):
        ledger.credit(member, 1, "check_in", f"many:{i}")
    db.session.commit()
    first = client.get("/member/points?programme=tea").get_data(as_text=True)
    assert "Page 1 of 2" in first
    second = client.get("/member/points?programme=tea&page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second


def test_coupon_tabs_and_plain_conditions(client, shopper):
    """The available tab explains the coupon; used and expired tabs have their own empty states."""
    available = client.get("/member/coupons").get_data(as_text=True)
    assert ">¥10<" in available and "Spend ¥50" in available and "Shop · Whole shop" in available
    assert ">Expiring soon<" not in available
    assert "You have not used a coupon yet." in client.get("/member/coupons?status=used").get_data(as_text=True)
    with clock.frozen_at(clock.now() + timedelta(days=8)):
        expired = client.get("/member/coupons?status=expired").get_data(as_text=True)
    assert "10 off 50" in expired
    assert client.get("/member/coupons?status=bogus").status_code == 404


@pytest.mark.parametrize("amount", ["", "0", "-5", "abc", "50000.01", "1.234"])
def test_invalid_top_up_reshows_the_form_and_saves_nothing(client, shopper, amount):
    """Every invalid amount is a 422 with the form and a field message; no wallet row is written."""
    response = client.post("/member/wallet", data={"amount": amount})
    assert response.status_code == 422
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(WalletEntry)).first() is None


def test_top_up_adds_cash_and_shows_in_the_history(client, shopper):
    """A valid top-up lands in the cash balance and the history."""
    response = client.post("/member/wallet", data={"amount": "88.50"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "¥88.50 added to your wallet." in page and "Top-up" in page
    db.session.expire_all()
    assert wallet_for(shopper["user"]).cash == Decimal("88.50")


def test_overview(client, shopper):
    """The overview shows the wallet and each programme's points and tier, with links onward."""
    page = client.get("/member/overview").get_data(as_text=True)
    assert "Four tiers" in page and "Regular" in page and ">100<" in page and ">258<" in page
    assert "Pending: <span" in page
    assert "/member/coupon-centre" in page and "/member/statement" in page
