"""Webhook events from their causes: joining, points credited at settlement, a tier reached, the order settled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mall import clock
from mall.extensions import db
from mall.webhooks.models import EVENTS, WebhookDelivery
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import VANCL
from tests.fixtures.programmes import START
from tests.test_webhooks import _owner
from tests.webhook_support import Receiver, verify


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch):
    monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "1")


@pytest.fixture
def hook():
    receiver = Receiver()
    yield receiver
    receiver.close()


def test_a_settled_order_sends_points_tier_and_order_events(api, make_shop, make_user, make_product, make_programme,
                                                             checkout_at, settle, hook):
    """VANCL: two coats of ¥1000 settle: 2 points a yuan → 4000 points, spend 2000 reaches VIP (threshold 2000)."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    made = api(_owner(shop)).post(f"/api/v1/shops/{shop.slug}/webhooks",
                                  json={"url": hook.url, "events": list(EVENTS)}).get_json()["webhook"]
    coat = make_product(shop, price="1000.00")
    user = make_user()
    with clock.frozen_at(START):
        join_programme(programme, user)
        db.session.commit()
    (order,) = checkout_at(user, START, (coat, 2))
    settle(order, START + timedelta(days=1))
    member = db.session.execute(db.select(Membership)).scalar_one()
    entry = db.session.execute(db.select(PointsEntry).where(PointsEntry.kind != "pending")).scalars().all()
    by_event = {b["event"]: b["data"] for b in hook.bodies()}
    assert [b["event"] for b in hook.bodies()] == ["member.joined", "order.settled", "points.credited", "tier.changed"]
    assert by_event["member.joined"] == {"membership_id": member.id, "user_id": user.id,
                                         "programme_id": programme.id, "tier": "normal",
                                         "joined_at": START.isoformat()}
    credited = by_event["points.credited"]
    assert (credited["points"], credited["balance"], credited["order_id"], credited["user_id"]) == (
        4000, 4000, order.id, user.id)
    assert credited["entry_id"] in {e.id for e in entry}
    tier = by_event["tier.changed"]
    assert (tier["from"], tier["to"], tier["reason"], tier["membership_id"]) == ("normal", "vip", "up", member.id)
    settled = by_event["order.settled"]
    assert (settled["order_id"], settled["total"], settled["refunded"], settled["user_id"]) == (
        order.id, "2000.00", "0.00", user.id)
    secret = db.session.execute(db.select(WebhookDelivery)).scalars().first().endpoint.secret
    assert secret == made["secret"] and all(verify(secret, r) for r in hook.requests)
    assert len({r["headers"]["X-Mall-Delivery"] for r in hook.requests}) == len(hook.requests) == 4


def test_an_event_rolled_back_with_its_cause_is_never_sent(api, make_shop, make_user, make_programme, hook):
    """The outbox row is written in the cause's transaction: a join rolled back leaves no delivery and no request."""
    shop = make_shop()
    programme = make_programme(shop, VANCL)
    api(_owner(shop)).post(f"/api/v1/shops/{shop.slug}/webhooks", json={"url": hook.url, "events": ["member.joined"]})
    with clock.frozen_at(START):
        join_programme(programme, make_user())
        db.session.rollback()
    assert db.session.execute(db.select(db.func.count(WebhookDelivery.id))).scalar() == 0 and hook.requests == []


def test_coupon_push_and_expiry_events(api, make_shop, make_user, make_product, make_programme, checkout_at, hook):
    """A push to the shop's one member issues a coupon (coupon.issued, push.completed), the coupon pays part of an
    order (coupon.used), and the join bonus lapses a year after the last order (points.expired)."""
    import copy

    from mall.cli import run_tick
    from plugins.loyalty.coupons import operations as coupon_ops
    from plugins.loyalty.coupons.models import Coupon
    from plugins.loyalty.points.operations import credit
    from plugins.loyalty.pushes import operations as push_ops
    from plugins.loyalty.pushes.models import Push

    shop = make_shop()
    programme = make_programme(shop, copy.deepcopy(VANCL))
    api(_owner(shop)).post(f"/api/v1/shops/{shop.slug}/webhooks", json={"url": hook.url, "events": [
        "coupon.issued", "coupon.used", "push.completed", "points.expired"]})
    template = coupon_ops.create_template(programme, {"name": "10 off", "kind": "amount_off", "value": "10",
                                                      "valid_days": 30})
    user = make_user()
    with clock.frozen_at(START):
        member, _created = join_programme(programme, user)
        credit(member, 30, "adjust", "gift-30", funded_by="shop")
        push = push_ops.create_push(programme, {"template_id": template.id, "filter": {}})
        db.session.commit()
    coupon = db.session.execute(db.select(Coupon)).scalar_one()
    (order,) = checkout_at(user, START + timedelta(days=1), (make_product(shop, price="50.00"), 1),
                           coupons=[coupon.id])
    run_tick(START + timedelta(days=400))  # inactivity 365 days: the 30 points lapse
    data = {b["event"]: b["data"] for b in hook.bodies()}
    assert [b["event"] for b in hook.bodies()] == ["coupon.issued", "push.completed", "coupon.used",
                                                  "points.expired"]
    assert (data["coupon.issued"]["coupon_id"], data["coupon.issued"]["source"]) == (coupon.id, "push")
    assert (data["push.completed"]["push_id"], data["push.completed"]["targeted"]) == (
        push.id, db.session.get(Push, push.id).targeted) == (push.id, 1)
    assert (data["coupon.used"]["coupon_id"], data["coupon.used"]["order_id"]) == (coupon.id, order.id)
    assert (data["points.expired"]["points"], data["points.expired"]["balance"]) == (30, 0)


def test_an_approved_refund_request_sends_after_sale_refunded(api, make_shop, make_user, make_product, buy, hook):
    """Two of three ¥10.00 tees refunded through after-sales: after_sale.refunded carries the request and ¥20.00."""
    from mall.aftersales import operations as aftersales

    shop = make_shop()
    owner = _owner(shop)
    api(owner).post(f"/api/v1/shops/{shop.slug}/webhooks", json={"url": hook.url, "events": ["after_sale.refunded"]})
    shopper = make_user()
    order = buy(shopper, (make_product(shop, price="10.00"), 3)).orders[0]
    asked = aftersales.request_after_sale(order, shopper, "refund", [{"line_id": order.lines[0].id, "qty": 2}],
                                          "damaged")
    db.session.commit()
    aftersales.approve(asked, owner)
    db.session.commit()
    (body,) = hook.bodies()
    assert body["event"] == "after_sale.refunded"
    assert {k: body["data"][k] for k in ("after_sale_id", "order_id", "user_id", "kind", "amount")} == {
        "after_sale_id": asked.id, "order_id": order.id, "user_id": shopper.id, "kind": "refund", "amount": "20.00"}
