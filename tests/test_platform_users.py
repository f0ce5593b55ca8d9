"""Operators see a user's memberships and wallet, and adjust the wallet with a reason (logged)."""

from decimal import Decimal

import pytest

from mall.audit.models import AuditEntry
from mall.extensions import db
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from plugins.loyalty.wallet.models import WalletEntry
from plugins.loyalty.wallet.operations import wallet_for
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def operator(client, make_user, make_programme):
    """The platform programme, a shopper, and an operator signed in (English)."""
    make_programme(None, PLATFORM_PROGRAMME)
    shopper = make_user(name="Amy")
    user = make_user(operator=True)
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return {"operator": user, "shopper": shopper}


def test_user_page_shows_memberships_and_wallet(client, operator):
    """The shopper's platform membership (50 joining points) and empty wallet show on their page."""
    page = client.get(f"/platform/users/{operator['shopper'].id}").get_data(as_text=True)
    assert "Mall Plus" in page and "50 points" in page and "History and adjustment" in page


@pytest.mark.parametrize("data,message", [
    ({"balance": "bonus", "amount": "0", "reason": "zero"}, "Enter an amount other than 0."),
    ({"balance": "bonus", "amount": "-1", "reason": "take"}, "The bonus balance is"),
    ({"balance": "bonus", "amount": "20", "reason": ""}, "This field is required."),
    ({"balance": "gold", "amount": "20", "reason": "why"}, "Not a valid choice"),
    ({"balance": "cash", "amount": "lots", "reason": "why"}, "up to 50000.00 with at most two decimals."),
])
def test_invalid_adjustments_change_nothing(client, operator, data, message):
    """Each invalid adjustment re-shows the form (422) with its message and writes no wallet row."""
    response = client.post(f"/platform/loyalty/users/{operator['shopper'].id}/wallet", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.execute(db.select(WalletEntry)).first() is None


def test_adjustment_is_applied_and_logged(client, operator, make_user):
    """20.00 bonus lands in the wallet with the reason, the audit log names the operator; shoppers get 403."""
    url = f"/platform/loyalty/users/{operator['shopper'].id}/wallet"
    done = client.post(url, data={"balance": "bonus", "amount": "20.00", "reason": "Late parcel"},
                       follow_redirects=True)
    assert "Wallet adjusted by 20.00." in done.get_data(as_text=True) and "Late parcel" in done.get_data(as_text=True)
    db.session.expire_all()
    assert wallet_for(operator["shopper"]).bonus == Decimal("20.00")
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="wallet.adjusted")).scalar_one()
    assert entry.actor_id == operator["operator"].id and entry.details["reason"] == "Late parcel"
    client.post("/logout")
    client.post("/login", data={"email": operator["shopper"].email, "password": PASSWORD})
    assert client.get(url).status_code == 403
    assert client.post("/platform/loyalty/users/999999/wallet").status_code == 403


def test_shop_list_shows_member_counts(client, operator, make_shop, make_programme):
    """A shop with a programme shows how many members it has."""
    from plugins.loyalty.members.operations import join_programme
    from plugins.loyalty.seeds import FOUR_TIERS

    shop = make_shop(slug="tea")
    programme = make_programme(shop, FOUR_TIERS)
    join_programme(programme, operator["shopper"])
    db.session.commit()
    assert "1 member<" in client.get("/platform/").get_data(as_text=True)
