"""Order lifecycle: ship, complete, refunds with stock and money by method, the settling tick."""

from datetime import timedelta
from decimal import Decimal

from click.testing import CliRunner

from mall import clock, signals
from mall.catalog.models import Product
from mall.extensions import db
from mall.orders.models import Order


def test_ship_complete_refund_partial_then_full(make_user, make_shop, make_product, api, buy):
    owner = make_user()
    shop = make_shop(owner=owner, shipping_fee=Decimal("6.00"))
    p1, p2 = make_product(shop, price="10.00", stock=5), make_product(shop, price="3.33", stock=5)
    order = buy(make_user(), (p1, 2), (p2, 3)).orders[0]
    staff = api(owner)
    base = f"/api/v1/shops/{shop.slug}/orders/{order.id}"
    assert staff.post(base + "/complete").status_code == 409
    assert staff.post(base + "/ship").json["order"]["status"] == "shipped"
    line2 = order.lines[1]
    res = staff.post(base + "/refund", {"lines": [{"line_id": line2.id, "qty": 1}]})
    assert res.status_code == 200 and res.json["refund"]["amount"] == "3.33"
    assert res.json["order"]["status"] == "partially_refunded"
    over = staff.post(base + "/refund", {"lines": [{"line_id": line2.id, "qty": 3}]})
    assert over.status_code == 422
    full = staff.post(base + "/refund", {"full": True})
    # 20.00 + 9.99 + 6.00 shipping = 35.99 paid; 3.33 already back.
    assert full.json["refund"]["amount"] == "32.66" and full.json["order"]["status"] == "refunded"
    db.session.expire_all()
    assert db.session.get(Product, p1.id).stock == 5 and db.session.get(Product, p2.id).stock == 5
    assert db.session.get(Order, order.id).refunded_amount == Decimal("35.99")
    assert staff.post(base + "/refund", {"full": True}).status_code == 409


def test_cancel_restores_stock_and_refunds(make_user, make_shop, make_product, api, buy):
    product = make_product(make_shop(), stock=3)
    shopper = make_user()
    order = buy(shopper, (product, 2)).orders[0]
    res = api(shopper).post(f"/api/v1/orders/{order.id}/cancel")
    assert res.status_code == 200 and res.json["order"]["status"] == "cancelled"
    assert res.json["refund"]["amount"] == "20.00"
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock == 3


def test_review_needs_completed_order(make_user, make_shop, make_product, api, buy):
    owner, shopper = make_user(), make_user()
    shop = make_shop(owner=owner)
    order = buy(shopper, (make_product(shop), 1)).orders[0]
    me = api(shopper)
    path = f"/api/v1/orders/{order.id}/lines/{order.lines[0].id}/review"
    assert me.post(path, {"rating": 5, "text": "great"}).status_code == 409
    api(owner).post(f"/api/v1/shops/{shop.slug}/orders/{order.id}/ship")
    assert me.post(f"/api/v1/orders/{order.id}/confirm-receipt").json["order"]["status"] == "completed"
    assert me.post(path, {"rating": 6}).status_code == 422
    assert me.post(path, {"rating": 5, "text": "great"}).status_code == 201
    assert me.post(path, {"rating": 4}).status_code == 409


def test_tick_settles_each_due_order_once(app, make_user, make_shop, make_product, buy):
    from mall.orders import operations

    shop = make_shop(return_window_days=30)
    product = make_product(shop, stock=10)
    shopper = make_user()
    orders = [buy(shopper, (product, 1)).orders[0] for _ in range(3)]
    shipped_at = clock.now() - timedelta(days=40)
    with clock.frozen_at(shipped_at):
        operations.ship(orders[0], None)
        operations.ship(orders[1], None)
    operations.ship(orders[2], None)  # shipped today: not due
    db.session.commit()
    settled = []

    def record(sender, order, at):
        settled.append(order.id)

    at = (clock.now()).isoformat()
    runner = CliRunner()
    with signals.order_settled.connected_to(record):
        dry = runner.invoke(app.cli, ["mall", "tick", "--at", at, "--dry-run"])
        assert "orders_settled=2" in dry.output and settled == []
        first = runner.invoke(app.cli, ["mall", "tick", "--at", at])
        second = runner.invoke(app.cli, ["mall", "tick", "--at", at])
    assert first.exit_code == 0 and "orders_settled=2" in first.output
    assert "orders_settled=0" in second.output
    assert sorted(settled) == sorted([orders[0].id, orders[1].id])
    db.session.expire_all()
    assert [db.session.get(Order, o.id).status for o in orders] == ["settled", "settled", "shipped"]
    bad = runner.invoke(app.cli, ["mall", "tick", "--at", "yesterday"])
    assert bad.exit_code == 2 and "ISO 8601" in bad.output


def test_create_operator_command(app):
    runner = CliRunner()
    ok = runner.invoke(app.cli, ["mall", "create-operator", "ops@example.com", "long-enough-pw"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(app.cli, ["mall", "create-operator", "not-an-email", "long-enough-pw"])
    assert bad.exit_code == 1 and "email:" in bad.output
    short = runner.invoke(app.cli, ["mall", "create-operator", "ops2@example.com", "short"])
    assert short.exit_code == 1 and "password:" in short.output
