"""After-sales (售后) through the API: who may ask for what and when, each step, the refund it ends in, the inbox."""

from datetime import timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.aftersales.models import AfterSale, AfterSaleHold
from mall.aftersales.operations import has_after_sales_clause, timeline_events
from mall.catalog.models import Product
from mall.cli import run_tick
from mall.extensions import db
from mall.notifications.models import Notification
from mall.orders.models import Order, Refund
from mall.tenants import operations as tenants
from mall.tenants.models import StaffRole
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import VANCL
from plugins.loyalty.wallet.models import Wallet
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.fixtures.factories import ApiClient
from tests.fixtures.programmes import START


class English(ApiClient):
    """An API client that reads the answers in English (the default language is Chinese)."""

    def _headers(self, headers):
        return {"Accept-Language": "en", **super()._headers(headers)}


@pytest.fixture
def trade(client, make_user, make_shop, make_product, buy, api):
    """A shop (owner + manager) selling a 10.00 tee and a 25.00 cap; a shopper's paid order of 3 tees and 1 cap."""
    owner, manager, shopper = make_user(name="Owner"), make_user(name="Manager"), make_user(name="Ann")
    shop = make_shop(owner=owner, slug="tees", shipping_fee=Decimal("6.00"))
    tenants.add_staff(shop, manager.email, StaffRole.MANAGER, None)
    db.session.commit()
    tee, cap = make_product(shop, price="10.00", stock=10), make_product(shop, price="25.00", stock=10)
    order = buy(shopper, (tee, 3), (cap, 1)).orders[0]
    lines = {line.product_id: line.id for line in order.lines}
    return {"shop": shop, "owner": owner, "manager": manager, "shopper": shopper, "order": order,
            "tee": lines[tee.id], "cap": lines[cap.id], "products": (tee, cap),
            "me": English(client, api(shopper).token), "staff": English(client, api(owner).token)}


def _ask(t, kind="refund", lines=None, reason="Changed my mind", client=None, order_id=None):
    body = {"kind": kind, "lines": [{"line_id": t["tee"], "qty": 1}] if lines is None else lines, "reason": reason}
    return (client or t["me"]).post(f"/api/v1/orders/{order_id or t['order'].id}/after-sales", body)


def _staff(t, after_sale_id, action, body=None, client=None):
    return (client or t["staff"]).post(f"/api/v1/shops/{t['shop'].slug}/after-sales/{after_sale_id}/{action}",
                                       body or {})


def _ship(t):
    assert t["staff"].post(f"/api/v1/shops/{t['shop'].slug}/orders/{t['order'].id}/ship").status_code == 200


def _inbox(user) -> list[str]:
    db.session.expire_all()
    return list(db.session.execute(db.select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)).scalars())


def test_a_refund_only_before_shipping_is_refunded_when_approved(trade):
    t = trade
    asked = _ask(t, lines=[{"line_id": t["tee"], "qty": 2}])
    assert asked.status_code == 201, asked.json
    after_sale = asked.json["after_sale"]
    assert (after_sale["status"], after_sale["kind"], after_sale["refund_amount"]) == ("requested", "refund", "20.00")
    shown = t["me"].get(f"/api/v1/orders/{t['order'].id}").json["order"]
    assert [(a["id"], a["status"]) for a in shown["after_sales"]] == [(after_sale["id"], "requested")]

    approved = _staff(t, after_sale["id"], "approve")
    assert approved.status_code == 200, approved.json
    assert approved.json["after_sale"]["status"] == "refunded"
    assert approved.json["after_sale"]["refund_amount"] == "20.00"
    db.session.expire_all()
    order = db.session.get(Order, t["order"].id)
    assert (order.status, order.refunded_amount) == ("partially_refunded", Decimal("20.00"))
    assert db.session.get(Product, t["products"][0].id).stock == 7 + 2
    refund = db.session.execute(db.select(Refund).where(Refund.order_id == order.id)).scalar_one()
    assert db.session.get(AfterSale, after_sale["id"]).refund_id == refund.id
    # A second approval refunds nothing more.
    again = _staff(t, after_sale["id"], "approve")
    assert again.status_code == 409 and again.json["error"]["code"] == "invalid_state"
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar() == 1
    assert t["me"].get(f"/api/v1/orders/{t['order'].id}").json["order"]["after_sales"][0]["status"] == "refunded"


