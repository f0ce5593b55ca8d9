"""The platform's paid tier (Plus, 99 a year): bought from the wallet or the gateway, renewed, and lapsing."""

from datetime import timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership, TierPurchase
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.fixtures.programmes import START


@pytest.fixture
def plus(make_programme, make_shop, make_product, make_user, api):
    """The platform programme, a shop charging 8.00 shipping, and a shopper with 80 cash + 30 bonus."""
    make_programme(None, PLATFORM_PROGRAMME)
    shop = make_shop(shipping_fee=Decimal("8.00"))
    product = make_product(shop, price="20.00", stock=100)
    user = make_user()
    wallet = wallet_for(user)
    move(wallet, "cash", Decimal("80.00"), "top_up", "seed:cash")
    move(wallet, "bonus", Decimal("30.00"), "adjust", "seed:bonus")
    db.session.commit()
    return {"shop": shop, "product": product, "user": user, "client": api(user)}


def _buy(client, **body):
    return client.post("/api/v1/me/paid-tier", json={"tier": "plus", **body})


def _plus_membership(client):
    return next(m for m in client.get("/api/v1/me/memberships").json["items"] if m["programme"] == "platform")


def test_plus_from_the_wallet_gives_free_shipping_for_a_year(plus):
    """99.00 comes from the bonus (30.00) then cash (69.00); shipping is free until the year ends."""
    client = plus["client"]
    with clock.frozen_at(START):
        bought = _buy(client, pay_with="wallet")
        assert bought.status_code == 201, bought.json
        assert bought.json["purchase"]["wallet_bonus"] == "30.00"
        assert bought.json["purchase"]["wallet_cash"] == "69.00"
        assert bought.json["membership"]["level"]["code"] == "plus"
        wallet = client.get("/api/v1/me/wallet").json
        assert (wallet["cash"], wallet["bonus"]) == ("11.00", "0.00")
        quote = client.post("/api/v1/checkout/quote", json={"lines": [{"product_id": plus["product"].id, "qty": 1}]})
        assert quote.json["orders"][0]["shipping"] == "0.00"
    membership = _plus_membership(client)
    assert membership["level_expires_at"].startswith((START + timedelta(days=365)).date().isoformat())
    after = START + timedelta(days=365, hours=1)
    run_tick(after)
    with clock.frozen_at(after):
        assert _plus_membership(client)["level"]["code"] == "member"
        quote = client.post("/api/v1/checkout/quote", json={"lines": [{"product_id": plus["product"].id, "qty": 1}]})
        assert quote.json["orders"][0]["shipping"] == "8.00"
    assert violations() == []


def test_renewing_extends_from_the_end_of_the_term(plus):
    """Bought on day 0 and again on day 100 (by card): the second year starts when the first ends."""
    client = plus["client"]
    with clock.frozen_at(START):
        assert _buy(client, pay_with="gateway").status_code == 201
    with clock.frozen_at(START + timedelta(days=100)):
        again = _buy(client, pay_with="gateway")
    assert again.status_code == 201
    assert again.json["purchase"]["starts_at"].startswith((START + timedelta(days=365)).date().isoformat())
    assert again.json["purchase"]["ends_at"].startswith((START + timedelta(days=730)).date().isoformat())
    assert again.json["purchase"]["gateway_paid"] == "99.00"
    wallet = client.get("/api/v1/me/wallet").json
    assert (wallet["cash"], wallet["bonus"]) == ("80.00", "30.00")  # the card paid, the wallet did not


@pytest.mark.parametrize("body,field", [
    ({"pay_with": "gateway", "payment_token": "decline-card"}, "payment_token"),
    ({"pay_with": "cheque"}, "pay_with"),
    ({"pay_with": "wallet", "tier": "gold"}, "tier"),  # an earned tier cannot be bought
    ({"pay_with": "wallet", "tier": None}, "tier"),
    ({"pay_with": "gateway", "payment_token": 5}, "payment_token"),
])
def test_a_refused_purchase_is_422_and_changes_nothing(plus, body, field):
    """A declined card, an unknown way to pay, a tier that is not for sale: 422 naming the field, nothing kept."""
    response = _buy(plus["client"], **body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert db.session.execute(db.select(TierPurchase)).first() is None
    member = db.session.execute(db.select(Membership).filter_by(user_id=plus["user"].id)).scalar_one()
    assert member.paid_until is None


def test_a_short_wallet_is_refused_and_a_replay_charges_once(plus):
    """110.00 in the wallet buys one year; the same Idempotency-Key again returns the same purchase; a third
    purchase without money is a 422 naming the balance."""
    client = plus["client"]
    first = client.post("/api/v1/me/paid-tier", json={"tier": "plus", "pay_with": "wallet"},
                        headers={"Idempotency-Key": "plus-2026"})
    replay = client.post("/api/v1/me/paid-tier", json={"tier": "plus", "pay_with": "wallet"},
                         headers={"Idempotency-Key": "plus-2026"})
    assert first.status_code == replay.status_code == 201
    assert replay.json == first.json
    assert db.session.execute(db.select(db.func.count(TierPurchase.id))).scalar() == 1
    short = _buy(client, pay_with="wallet")
    assert short.status_code == 422
    assert "11.00" in short.json["error"]["fields"]["pay_with"][0]
    assert violations() == []
