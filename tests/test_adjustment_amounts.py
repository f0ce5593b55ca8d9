"""An operator's wallet adjustment takes whole cents only, on the page and in the API, as a top-up does."""

from decimal import Decimal

import pytest

from mall.extensions import db
from plugins.loyalty.seeds import PLATFORM_PROGRAMME
from plugins.loyalty.wallet.models import WalletEntry
from tests.races_support import signed_in

CENTS = "Enter an amount up to 50000.00 with at most two decimals."


@pytest.fixture
def operator(app, make_user, make_programme):
    """The platform programme, a shopper and an operator signed in on the pages (English)."""
    make_programme(None, PLATFORM_PROGRAMME)
    user = make_user(operator=True)
    return {"client": signed_in(app, user), "user": user, "shopper": make_user()}


@pytest.mark.parametrize("amount", ["12.345", "-0.001", "0.005", "NaN", "-Infinity", "1e400", "1E+999999999"])
def test_the_page_refuses_more_than_two_decimals(operator, amount):
    url = f"/platform/loyalty/users/{operator['shopper'].id}/wallet"
    reply = operator["client"].post(url, data={"balance": "bonus", "amount": amount, "reason": "gift"})
    assert reply.status_code == 422 and 'class="error"' in reply.get_data(as_text=True)
    assert db.session.execute(db.select(WalletEntry)).first() is None


def test_the_page_names_the_rule_for_a_third_decimal(operator):
    url = f"/platform/loyalty/users/{operator['shopper'].id}/wallet"
    reply = operator["client"].post(url, data={"balance": "bonus", "amount": "12.345", "reason": "gift"})
    assert CENTS in reply.get_data(as_text=True)


@pytest.mark.parametrize("amount", ["12.345", 12.345, "0.001", "-0.005"])
def test_the_api_refuses_more_than_two_decimals(operator, api, amount):
    url = f"/api/v1/platform/users/{operator['shopper'].id}/wallet/adjust"
    body = f'{{"amount": {amount if isinstance(amount, float) else chr(34) + amount + chr(34)}, ' \
           f'"balance": "bonus", "reason": "gift"}}'
    reply = api(operator["user"]).post(url, data=body, headers={"Accept-Language": "en"})
    assert reply.status_code == 422 and "decimals" in reply.json["error"]["fields"]["amount"][0]
    assert db.session.execute(db.select(WalletEntry)).first() is None


def test_whole_cents_are_taken_as_given(operator):
    url = f"/platform/loyalty/users/{operator['shopper'].id}/wallet"
    reply = operator["client"].post(url, data={"balance": "bonus", "amount": "12.34", "reason": "gift"})
    assert reply.status_code == 302
    assert db.session.execute(db.select(WalletEntry.delta)).scalar_one() == Decimal("12.34")
