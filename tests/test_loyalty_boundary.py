"""Loyalty pages through the one transaction boundary: a refusal keeps nothing; reading a wallet writes nothing."""

from __future__ import annotations

from decimal import Decimal

from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.models import Membership
from plugins.loyalty.pushes.models import Campaign
from plugins.loyalty.seeds import FOUR_TIERS, VANCL
from plugins.loyalty.wallet.models import Wallet
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.races_support import flashes, signed_in


def test_reading_a_wallet_not_yet_made_answers_zero_and_writes_nothing(make_user, api):
    """GET /me/wallet of a user with no wallet: zero balances in the usual shape, and still no wallet row."""
    user = make_user()
    shopper = api(user)
    reply = shopper.get("/api/v1/me/wallet")
    assert reply.status_code == 200
    assert reply.json == {"cash": "0.00", "bonus": "0.00", "total": "0.00", "items": []}
    db.session.expire_all()
    assert db.session.execute(db.select(Wallet).filter_by(user_id=user.id)).first() is None
    move(wallet_for(user), "cash", Decimal("12.50"), "top_up", f"seed:{user.id}")  # the first credit makes it
    db.session.commit()
    after = shopper.get("/api/v1/me/wallet").json
    assert (after["cash"], after["total"], len(after["items"])) == ("12.50", "12.50", 1)


def test_a_refused_claim_keeps_no_half_done_join(app, make_user, make_shop, make_programme):
    """Claiming a points-priced coupon joins the shop first; too few points refuses the claim and the join with it,
    and the shopper is back in the coupon centre with the reason."""
    shop = make_shop()
    programme = make_programme(shop, VANCL)
    template = coupon_ops.create_template(programme, {"name": "Dear", "kind": "amount_off", "value": "5",
                                                      "valid_days": 7, "claimable": True, "points_price": 99999})
    db.session.commit()
    user = make_user()
    client = signed_in(app, user)
    reply = client.post(f"/member/coupon-centre/{template.id}/claim?page=1")
    assert reply.status_code == 302 and reply.location.endswith("/member/coupon-centre?page=1")
    assert "You need 99999 points for this coupon." in flashes(client)
    db.session.expire_all()
    assert db.session.execute(db.select(Membership).filter_by(user_id=user.id)).first() is None


def test_a_refused_win_back_campaign_goes_back_with_its_message_and_saves_nothing(app, make_user, make_shop,
                                                                                  make_programme, add_staff):
    """Another shop's template in the win-back form: back to the pushes page with the field's message, no campaign."""
    shop, other = make_shop(), make_shop()
    make_programme(shop, FOUR_TIERS)
    foreign = coupon_ops.create_template(make_programme(other, FOUR_TIERS), {
        "name": "Theirs", "kind": "amount_off", "value": "5", "valid_days": 7})
    db.session.commit()
    manager = make_user()
    add_staff(shop, manager, "manager")
    client = signed_in(app, manager)
    reply = client.post(f"/admin/{shop.slug}/loyalty/pushes/win-back", data={
        "campaign-template_id": str(foreign.id), "campaign-channels": "inbox", "campaign-period": "month",
        "campaign-is_active": "y"})
    assert reply.status_code == 302 and reply.location.endswith(f"/admin/{shop.slug}/loyalty/pushes")
    assert [text for text in flashes(client) if text.startswith("Coupon:")]
    db.session.expire_all()
    assert db.session.execute(db.select(Campaign)).first() is None
