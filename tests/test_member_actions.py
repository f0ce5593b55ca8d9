"""Coupon centre (claim, exchange for points), daily check-in and buying Plus from the member centre."""

from decimal import Decimal

import pytest

from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import TierPurchase
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def member(make_programme, make_shop, make_user, client):
    """A four-tier member (100 joining points) who is also on the platform programme (50); signed in, English."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    shop = make_shop(slug="tea")
    programme = make_programme(shop, FOUR_TIERS)
    user = make_user()
    join_programme(programme, user)
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"user": user, "programme": programme, "platform": platform, "shop": shop}


def _template(programme, **extra):
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 7, "claimable": True, **extra})
    db.session.commit()
    return template


def test_coupon_centre_claims_and_exchanges_points(client, member):
    """A free coupon is claimed once (a second claim is refused with a message); a 60-point coupon costs 60."""
    free = _template(member["platform"], per_member_limit=1)
    paid = _template(member["programme"], name="Tea coupon", points_price=60)
    page = client.get("/member/coupon-centre").get_data(as_text=True)
    assert "5 off" in page and "Exchange for 60 points" in page
    client.post(f"/member/coupon-centre/{free.id}/claim")
    again = client.post(f"/member/coupon-centre/{free.id}/claim", follow_redirects=True).get_data(as_text=True)
    assert "You already have as many of these coupons as allowed." in again
    client.post(f"/member/coupon-centre/{paid.id}/claim")
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 2
    assert membership(member["programme"], member["user"]).points_available == 40
    assert client.post("/member/coupon-centre/999999/claim").status_code == 404


def test_sold_out_coupons_say_so_and_stopped_ones_are_not_offered(client, member, make_user):
    """The shopper who took the last one sees it claimed, anyone else sees it sold out, with no button to claim;
    a stopped template leaves the centre, whose empty state says so."""
    template = _template(member["platform"], stock=1)
    claim = f"/member/coupon-centre/{template.id}/claim"
    client.post(claim)
    page = client.get("/member/coupon-centre").get_data(as_text=True)
    assert 'data-state="claimed"' in page and ">Claimed<" in page and claim not in page
    other = make_user()
    db.session.commit()
    client.post("/logout")
    client.post("/login", data={"email": other.email, "password": PASSWORD})
    page = client.get("/member/coupon-centre").get_data(as_text=True)
    assert 'data-state="sold_out"' in page and ">All gone<" in page and claim not in page
    template.is_active = False
    db.session.commit()
    assert "No coupons to claim right now." in client.get("/member/coupon-centre").get_data(as_text=True)


def test_check_in_once_a_day_from_the_page(client, member):
    """Checking in gives the programme's daily points once; the button then says it is done."""
    page = client.get("/member/check-in").get_data(as_text=True)
    assert "5 points a day" in page and "20 extra on day 7" in page
    done = client.post("/member/check-in", data={"programme": member["programme"].id},
                       follow_redirects=True).get_data(as_text=True)
    assert "Checked in: 5 points, 1 day in a row." in done and "Checked in today" in done
    client.post("/member/check-in", data={"programme": member["programme"].id})
    db.session.expire_all()
    assert membership(member["programme"], member["user"]).points_available == 105
    assert client.post("/member/check-in", data={"programme": "x"}).status_code == 404


def test_buying_plus_from_the_page(client, member):
    """With 120.00 in the wallet Plus (99.00) is bought; a short wallet or a bad choice re-shows the form."""
    short = client.post("/member/plus", data={"tier": "plus", "pay_with": "wallet"})
    assert short.status_code == 422 and "the fee is 99.00" in short.get_data(as_text=True)
    bad = client.post("/member/plus", data={"tier": "gold", "pay_with": "cheque"})
    assert bad.status_code == 422 and 'class="error"' in bad.get_data(as_text=True)
    assert db.session.execute(db.select(TierPurchase)).first() is None
    move(wallet_for(member["user"]), "cash", Decimal("120.00"), "top_up", "t")
    db.session.commit()
    done = client.post("/member/plus", data={"tier": "plus", "pay_with": "wallet"}, follow_redirects=True)
    assert "Welcome to Plus" in done.get_data(as_text=True)
    assert "Buying again adds another term." in done.get_data(as_text=True)
    db.session.expire_all()
    assert wallet_for(member["user"]).cash == Decimal("21.00")
