"""Numbers, money, dates and times on pages read in the viewer's language, and the cart's stepper works without a
script: its − and + buttons send the new quantity on their own."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask import g

from mall.i18n import day, money, number, when
from tests.races_support import signed_in

MOMENT = datetime(2026, 12, 1, 7, 4, tzinfo=UTC)  # 15:04 in Shanghai, 16:04 in Tokyo


@pytest.mark.parametrize("lang,expected", [
    ("en", ("50,000", "1,234.50", "Dec 1, 2026", "Dec 1, 2026 15:04")),
    ("zh", ("50,000", "1,234.50", "2026年12月1日", "2026年12月1日 15:04")),
])
def test_the_filters_speak_the_viewers_language(app, lang, expected):
    with app.test_request_context("/", headers={"Accept-Language": lang}):
        assert (number(Decimal("50000.0")), money(Decimal("1234.5")), day(date(2026, 12, 1)), when(MOMENT)) == expected
        assert number(None) == when(None) == day(None) == "—"
        assert number(Decimal("2.5"), places=2) == "2.50" and money(0) == "0.00"


def test_a_shops_pages_show_its_own_time_zone(app, make_shop):
    shop = make_shop()
    shop.timezone = "Asia/Tokyo"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        g.tenant = shop
        assert when(MOMENT) == "Dec 1, 2026 16:04"
        assert when(MOMENT.replace(tzinfo=None)) == "Dec 1, 2026 16:04"  # naive values are UTC


def test_the_cart_stepper_sends_one_fewer_or_one_more(app, make_user, make_product, make_shop):
    from mall.cart import operations as cart
    from mall.cart.models import CartItem
    from mall.extensions import db

    shopper = make_user()
    product = make_product(make_shop(), stock=10)
    item = cart.add(shopper, product, 2)
    db.session.commit()
    client = signed_in(app, shopper)
    page = client.get("/cart").get_data(as_text=True)
    for value in (1, 3):
        assert f'form="step-{item.id}" name="qty" value="{value}"' in page
    assert f'id="step-{item.id}"' in page
    # The stepper's form carries nothing but the button's value.
    assert client.post(f"/cart/{item.id}", data={"qty": "3"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CartItem, item.id).qty == 3
