"""The checkout page reads its numbers strictly: odd digits, exponents and too many places are field messages."""

from decimal import Decimal

import pytest

from mall.cart import operations as cart
from mall.extensions import db
from mall.orders.models import Order
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def signed_in(client, make_shop, make_user, make_product, make_programme):
    """A four-tier member with points and wallet money, a tea box in the cart, signed in (English)."""
    shop = make_shop(slug="tea")
    user = make_user()
    member, _ = join_programme(make_programme(shop, FOUR_TIERS), user)
    ledger.credit(member, 900, "adjust", "seed")
    move(wallet_for(user), "cash", Decimal("50.00"), "top_up", "seed")
    cart.add(user, make_product(shop, price="100.00"), 1)
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return user


@pytest.mark.parametrize("form,message", [
    ({"coupons": "²"}, "Enter a whole number."),
    ({"coupons": "１２"}, "Enter a whole number."),
    ({"coupons": "99999999999"}, "Enter a whole number from 1 to 2147483647."),
    ({"points-tea": "²"}, "Enter a whole number."),
    ({"points-tea": "-5"}, "Enter a whole number."),
    ({"points-tea": "99999999999999999999999"}, "Enter a whole number from 0 to 100000000."),
    ({"wallet": "1e400"}, "Enter an amount from 0 to 100000000.00 with at most two decimals."),
    ({"wallet": "NaN"}, "Enter an amount from 0 to 100000000.00 with at most two decimals."),
    ({"wallet": "0.001"}, "Enter an amount from 0 to 100000000.00 with at most two decimals."),
])
def test_malformed_checkout_numbers_are_field_messages_and_place_nothing(client, signed_in, form, message):
    """Superscripts, full-width digits, exponents, NaN, a third decimal and huge values: 422, nothing ordered."""
    for action in ("apply", "pay"):
        response = client.post("/checkout", data={**form, "action": action})
        assert response.status_code == 422, action
        assert message in response.get_data(as_text=True)
    assert db.session.execute(db.select(Order)).first() is None


def test_plain_numbers_still_apply(client, signed_in):
    """Well-formed points and wallet money (with spaces around them) still price the order."""
    applied = client.post("/checkout", data={"points-tea": " 500 ", "wallet": "10.5", "action": "apply"})
    assert applied.status_code == 200
    assert "From wallet</dt><dd data-from-wallet>¥10.50" in applied.get_data(as_text=True)