def test_a_return_is_approved_sent_back_received_and_refunded(trade, make_user, api):
    t = trade
    _ship(t)
    assert t["me"].post(f"/api/v1/orders/{t['order'].id}/confirm-receipt").status_code == 200
    wrong = _ask(t, kind="refund")
    assert wrong.status_code == 422 and "kind" in wrong.json["error"]["fields"]
    asked = _ask(t, kind="return", lines=[{"line_id": t["tee"], "qty": 3}, {"line_id": t["cap"], "qty": 1}],
                 reason="Wrong size")
    assert asked.status_code == 201
    sale_id = asked.json["after_sale"]["id"]
    assert _staff(t, sale_id, "receive").status_code == 409  # nothing is on its way yet
    assert _staff(t, sale_id, "approve").json["after_sale"]["status"] == "approved"
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar() == 0

    path = f"/api/v1/after-sales/{sale_id}/return-shipped"
    assert api(make_user()).post(path, {"carrier": "SF Express", "tracking_no": "SF1234567"}).status_code == 404
    bad = t["me"].post(path, {"carrier": "SF Express", "tracking_no": "SF 12/34"})
    assert bad.status_code == 422 and "tracking_no" in bad.json["error"]["fields"]
    assert t["me"].post(path, {"carrier": "", "tracking_no": "SF1234567"}).status_code == 422
    sent = t["me"].post(path, {"carrier": "顺丰速运", "tracking_no": "SF1234567"})
    assert sent.status_code == 200 and sent.json["after_sale"]["status"] == "returning"
    assert sent.json["after_sale"]["tracking_no"] == "SF1234567"
    assert t["me"].post(path, {"carrier": "顺丰速运", "tracking_no": "SF1234567"}).status_code == 409

    received = _staff(t, sale_id, "receive")
    assert received.status_code == 200 and received.json["after_sale"]["status"] == "refunded"
    # Everything came back, so shipping does too: 30 + 25 + 6.
    assert received.json["after_sale"]["refund_amount"] == "61.00"
    db.session.expire_all()
    assert db.session.get(Order, t["order"].id).status == "refunded"
    assert _staff(t, sale_id, "receive").status_code == 409
    events = [e["event"] for e in timeline_events(db.session.get(Order, t["order"].id))]
    assert events == ["after_sale_requested", "after_sale_approved", "after_sale_returned", "after_sale_received",
                      "after_sale_refunded"]


def test_quantities_are_bounded_and_the_same_units_cannot_be_asked_for_twice(trade):
    t = trade
    over = _ask(t, lines=[{"line_id": t["tee"], "qty": 4}])
    assert over.status_code == 422 and "lines.0.qty" in over.json["error"]["fields"]
    assert _ask(t, lines=[{"line_id": t["tee"], "qty": 0}]).status_code == 422
    assert _ask(t, lines=[]).status_code == 422
    split = _ask(t, lines=[{"line_id": t["tee"], "qty": 2}, {"line_id": t["tee"], "qty": 2}])
    assert split.status_code == 422 and "lines.1.qty" in split.json["error"]["fields"]
    assert _ask(t, lines=[{"line_id": 999999, "qty": 1}]).status_code == 422
    assert _ask(t, kind="return").status_code == 422  # not shipped: a return makes no sense yet
    assert _ask(t, reason="").status_code == 422

    first = _ask(t, lines=[{"line_id": t["tee"], "qty": 3}])
    assert first.status_code == 201
    twice = _ask(t, lines=[{"line_id": t["tee"], "qty": 3}])
    assert twice.status_code == 422
    assert "already refunded or asked for" in str(twice.json["error"]["fields"])
    assert _ask(t, lines=[{"line_id": t["cap"], "qty": 1}]).status_code == 201  # other units are free
    assert db.session.get(AfterSaleHold, t["tee"]).held == 3

    declined = _staff(t, first.json["after_sale"]["id"], "reject", {"reason": "Already packed"})
    assert declined.status_code == 200
    db.session.expire_all()
    assert db.session.get(AfterSaleHold, t["tee"]).held == 0
    again = _ask(t, lines=[{"line_id": t["tee"], "qty": 3}])  # declined units can be asked for again
    assert again.status_code == 201
    assert db.session.execute(db.select(db.func.count(AfterSale.id))).scalar() == 3


