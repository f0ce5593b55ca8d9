"""Webhooks: signed deliveries from the outbox, back-off and retries, never a repeat after success, SSRF, disabling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from mall.notifications.models import Notification
from mall.webhooks.models import WebhookDelivery, WebhookEndpoint
from mall.webhooks.operations import emit, retry
from tests.webhook_support import Receiver, verify

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
SECRET = "s3cret-s3cret-s3cret"


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch):
    monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "1")


@pytest.fixture
def receiver():
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def _owner(shop):
    from mall.accounts.models import User
    from mall.tenants.models import Staff

    return db.session.execute(db.select(User).join(Staff, Staff.user_id == User.id)
                              .where(Staff.tenant_id == shop.id, Staff.role == "owner")).scalar_one()


def _emit_at(at, tenant_id, event="points.credited", key="k1", data=None):
    with clock.frozen_at(at):
        ids = emit(tenant_id, event, data or {"points": 10}, key=key)
        db.session.commit()
    return ids


def test_signed_delivery_fails_then_arrives_after_back_off_and_never_again(api, make_shop, receiver):
    """500 twice: retried after 60 s and then 300 s (not before), the same id and body each time, then never again."""
    shop = make_shop()
    hook = receiver(fail_first=2)
    created = api(_owner(shop)).post(f"/api/v1/shops/{shop.slug}/webhooks",
                                     json={"url": hook.url, "events": ["points.credited"], "secret": SECRET})
    assert created.status_code == 201 and created.get_json()["webhook"]["secret"] == SECRET
    (delivery_id,) = _emit_at(T0, shop.id, data={"points": 10})
    assert _emit_at(T0, shop.id, data={"points": 10}) == []  # the same cause again: no second delivery
    assert len(hook.requests) == 1  # sent on commit, answered 500
    run_tick(T0 + timedelta(seconds=59))  # back-off 60 s not over
    assert len(hook.requests) == 1
    run_tick(T0 + timedelta(seconds=61))  # attempt 2: 500 again, next in 300 s
    assert len(hook.requests) == 2
    run_tick(T0 + timedelta(seconds=61 + 299))
    assert len(hook.requests) == 2
    run_tick(T0 + timedelta(seconds=61 + 301))  # attempt 3 succeeds
    for later in (1, 2, 3):
        run_tick(T0 + timedelta(days=later))
    assert len(hook.requests) == 3
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 3, 200)
    assert {r["headers"]["X-Mall-Delivery"] for r in hook.requests} == {delivery.uid}
    assert {r["raw"] for r in hook.requests} == {delivery.body.encode()}
    for request in hook.requests:
        assert verify(SECRET, request) and not verify("another-secret-entirely", request)
        assert request["headers"]["X-Mall-Event"] == "points.credited"
    first_t = hook.requests[0]["headers"]["X-Mall-Signature"].split(",")[0]
    assert first_t == f"t={int(T0.timestamp())}"
    body = hook.bodies()[0]
    assert body == {"id": delivery.uid, "event": "points.credited", "created_at": "2027-03-01T09:00:00Z",
                    "data": {"points": 10}}
    assert retry(delivery) is False  # a delivered one is never sent again, even by hand
    db.session.commit()
    assert len(hook.requests) == 3


def test_gives_up_after_the_attempt_limit(make_shop, receiver, api):
    """Six attempts (back-offs 1, 5, 30, 120, 360 minutes), then `failed`; a manual retry sends it once more."""
    shop = make_shop()
    hook = receiver(fail_all=True)
    api(_owner(shop)).post(f"/api/v1/shops/{shop.slug}/webhooks",
                           json={"url": hook.url, "events": ["points.credited"]})
    (delivery_id,) = _emit_at(T0, shop.id)
    at = T0
    for wait in (60, 300, 1800, 7200, 21600):
        at += timedelta(seconds=wait + 1)
        run_tick(at)
    run_tick(at + timedelta(days=2))
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert (len(hook.requests), delivery.status, delivery.attempts, delivery.next_attempt_at) == (6, "failed", 6, None)
    assert delivery.response_status == 500 and delivery.response_body == "boom"
    hook.fail_all = False
    assert retry(delivery) is True
    db.session.commit()
    db.session.expire_all()
    assert len(hook.requests) == 7 and db.session.get(WebhookDelivery, delivery_id).status == "succeeded"


def test_private_addresses_are_refused_when_saving_and_when_sending(api, make_shop, receiver, monkeypatch):
    """Loopback, private and link-local URLs are a 422 unless allowed; one saved while allowed is not sent later."""
    shop = make_shop()
    hook = receiver()
    owner_api = api(_owner(shop))
    monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "0")
    for url in (hook.url, "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x",
                "http://192.168.0.10:8080/", "http://[::ffff:127.0.0.1]/"):
        reply = owner_api.post(f"/api/v1/shops/{shop.slug}/webhooks?lang=en",
                               json={"url": url, "events": ["tier.changed"]})
        assert reply.status_code == 422, url
        assert "private" in reply.get_json()["error"]["fields"]["url"][0]
    for url in ("ftp://example.com/", "example.com/hooks", "http://user:pw@example.com/"):
        reply = owner_api.post(f"/api/v1/shops/{shop.slug}/webhooks", json={"url": url, "events": ["tier.changed"]})
        assert reply.status_code == 422 and "url" in reply.get_json()["error"]["fields"]
    assert db.session.execute(db.select(db.func.count(WebhookEndpoint.id))).scalar() == 0
    monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "1")
    owner_api.post(f"/api/v1/shops/{shop.slug}/webhooks", json={"url": hook.url, "events": ["tier.changed"]})
    monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "0")
    (delivery_id,) = _emit_at(T0, shop.id, event="tier.changed")
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert hook.requests == [] and delivery.status == "pending" and "private" in delivery.error


def test_bad_events_and_secrets_are_422(api, make_shop):
    """Unknown or no events, and a short secret, are field errors; nothing is saved."""
    shop = make_shop()
    owner_api = api(_owner(shop))
    for body, field in (({"url": "https://a.example/h", "events": ["points.stolen"]}, "events"),
                        ({"url": "https://a.example/h", "events": []}, "events"),
                        ({"url": "https://a.example/h", "events": ["tier.changed"], "secret": "short"}, "secret"),
                        ({"events": ["tier.changed"]}, "url")):
        reply = owner_api.post(f"/api/v1/shops/{shop.slug}/webhooks", json=body)
        assert reply.status_code == 422 and field in reply.get_json()["error"]["fields"], body
    assert db.session.execute(db.select(db.func.count(WebhookEndpoint.id))).scalar() == 0


def test_repeated_failures_switch_the_endpoint_off_and_tell_the_owner(app, make_shop, receiver, api):
    """With a limit of 3, the third failed attempt in a row disables it, once, with one inbox message to the owner."""
    shop = make_shop()
    owner = _owner(shop)
    hook = receiver(fail_all=True)
    api(owner).post(f"/api/v1/shops/{shop.slug}/webhooks", json={"url": hook.url, "events": ["points.credited"]})
    app.config["WEBHOOK_DISABLE_AFTER"] = 3
    try:
        for n in range(3):
            _emit_at(T0, shop.id, key=f"k{n}")
    finally:
        del app.config["WEBHOOK_DISABLE_AFTER"]
    endpoint = db.session.execute(db.select(WebhookEndpoint)).scalar_one()
    db.session.refresh(endpoint)
    assert (endpoint.is_active, endpoint.failures, endpoint.disabled_at) == (False, 3, T0)
    notices = db.session.execute(db.select(Notification).where(Notification.kind == "webhooks.disabled")).scalars()
    assert [(n.user_id, n.params["failures"]) for n in notices] == [(owner.id, 3)]
    assert _emit_at(T0, shop.id, key="k9") == []  # an endpoint switched off receives nothing new
    run_tick(T0 + timedelta(days=1))
    assert len(hook.requests) == 3


def test_shops_see_only_their_own_endpoints(api, make_shop, make_user, add_staff, receiver):
    """Another shop's endpoint id is a 404 (API and pages); a shopper and support staff get 403."""
    shop, other = make_shop(), make_shop()
    hook = receiver()
    theirs = api(_owner(other)).post(f"/api/v1/shops/{other.slug}/webhooks",
                                     json={"url": hook.url, "events": ["order.settled"]}).get_json()["webhook"]
    mine = api(_owner(shop))
    assert mine.get(f"/api/v1/shops/{shop.slug}/webhooks").get_json() == {"items": []}
    assert mine.get(f"/api/v1/shops/{shop.slug}/webhooks/{theirs['id']}/deliveries").status_code == 404
    assert mine.get(f"/api/v1/platform/webhooks/{theirs['id']}/deliveries").status_code == 403
    shopper, support = make_user(), make_user()
    add_staff(shop, support, "support")
    for user in (shopper, support):
        assert api(user).get(f"/api/v1/shops/{shop.slug}/webhooks").status_code == 403
        assert api(user).post(f"/api/v1/shops/{shop.slug}/webhooks",
                              json={"url": hook.url, "events": ["order.settled"]}).status_code == 403
    assert api(shopper).get("/api/v1/platform/webhooks").status_code == 403
    events = _emit_at(T0, shop.id, event="order.settled")
    assert events == [] and len(hook.requests) == 0  # the other shop's endpoint hears nothing of this shop


def test_platform_endpoints_hear_platform_events_only(api, make_user, make_shop, receiver):
    """An operator's endpoint gets events emitted for the platform (None), not a shop's."""
    operator = make_user(operator=True)
    shop = make_shop()
    hook = receiver()
    made = api(operator).post("/api/v1/platform/webhooks", json={"url": hook.url, "events": ["member.joined"]})
    assert made.status_code == 201
    _emit_at(T0, shop.id, event="member.joined", key="shop")
    _emit_at(T0, None, event="member.joined", key="platform")
    assert [b["event"] for b in hook.bodies()] == ["member.joined"]
    listed = api(operator).get(f"/api/v1/platform/webhooks/{made.get_json()['webhook']['id']}/deliveries").get_json()
    assert [(d["event"], d["status"], d["response_status"]) for d in listed["items"]] == [
        ("member.joined", "succeeded", 200)]
    assert "secret" not in api(operator).get("/api/v1/platform/webhooks").get_json()["items"][0]
