"""A page's payment form carries a one-time key: submitted twice, even at once, it credits and charges once."""

from decimal import Decimal

import pytest

from mall.extensions import db
from plugins.loyalty.members.models import TierPurchase
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from plugins.loyalty.wallet.models import WalletEntry
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.conftest import requires_pg
from tests.races_support import CommitGate, flashes, form_key, signed_in


@pytest.fixture
def plus_buyer(app, make_user, make_programme):
    """The platform programme (Plus at 99.00) and a shopper with 250.00 cash, signed in."""
    make_programme(None, PLATFORM_PROGRAMME)
    user = make_user()
    move(wallet_for(user), "cash", Decimal("250.00"), "top_up", f"seed:{user.id}")
    db.session.commit()
    return user, signed_in(app, user)


def test_a_top_up_submitted_twice_credits_once(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    form = {"amount": "10.00", "idempotency_key": form_key(client, "/member/wallet")}
    first = client.post("/member/wallet", data=form, follow_redirects=True)
    second = client.post("/member/wallet", data=form, follow_redirects=True)
    for reply in (first, second):
        assert reply.status_code == 200 and "¥10.00 added to your wallet." in reply.get_data(as_text=True)
    db.session.expire_all()
    assert wallet_for(user).cash == Decimal("10.00")
    assert db.session.query(WalletEntry).filter_by(kind="top_up").count() == 1


def test_the_same_key_with_another_amount_is_refused_and_changes_nothing(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    key = form_key(client, "/member/wallet")
    client.post("/member/wallet", data={"amount": "10.00", "idempotency_key": key})
    other = client.post("/member/wallet", data={"amount": "20.00", "idempotency_key": key})
    assert other.status_code == 409
    assert "already used for a different request" in other.get_data(as_text=True)
    db.session.expire_all()
    assert wallet_for(user).cash == Decimal("10.00")


def test_plus_bought_twice_with_one_form_is_paid_once(plus_buyer):
    user, client = plus_buyer
    form = {"tier": "plus", "pay_with": "wallet", "idempotency_key": form_key(client, "/member/plus")}
    for _ in range(2):
        reply = client.post("/member/plus", data=form, follow_redirects=True)
        assert reply.status_code == 200 and "Welcome to Plus" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(TierPurchase).count() == 1
    assert wallet_for(user).cash == Decimal("151.00")


@requires_pg
def test_one_top_up_form_sent_twice_at_once_credits_once(app, make_user):
    user = make_user()
    clients = [signed_in(app, user) for _ in range(2)]
    form = {"amount": "10.00", "idempotency_key": form_key(clients[0], "/member/wallet")}
    with CommitGate(2) as gate:
        replies = gate.run(*(lambda c=c: c.post("/member/wallet", data=form) for c in clients))
    assert [r.status_code for r in replies] == [302, 302]
    assert [flashes(c) for c in clients] == [["¥10.00 added to your wallet."]] * 2
    db.session.expire_all()
    assert wallet_for(user).cash == Decimal("10.00")
    assert db.session.query(WalletEntry).filter_by(kind="top_up").count() == 1


@requires_pg
def test_one_plus_form_sent_twice_at_once_pays_once(app, plus_buyer):
    user, client = plus_buyer
    clients = [client, signed_in(app, user)]
    form = {"tier": "plus", "pay_with": "wallet", "idempotency_key": form_key(client, "/member/plus")}
    with CommitGate(2) as gate:
        replies = gate.run(*(lambda c=c: c.post("/member/plus", data=form) for c in clients))
    assert [r.status_code for r in replies] == [302, 302]
    assert all(flashes(c)[0].startswith("Welcome to Plus") for c in clients)
    db.session.expire_all()
    assert db.session.query(TierPurchase).count() == 1
    assert wallet_for(user).cash == Decimal("151.00")