def test_units_refunded_by_the_shop_are_no_longer_available(trade):
    t = trade
    refunded = t["staff"].post(f"/api/v1/shops/{t['shop'].slug}/orders/{t['order'].id}/refund",
                               {"lines": [{"line_id": t["tee"], "qty": 2}]})
    assert refunded.status_code == 200
    over = _ask(t, lines=[{"line_id": t["tee"], "qty": 2}])
    assert over.status_code == 422 and "at most 1" in str(over.json["error"]["fields"])
    assert _ask(t, lines=[{"line_id": t["tee"], "qty": 1}]).status_code == 201


def test_a_request_on_units_the_shop_refunded_meanwhile_cannot_be_approved(trade):
    t = trade
    sale_id = _ask(t, lines=[{"line_id": t["tee"], "qty": 3}]).json["after_sale"]["id"]
    t["staff"].post(f"/api/v1/shops/{t['shop'].slug}/orders/{t['order'].id}/refund",
                    {"lines": [{"line_id": t["tee"], "qty": 1}]})
    refused = _staff(t, sale_id, "approve")
    assert refused.status_code == 409 and "refunded meanwhile" in refused.json["error"]["message"]
    db.session.expire_all()
    assert db.session.get(AfterSale, sale_id).status == "requested"
    assert _staff(t, sale_id, "reject", {"reason": "Refunded already"}).status_code == 200


def test_reject_needs_a_reason_and_only_a_waiting_request(trade):
    t = trade
    sale_id = _ask(t).json["after_sale"]["id"]
    assert _staff(t, sale_id, "reject").status_code == 422
    blank = _staff(t, sale_id, "reject", {"reason": "   "})
    assert blank.status_code == 422 and "reason" in blank.json["error"]["fields"]
    assert _staff(t, sale_id, "reject", {"reason": "x" * 501}).status_code == 422
    done = _staff(t, sale_id, "reject", {"reason": "Already shipped this morning"})
    assert done.status_code == 200 and done.json["after_sale"]["reject_reason"] == "Already shipped this morning"
    assert _staff(t, sale_id, "reject", {"reason": "again"}).status_code == 409
    assert _staff(t, sale_id, "approve").status_code == 409
    assert t["me"].post(f"/api/v1/after-sales/{sale_id}/return-shipped",
                        {"carrier": "EMS", "tracking_no": "EMS12345"}).status_code == 409


def test_receive_is_only_for_a_return_on_its_way(trade):
    t = trade
    sale_id = _ask(t).json["after_sale"]["id"]
    assert _staff(t, sale_id, "receive").status_code == 409  # a refund only
    assert t["me"].post(f"/api/v1/after-sales/{sale_id}/return-shipped",
                        {"carrier": "EMS", "tracking_no": "EMS12345"}).status_code == 409


def test_no_request_once_the_order_settled_but_the_shop_still_refunds(trade):
    """After settlement the rule of the order page applies: the shopper cannot ask, staff can still refund."""
    t = trade
    with clock.frozen_at(clock.now() - timedelta(days=40)):
        _ship(t)
    run_tick(clock.now())
    db.session.expire_all()
    assert db.session.get(Order, t["order"].id).status == "settled"
    closed = _ask(t, kind="return")
    assert closed.status_code == 409 and closed.json["error"]["code"] == "invalid_state"
    refund = t["staff"].post(f"/api/v1/shops/{t['shop'].slug}/orders/{t['order'].id}/refund",
                             {"lines": [{"line_id": t["tee"], "qty": 1}]})
    assert refund.status_code == 200 and refund.json["order"]["status"] == "settled"


