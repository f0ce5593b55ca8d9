"""Webhook pages: add an endpoint (bad input re-shown), its secret once, the delivery log, test, retry and delete."""

from __future__ import annotations

import re

import pytest

from mall.extensions import db
from mall.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.fixtures.factories import PASSWORD
from tests.test_webhooks import _owner
from tests.webhook_support import Receiver


@pytest.fixture(autouse=True)
def _allow_local(monkeypatch):
    monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "1")


def _sign_in(client, user):
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_a_manager_adds_tests_retries_and_deletes_an_endpoint(client, make_shop, monkeypatch):
    """The form refuses a private URL and no events; then the endpoint works: test event, log, retry, delete."""
    shop = make_shop()
    hook = Receiver(fail_first=1)
    try:
        _sign_in(client, _owner(shop))
        base = f"/admin/{shop.slug}/webhooks"
        assert "No webhook endpoints yet." in client.get(base).get_data(as_text=True)
        monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "0")
        refused = client.post(f"{base}/new", data={"url": hook.url, "events": []})
        text = refused.get_data(as_text=True)
        assert refused.status_code == 422 and "private, loopback or link-local" in text
        assert "Choose at least one event." in text
        monkeypatch.setenv("MALL_WEBHOOK_ALLOW_PRIVATE", "1")
        made = client.post(f"{base}/new", data={"url": hook.url, "events": ["order.settled", "tier.changed"],
                                                "is_active": "y"})
        endpoint = db.session.execute(db.select(WebhookEndpoint)).scalar_one()
        assert made.status_code == 302 and made.headers["Location"].endswith(f"{base}/{endpoint.id}?revealed=1")
        assert endpoint.secret.startswith("whsec_") and len(endpoint.secret) == 6 + 48
        shown = client.get(f"{base}/{endpoint.id}?revealed=1").get_data(as_text=True)
        assert "<details open>" in shown and endpoint.secret in shown
        assert "Nothing sent yet." in shown and 'data-confirm="Delete this endpoint and its delivery log?"' in shown
        client.post(f"{base}/{endpoint.id}/test")  # the receiver answers 500 the first time
        delivery = db.session.execute(db.select(WebhookDelivery)).scalar_one()
        log = client.get(f"{base}/{endpoint.id}").get_data(as_text=True)
        assert "HTTP 500" in log and "boom" in log and "Waiting to send" in log
        retry_url = f"{base}/{endpoint.id}/deliveries/{delivery.id}/retry"
        assert f'action="{retry_url}"' in log
        client.post(retry_url)
        log = client.get(f"{base}/{endpoint.id}").get_data(as_text=True)
        assert "HTTP 200" in log and "Delivered" in log and "2 attempts" in log and retry_url not in log
        again = client.post(retry_url, follow_redirects=True).get_data(as_text=True)
        assert "already arrived; it is not sent twice" in again and len(hook.requests) == 2
        assert [b["event"] for b in hook.bodies()] == ["webhook.test", "webhook.test"]
        edit = client.post(f"{base}/{endpoint.id}/edit", data={"url": hook.url, "events": ["points.expired"]})
        assert edit.status_code == 302
        db.session.expire_all()
        assert (endpoint.events, endpoint.is_active) == (["points.expired"], False)
        listed = client.get(base).get_data(as_text=True)
        assert re.search(r'Points expired</span></td>\s*<td class="wh-state">'
                         r'<span class="badge badge-suspended">Disabled', listed)
        client.post(f"{base}/{endpoint.id}/delete")
        assert db.session.execute(db.select(db.func.count(WebhookDelivery.id))).scalar() == 0
        assert "No webhook endpoints yet." in client.get(base).get_data(as_text=True)
    finally:
        hook.close()


def test_pages_refuse_foreign_ids_and_lesser_roles(client, make_shop, make_user, add_staff):
    """Another shop's endpoint is a 404 on every page; support staff and shoppers get 403; the platform's: operators."""
    shop, other = make_shop(), make_shop()
    theirs = WebhookEndpoint(tenant_id=other.id, url="https://x.example/h", events=["order.settled"], secret="s" * 20,
                             is_active=True, failures=0)
    platform = WebhookEndpoint(tenant_id=None, url="https://p.example/h", events=["member.joined"], secret="s" * 20,
                               is_active=True, failures=0)
    db.session.add_all([theirs, platform])
    db.session.commit()
    _sign_in(client, _owner(shop))
    base = f"/admin/{shop.slug}/webhooks"
    for url in (f"{base}/{theirs.id}", f"{base}/{theirs.id}/edit", f"{base}/{platform.id}"):
        assert client.get(url).status_code == 404, url
    for url in (f"{base}/{theirs.id}/delete", f"{base}/{theirs.id}/test"):
        assert client.post(url).status_code == 404, url
    assert client.get(f"/platform/webhooks/{platform.id}").status_code == 403
    support = make_user()
    add_staff(shop, support, "support")
    for user in (support, make_user()):
        client.post("/logout")
        _sign_in(client, user)
        assert client.get(base).status_code == 403
    assert db.session.execute(db.select(db.func.count(WebhookEndpoint.id))).scalar() == 2
