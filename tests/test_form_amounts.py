"""Amounts typed into page forms: NaN, infinity, exponents and a third decimal are field messages, never a 500."""

import pytest

from mall.catalog.models import Product
from mall.extensions import db
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from plugins.loyalty.wallet.models import WalletEntry
from tests.races_support import signed_in

BAD = ["sNaN", "NaN", "Infinity", "-Infinity", "1e400", "1E+999999999", "12.345", "１２", "0x10"]


@pytest.mark.parametrize("price", BAD)
def test_a_product_price_must_be_a_plain_amount(app, make_shop, make_user, price):
    owner = make_user()
    shop = make_shop(owner=owner)
    client = signed_in(app, owner)
    reply = client.post(f"/admin/{shop.slug}/products/new",
                        data={"name": "Tee", "variants-0-price": price, "variants-0-stock": "5", "category": "tops"})
    assert reply.status_code in (200, 422)
    assert "at most two decimals" in reply.get_data(as_text=True)
    assert db.session.execute(db.select(Product)).first() is None


@pytest.mark.parametrize("amount", BAD)
def test_a_wallet_top_up_must_be_a_plain_amount(app, make_user, make_programme, amount):
    make_programme(None, PLATFORM_PROGRAMME)
    client = signed_in(app, make_user())
    reply = client.post("/member/wallet", data={"amount": amount})
    assert reply.status_code in (200, 422)
    assert "at most two decimals" in reply.get_data(as_text=True)
    assert db.session.execute(db.select(WalletEntry)).first() is None


def test_the_rule_names_the_fields_bound(app, make_user, make_programme):
    make_programme(None, PLATFORM_PROGRAMME)
    client = signed_in(app, make_user())
    page = client.post("/member/wallet", data={"amount": "sNaN"}).get_data(as_text=True)
    assert "Enter an amount up to 50000.00 with at most two decimals." in page