def test_a_request_made_in_time_is_still_decided_after_settlement(trade):
    t = trade
    with clock.frozen_at(clock.now() - timedelta(days=40)):
        _ship(t)
        sale_id = _ask(t, kind="return", lines=[{"line_id": t["cap"], "qty": 1}]).json["after_sale"]["id"]
    run_tick(clock.now())
    assert _staff(t, sale_id, "approve").json["after_sale"]["status"] == "approved"
    t["me"].post(f"/api/v1/after-sales/{sale_id}/return-shipped", {"carrier": "JD", "tracking_no": "JD0001"})
    received = _staff(t, sale_id, "receive")
    assert received.status_code == 200 and received.json["after_sale"]["refund_amount"] == "25.00"


def test_a_cancelled_or_wholly_refunded_order_closes_its_open_requests(trade):
    """The money of their units is back, so they read as refunded (by that refund) and hold nothing."""
    t = trade
    sale_id = _ask(t, lines=[{"line_id": t["tee"], "qty": 2}]).json["after_sale"]["id"]
    assert t["me"].post(f"/api/v1/orders/{t['order'].id}/cancel").status_code == 200
    db.session.expire_all()
    after_sale = db.session.get(AfterSale, sale_id)
    cancelled = db.session.execute(db.select(Refund).where(Refund.order_id == t["order"].id)).scalar_one()
    assert (after_sale.status, after_sale.refund_id) == ("refunded", cancelled.id)
    assert db.session.get(AfterSaleHold, t["tee"]).held == 0
    assert _staff(t, sale_id, "approve").status_code == 409


def test_a_full_refund_from_the_order_page_closes_an_open_return(trade):
    t = trade
    _ship(t)
    sale_id = _ask(t, kind="return", lines=[{"line_id": t["cap"], "qty": 1}]).json["after_sale"]["id"]
    assert _staff(t, sale_id, "approve").status_code == 200
    partly = t["staff"].post(f"/api/v1/shops/{t['shop'].slug}/orders/{t['order'].id}/refund",
                             {"lines": [{"line_id": t["tee"], "qty": 1}]})
    assert partly.status_code == 200
    db.session.expire_all()
    assert db.session.get(AfterSale, sale_id).status == "approved"  # its cap is not refunded yet
    full = t["staff"].post(f"/api/v1/shops/{t['shop'].slug}/orders/{t['order'].id}/refund", {"full": True})
    assert full.status_code == 200
    db.session.expire_all()
    assert db.session.get(AfterSale, sale_id).status == "refunded"
    assert db.session.get(AfterSaleHold, t["cap"]).held == 0


def test_unpaid_and_cancelled_orders_take_no_request(trade, make_user, api):
    t = trade
    assert t["me"].post(f"/api/v1/orders/{t['order'].id}/cancel").status_code == 200
    assert _ask(t).status_code == 409
    shopper = api(make_user())
    declined = shopper.post("/api/v1/checkout", {"lines": [{"product_id": t["products"][0].id, "qty": 1}],
                                                 "payment_token": "decline-card"})
    assert declined.status_code == 422
    unpaid = db.session.execute(db.select(Order).where(Order.status == "pending_payment")).scalar_one()
    asked = _ask(t, lines=[{"line_id": unpaid.lines[0].id, "qty": 1}], client=shopper, order_id=unpaid.id)
    assert asked.status_code == 409


def test_another_shoppers_order_or_request_is_404(trade, make_user, api):
    t = trade
    stranger = api(make_user())
    assert _ask(t, client=stranger).status_code == 404
    sale_id = _ask(t).json["after_sale"]["id"]
    assert stranger.get(f"/api/v1/after-sales/{sale_id}").status_code == 404
    assert stranger.get("/api/v1/after-sales").json["items"] == []
    assert t["me"].get(f"/api/v1/after-sales/{sale_id}").json["after_sale"]["id"] == sale_id
    assert [a["id"] for a in t["me"].get("/api/v1/after-sales?status=requested").json["items"]] == [sale_id]
    assert t["me"].get("/api/v1/after-sales?status=refunded").json["items"] == []
    assert t["me"].post("/api/v1/orders/2147483647/after-sales", {}).status_code == 404


