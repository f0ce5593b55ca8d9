"""The demo's webhooks: the fourtier shop's CRM endpoint with a log of past deliveries, and one platform endpoint.

The deliveries are recorded as they went (responses included) rather than sent: the demo's example
hosts do not exist, and the endpoints are added after the demo's own trade so none of it is queued to them.
"""

from __future__ import annotations

import json
from datetime import timedelta

from mall import clock
from mall.extensions import db
from mall.tenants.models import Tenant
from mall.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from mall.webhooks.operations import body_of

SHOP_URL = "https://crm.fourtier.example/mall-webhooks"
PLATFORM_URL = "https://bi.mall-demo.example/hooks/mall"
#: (event, data, minutes ago, attempts, final status, HTTP status, response body)
PAST = [
    ("order.settled", {"order_id": 1001, "user_id": 2, "total": "268.00", "refunded": "0.00"}, 4000, 1,
     DeliveryStatus.SUCCEEDED, 200, '{"ok":true}'),
    ("points.credited", {"membership_id": 1, "user_id": 2, "points": 268, "kind": "purchase", "balance": 1268},
     3990, 1, DeliveryStatus.SUCCEEDED, 200, '{"ok":true}'),
    ("tier.changed", {"membership_id": 1, "user_id": 2, "from": "silver", "to": "gold", "reason": "up"}, 3980, 3,
     DeliveryStatus.SUCCEEDED, 200, '{"ok":true}'),
    ("coupon.used", {"coupon_id": 7, "template_id": 2, "user_id": 3, "order_id": 1002}, 1500, 6,
     DeliveryStatus.FAILED, 503, "Service Unavailable: CRM maintenance window"),
    ("points.credited", {"membership_id": 2, "user_id": 3, "points": 120, "kind": "check_in", "balance": 340}, 30,
     1, DeliveryStatus.SUCCEEDED, 204, ""),
]


def add_webhooks() -> None:
    """Add the two endpoints and the shop's delivery log (once: the caller runs it with the rest of the demo)."""
    now = clock.now()
    tenant = db.session.execute(db.select(Tenant).filter_by(slug="fourtier")).scalar_one_or_none()
    if tenant is None:
        return
    shop = WebhookEndpoint(tenant_id=tenant.id, url=SHOP_URL, secret="whsec_demo_fourtier_0123456789abcdef",
                           events=["order.settled", "points.credited", "tier.changed", "coupon.used"],
                           is_active=True, failures=0, created_at=now - timedelta(days=7))
    platform = WebhookEndpoint(tenant_id=None, url=PLATFORM_URL, secret="whsec_demo_platform_0123456789abcdef",
                               events=["member.joined", "push.completed"], is_active=True, failures=0,
                               created_at=now - timedelta(days=7))
    db.session.add_all([shop, platform])
    db.session.flush()
    for n, (event, data, ago, attempts, status, code, text) in enumerate(PAST):
        at = now - timedelta(minutes=ago)
        uid = f"whd_demo{n:04d}{shop.id:08d}"
        db.session.add(WebhookDelivery(
            uid=uid, endpoint_id=shop.id, tenant_id=tenant.id, event=event, body=body_of(uid, event, at, data),
            idempotency_key=f"{shop.id}:demo:{n}", status=status, attempts=attempts, created_at=at,
            last_attempt_at=at + timedelta(minutes=attempts * 3), response_status=code, response_body=text,
            delivered_at=at + timedelta(minutes=attempts * 3) if status == DeliveryStatus.SUCCEEDED else None))
    uid = f"whd_demo_platform{platform.id:08d}"
    at = now - timedelta(hours=5)
    db.session.add(WebhookDelivery(
        uid=uid, endpoint_id=platform.id, tenant_id=None, event="member.joined",
        body=body_of(uid, "member.joined", at, {"membership_id": 3, "user_id": 4, "tier": "normal"}),
        idempotency_key=f"{platform.id}:demo:0", status=DeliveryStatus.SUCCEEDED, attempts=1, created_at=at,
        last_attempt_at=at, delivered_at=at, response_status=200, response_body=json.dumps({"received": True})))
