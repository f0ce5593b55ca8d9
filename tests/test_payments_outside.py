"""Money moves outside our transactions: a failed commit after a charge or a refund neither loses nor doubles it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from mall import clock
from mall.catalog.models import Product
from mall.checkout import reconcile
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Order, Payment, Refund
from mall.payments import gateway
from mall.payments.gateway import GatewayCharge


@pytest.fixture
def commit_fails_once_after():
    """Arm a failure of the next commit once the given gateway call has answered."""
    armed = {}

    def fail(session):
        if armed.pop("now", False):
            raise OperationalError("COMMIT", {}, Exception("connection lost"))

    event.listen(Session, "before_commit", fail)

    def arm(monkeypatch, name: str):
        real = getattr(gateway, name)

        def call_then_arm(*args, **kwargs):
            answer = real(*args, **kwargs)
            if not armed.get("used"):
                armed["now"] = armed["used"] = True
            return answer

        monkeypatch.setattr(gateway, name, call_then_arm)

    yield arm
    event.remove(Session, "before_commit", fail)


def _books(kind="charge", outcome=None):
    query = db.session.query(GatewayCharge).filter_by(kind=kind)
    return query.filter_by(outcome=outcome).all() if outcome else query.all()


def _statuses():
    db.session.expire_all()
    return [o.status for o in db.session.query(Order).order_by(Order.id)]


def test_a_failed_commit_after_the_charge_keeps_the_orders_and_a_replay_pays_them_once(
        make_user, make_shop, make_product, api, monkeypatch, commit_fails_once_after):
    product = make_product(make_shop(), price="30.00", stock=5)
    shopper = api(make_user())
    body = {"lines": [{"product_id": product.id, "qty": 2}]}
    commit_fails_once_after(monkeypatch, "charge")
    first = shopper.post("/api/v1/checkout", body, headers={"Idempotency-Key": "once"})
    assert first.status_code == 409 and first.json["error"]["code"] == "payment_unconfirmed"
    assert len(_books(outcome="charged")) == 1
    assert _statuses() == ["pending_payment"]  # not lost, not paid
    assert db.session.query(Payment).filter_by(method="gateway").count() == 0
    again = shopper.post("/api/v1/checkout", body, headers={"Idempotency-Key": "once"})
    assert again.status_code == 201 and [o["status"] for o in again.json["orders"]] == ["paid"]
    assert len(_books()) == 1  # the same key: no second charge
    assert _statuses() == ["paid"]
    assert db.session.get(Product, product.id).stock == 3
    assert db.session.query(Payment).filter_by(method="gateway").one().amount == Decimal("60.00")


def test_reconciliation_pays_a_charged_checkout_whose_recording_failed(make_user, make_shop, make_product, api,
                                                                       monkeypatch, commit_fails_once_after):
    product = make_product(make_shop(), price="30.00", stock=5)
    commit_fails_once_after(monkeypatch, "charge")
    res = api(make_user()).post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 1}]})
    assert res.status_code == 409
    assert _statuses() == ["pending_payment"]
    report = reconcile.reconcile(clock.now() + timedelta(minutes=1))
    assert report["payments_recorded"] == 0  # the checkout's own request may still be finishing
    report = reconcile.reconcile(clock.now() + timedelta(minutes=10))
    assert report["payments_recorded"] == 1
    assert _statuses() == ["paid"]
    assert reconcile.reconcile(clock.now() + timedelta(minutes=10))["payments_recorded"] == 0
    assert len(_books()) == 1
    order = db.session.query(Order).one()
    assert order.payments[0].reference == _books()[0].reference


def test_reconciliation_cancels_an_unpaid_checkout_after_the_payment_window(make_user, make_shop, make_product,
                                                                          api):
    product = make_product(make_shop(), stock=5)
    res = api(make_user()).post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 2}],
                                                     "payment_token": "decline-card"})
    assert res.status_code == 422 and res.json["error"]["code"] == "payment_declined"
    assert reconcile.reconcile(clock.now() + timedelta(minutes=10))["checkouts_expired"] == 0
    assert _statuses() == ["pending_payment"]
    assert reconcile.reconcile(clock.now() + timedelta(minutes=31))["checkouts_expired"] == 1
    assert _statuses() == ["cancelled"]
    assert db.session.get(Product, product.id).stock == 5
    assert _books(outcome="charged") == []


def test_a_failed_commit_after_a_refund_never_sends_it(make_user, make_shop, make_product, buy):
    placed = buy(make_user(), (make_product(make_shop(), price="25.00"), 2))
    order = db.session.get(Order, placed.orders[0].id)
    orders.refund(order, None, full=True)
    with pytest.raises(OperationalError):
        _arm_and_commit()
    db.session.rollback()
    assert _books(kind="refund") == []
    assert db.session.query(Refund).count() == 0
    refund = orders.refund(db.session.get(Order, order.id), None, full=True)
    assert refund.gateway_state == "pending"
    db.session.commit()  # the queued job sends the card part once the refund is committed
    db.session.expire_all()
    sent = _books(kind="refund")
    assert len(sent) == 1 and sent[0].amount == Decimal("50.00")
    assert db.session.get(Refund, refund.id).gateway_state == "sent"
    db.session.rollback()
    assert orders.send_gateway_refund(refund.id) is False  # sent already: a rerun sends nothing
    assert len(_books(kind="refund")) == 1


def _arm_and_commit():
    """Commit with the failure armed (as if the database went away at that moment)."""

    def fail(session):
        raise OperationalError("COMMIT", {}, Exception("connection lost"))

    event.listen(Session, "before_commit", fail, once=True)
    db.session.commit()


def test_the_gateway_is_never_called_inside_an_open_transaction(make_user):
    db.session.get(Order, make_user().id)
    assert db.session().in_transaction()
    with pytest.raises(gateway.OpenTransaction):
        gateway.charge(Decimal("1.00"), None, "inside")
    db.session.rollback()
    assert gateway.charge(Decimal("1.00"), None, "outside") == gateway.charge(Decimal("1.00"), "other", "outside")
    assert gateway.lookup("outside").outcome == gateway.CHARGED and gateway.lookup("never").outcome == gateway.UNKNOWN


def test_pay_now_after_a_decline_charges_a_new_attempt_once(app, make_user, make_shop, make_product, api):
    from tests.races_support import signed_in

    product = make_product(make_shop(), price="12.00", stock=3)
    shopper = make_user()
    res = api(shopper).post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 1}],
                                                 "payment_token": "decline-card"})
    assert res.status_code == 422
    order_id = db.session.query(Order).one().id
    page = signed_in(app, shopper)
    assert "Pay now" in page.get(f"/orders/{order_id}").get_data(as_text=True)
    assert page.post(f"/orders/{order_id}/pay", data={"payment_token": "decline-again"}).status_code == 302
    assert _statuses() == ["pending_payment"]
    assert page.post(f"/orders/{order_id}/pay", data={}).status_code == 302
    assert page.post(f"/orders/{order_id}/pay", data={}).status_code == 302  # a second click pays nothing more
    assert _statuses() == ["paid"]
    assert [b.outcome for b in _books()] == ["declined", "declined", "charged"]


def test_pay_now_takes_what_was_bought_out_of_the_cart_and_keeps_what_was_added_since(
        app, make_user, make_shop, make_product):
    from mall.cart.models import CartItem
    from tests.races_support import signed_in

    shop = make_shop()
    tea, cup, pot = (make_product(shop, price="9.00", stock=5) for _ in range(3))
    shopper = make_user()
    page = signed_in(app, shopper)
    for product in (tea, cup):
        assert page.post("/cart/add", data={"product_id": product.id, "qty": 1}).status_code == 302
    declined = page.post("/checkout", data={"action": "pay", "payment_token": "decline-card"})
    assert declined.status_code == 302 and _statuses() == ["pending_payment"]
    assert {i.product_id for i in db.session.query(CartItem)} == {tea.id, cup.id}  # kept to try again
    assert page.post("/cart/add", data={"product_id": pot.id, "qty": 1}).status_code == 302
    order_id = db.session.query(Order).one().id
    assert page.post(f"/orders/{order_id}/pay", data={}).status_code == 302
    assert _statuses() == ["paid"]
    assert [i.product_id for i in db.session.query(CartItem)] == [pot.id]


def test_an_unpaid_order_says_what_it_asks_for_and_cancels_without_talk_of_a_refund(
        app, make_user, make_shop, make_product, api):
    from tests.races_support import flashes, signed_in

    product = make_product(make_shop(), price="12.00", stock=3)
    shopper = make_user()
    res = api(shopper).post("/api/v1/checkout", {"lines": [{"product_id": product.id, "qty": 1}],
                                                 "payment_token": "decline-card"})
    assert res.status_code == 422
    order_id = db.session.query(Order).one().id
    page = signed_in(app, shopper)
    html = page.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "To pay" in html and "The payment will be refunded" not in html and "Nothing was charged" in html
    assert page.post(f"/orders/{order_id}/cancel").status_code == 302
    assert flashes(page) == ["The order is cancelled. Nothing was charged."]
    html = page.get(f"/orders/{order_id}").get_data(as_text=True)
    assert _statuses() == ["cancelled"] and "Refunded" not in html