def test_another_shop_cannot_see_or_decide_a_request(trade, make_user, make_shop, api, add_staff):
    t = trade
    sale_id = _ask(t).json["after_sale"]["id"]
    other_owner = make_user()
    other = make_shop(owner=other_owner, slug="other")
    theirs = api(other_owner)
    for action in ("approve", "receive"):
        assert theirs.post(f"/api/v1/shops/{other.slug}/after-sales/{sale_id}/{action}").status_code == 404
    assert theirs.post(f"/api/v1/shops/{other.slug}/after-sales/{sale_id}/reject", {"reason": "no"}).status_code == 404
    assert theirs.get(f"/api/v1/shops/{other.slug}/after-sales/{sale_id}").status_code == 404
    assert theirs.get(f"/api/v1/shops/{other.slug}/after-sales").json["items"] == []
    assert theirs.post(f"/api/v1/shops/{t['shop'].slug}/after-sales/{sale_id}/approve").status_code == 403
    assert t["me"].post(f"/api/v1/shops/{t['shop'].slug}/after-sales/{sale_id}/approve").status_code == 403
    support = make_user()
    add_staff(t["shop"], support, StaffRole.SUPPORT)
    assert api(support).get(f"/api/v1/shops/{t['shop'].slug}/after-sales/{sale_id}").status_code == 200
    assert api(support).post(f"/api/v1/shops/{t['shop'].slug}/after-sales/{sale_id}/approve").status_code == 403
    listed = t["staff"].get(f"/api/v1/shops/{t['shop'].slug}/after-sales?status=requested").json["items"]
    assert [a["id"] for a in listed] == [sale_id]
    db.session.expire_all()
    assert db.session.get(AfterSale, sale_id).status == "requested"


def test_every_step_reaches_the_other_side_in_the_inbox(trade, api):
    t = trade
    _ship(t)
    sale_id = _ask(t, kind="return", lines=[{"line_id": t["cap"], "qty": 1}]).json["after_sale"]["id"]
    staff_kinds = ["aftersales.return_requested"]
    assert _inbox(t["owner"]) == staff_kinds and _inbox(t["manager"]) == staff_kinds
    assert _inbox(t["shopper"]) == []
    _staff(t, sale_id, "approve", client=api(t["manager"]))
    assert _inbox(t["shopper"]) == ["aftersales.return_approved"]
    t["me"].post(f"/api/v1/after-sales/{sale_id}/return-shipped", {"carrier": "sf", "tracking_no": "SF000111"})
    assert _inbox(t["owner"]) == ["aftersales.return_requested", "aftersales.return_shipped"]
    _staff(t, sale_id, "receive")
    assert _inbox(t["shopper"]) == ["aftersales.return_approved", "aftersales.refunded"]
    refused = _ask(t, kind="return", lines=[{"line_id": t["tee"], "qty": 1}]).json["after_sale"]["id"]
    _staff(t, refused, "reject", {"reason": "Worn and washed"})

    inbox = t["me"].get("/api/v1/me/inbox").json["items"]
    assert [m["kind"] for m in inbox] == ["aftersales.rejected", "aftersales.refunded", "aftersales.return_approved"]
    assert inbox[0]["text"] == (f"Shop declined your after-sales request #{refused} for order #{t['order'].id}: "
                                "Worn and washed")
    assert inbox[1]["text"] == f"Shop refunded ¥25.00 for after-sales request #{sale_id} (order #{t['order'].id})."
    assert inbox[1]["read"] is False and inbox[1]["created_at"]
    chinese = t["me"].get("/api/v1/me/inbox", headers={"Accept-Language": "zh"}).json["items"]
    assert chinese[1]["text"] == f"Shop 已为售后单 #{sale_id} 退款 ¥25.00（订单 #{t['order'].id}）。"
    staff_inbox = t["staff"].get("/api/v1/me/inbox").json["items"]
    assert staff_inbox[1]["text"] == f"After-sales #{sale_id}: the buyer sent the goods back, tracking number SF000111."
    assert staff_inbox[1]["link"] == f"/admin/tees/after-sales/{sale_id}"
    assert t["me"].get("/api/v1/me/inbox?page=2").json["items"] == []
    assert api().get("/api/v1/me/inbox").status_code == 401


def test_the_after_sales_tab_clause_finds_orders_with_a_request(trade, buy):
    t = trade
    other = buy(t["shopper"], (t["products"][1], 1)).orders[0]
    _ask(t)
    found = db.session.execute(db.select(Order.id).where(has_after_sales_clause())).scalars().all()
    assert found == [t["order"].id] and other.id not in found


