"""The checkout page takes coupons, points and wallet money: apply shows the new quote, pay places it."""

from decimal import Decimal

import pytest

from mall.cart import operations as cart
from mall.extensions import db
from mall.orders.models import Order
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def shopper(client, make_shop, make_user, make_product, make_programme):
    """A four-tier member with 1000 points, 50.00 in the wallet, a 10-off-50 coupon and a 100.00 tea box
    in the cart; signed in (English)."""
    shop = make_shop(slug="tea")
    programme = make_programme(shop, FOUR_TIERS)
    user = make_user()
    member, _ = join_programme(programme, user)
    ledger.credit(member, 900, "adjust", "seed")
    move(wallet_for(user), "cash", Decimal("50.00"), "top_up", "seed")
    template = coupon_ops.create_template(programme, {"name": "10 off 50", "kind": "amount_off", "value": "10",
                                                      "min_spend": "50", "valid_days": 7})
    coupon = coupon_ops.issue(template, user, "staff")
    product = make_product(shop, price="100.00")
    cart.add(user, product, 1)
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"user": user, "coupon": coupon, "programme": programme}


def test_apply_then_pay_with_coupon_points_and_wallet(client, shopper):
    """The coupon takes 10.00 off, 1000 points pay 10.00 (within half of 90.00), the wallet 30.00, the card 50.00."""
    page = client.get("/checkout").get_data(as_text=True)
    assert "10 off 50" in page and "up to 1000" in page and "¥50.00 available" in page
    form = {"coupons": str(shopper["coupon"].id), "points-tea": "1000", "wallet": "30.00"}
    applied = client.post("/checkout", data={**form, "action": "apply"}).get_data(as_text=True)
    assert "¥80.00" in applied  # 100 − 10 coupon − 10 points
    # The applied quote explains the points and how the 80.00 will be paid.
    assert "Points (<span data-points-used>1,000</span>)</td><td class=\"num\">−¥10.00" in applied
    assert "From wallet</dt><dd data-from-wallet>¥30.00" in applied and "By card</dt><dd data-by-card>¥50.00" in applied
    paid = client.post("/checkout", data={**form, "action": "pay"}, follow_redirects=True)
    assert "Thank you! Your payment was received." in paid.get_data(as_text=True)
    order = db.session.execute(db.select(Order)).scalar_one()
    assert (order.total, order.wallet_paid, order.gateway_paid) == (Decimal("80.00"), Decimal("30.00"),
                                                                    Decimal("50.00"))
    db.session.expire_all()
    assert membership(shopper["programme"], shopper["user"]).points_available == 0


@pytest.mark.parametrize("form,message", [
    ({"points-tea": "5000"}, "Four tiers: you can use 100 to 1000 points on this order."),
    ({"points-tea": "many"}, "Enter a whole number."),
    ({"wallet": "500.00"}, "At most 50.00 can be paid from the wallet."),
    ({"coupons": "999999"}, "Coupon 999999 is not yours."),
])
def test_refused_options_reshow_the_page_and_charge_nothing(client, shopper, form, message):
    """Each refused option shows its message (422) on both apply and pay; no order is placed."""
    for action in ("apply", "pay"):
        response = client.post("/checkout", data={**form, "action": action})
        assert response.status_code == 422, action
        assert message in response.get_data(as_text=True)
    assert db.session.execute(db.select(Order)).first() is None