def test_the_openapi_document_lists_every_after_sales_endpoint(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    create = paths["/api/v1/orders/{order_id}/after-sales"]["post"]
    assert "201" in create["responses"] and "requestBody" in create
    for action in ("approve", "reject", "receive"):
        assert f"/api/v1/shops/{{shop}}/after-sales/{{after_sale_id}}/{action}" in paths
    assert "requestBody" in paths["/api/v1/after-sales/{after_sale_id}/return-shipped"]["post"]
    assert "requestBody" in paths["/api/v1/shops/{shop}/after-sales/{after_sale_id}/reject"]["post"]
    assert "/api/v1/me/inbox" in paths and "/api/v1/after-sales" in paths


def test_an_approved_refund_gives_back_points_wallet_money_and_the_coupon(make_shop, make_user, make_product,
                                                                         make_programme, checkout_at, settle, api):
    """As a refund from the order page does: the 2000 points spent go back to their lots, the pending points of
    the refunded order are cancelled, the wallet gets its 100.00 back and the unexpired coupon is usable again."""
    owner, member = make_user(), make_user()
    shop = make_shop(owner=owner, slug="vancl", return_window_days=30)
    programme = make_programme(shop, VANCL)
    coat, jeans = make_product(shop, price="1000.00", stock=50), make_product(shop, price="500.00", stock=50)
    with clock.frozen_at(START):
        join_programme(programme, member)
        db.session.commit()
    (first,) = checkout_at(member, START, (coat, 1))
    settle(first, START + timedelta(days=1))
    template = coupon_ops.create_template(programme, {"name": "10 off 50", "kind": "amount_off", "value": "10.00",
                                                      "min_spend": "50.00", "valid_days": 3650, "claimable": True})
    coupon = coupon_ops.claim(programme, template.id, member)
    move(wallet_for(member), "cash", Decimal("100.00"), "top_up", "aftersales-test-top-up")
    db.session.commit()
    (order,) = checkout_at(member, clock.now(), (jeans, 1), points={"vancl": 2000}, coupons=[coupon.id],
                           wallet="100.00")
    assert (order.points_used, order.coupon_discount, order.wallet_paid) == (2000, Decimal("10.00"),
                                                                               Decimal("100.00"))

    asked = api(member).post(f"/api/v1/orders/{order.id}/after-sales", {
        "kind": "refund", "lines": [{"line_id": order.lines[0].id, "qty": 1}], "reason": "Ordered by mistake",
        "reason_code": "no_longer_needed"})
    assert asked.status_code == 201, asked.json
    approved = api(owner).post(f"/api/v1/shops/vancl/after-sales/{asked.json['after_sale']['id']}/approve")
    assert approved.status_code == 200 and approved.json["after_sale"]["status"] == "refunded"
    db.session.expire_all()
    m = db.session.execute(db.select(Membership).filter_by(user_id=member.id)).scalar_one()
    assert (m.points_available, m.points_pending) == (2000, 0)
    wallet = db.session.execute(db.select(Wallet).filter_by(user_id=member.id)).scalar_one()
    assert wallet.cash == Decimal("100.00")
    assert db.session.get(Coupon, coupon.id).used_order_id is None
    assert db.session.get(Order, order.id).status == "refunded"
    assert violations() == []


def test_a_request_shows_on_the_order_timeline_and_in_the_after_sales_tab(trade, app):
    from tests.races_support import signed_in

    t = trade
    sale_id = _ask(t).json["after_sale"]["id"]
    assert [o["id"] for o in t["me"].get("/api/v1/orders?tab=after_sales").json["items"]] == [t["order"].id]
    _staff(t, sale_id, "reject", {"reason": "Worn"})
    events = [e["event"] for e in t["me"].get(f"/api/v1/orders/{t['order'].id}").json["order"]["timeline"]]
    assert events[-2:] == ["after_sale_requested", "after_sale_rejected"]
    page = signed_in(app, t["shopper"]).get(f"/orders/{t['order'].id}").get_data(as_text=True)
    assert "After-sales requested" in page and "After-sales declined" in page
