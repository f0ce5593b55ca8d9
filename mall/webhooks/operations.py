"""Webhook endpoints and the outbox: `emit` writes one delivery per subscribed endpoint with its cause."""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import socket
import uuid
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from mall import clock, jobs
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.insert_once import insert_once_values
from mall.webhooks.models import EVENTS, TEST_EVENT, DeliveryStatus, WebhookDelivery, WebhookEndpoint

MAX_URL = 500
MAX_ENDPOINTS = 20
_CACHE = "mall_webhook_endpoints"


def owned_by(model, tenant_id: int | None):
    """The clause for rows of a shop, or of the platform when `tenant_id` is None."""
    return model.tenant_id.is_(None) if tenant_id is None else model.tenant_id == tenant_id


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_subscribers(session, *args) -> None:
    # Endpoints read for one transaction: the next one sees any endpoint added, changed or disabled meanwhile.
    session.info.pop(_CACHE, None)


def allow_private() -> bool:
    """Whether URLs on private, loopback or link-local addresses are allowed (development and tests only)."""
    if os.environ.get("MALL_WEBHOOK_ALLOW_PRIVATE") == "1":
        return True
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified)


def unsafe_reason(url: str) -> str | None:
    """Why a URL may not receive webhooks (bad form, or it resolves to a private address), or None."""
    if len(url) > MAX_URL:
        return _("At most %(n)d characters.", n=MAX_URL)
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return _("Enter a full http:// or https:// address.")
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return _("Enter a full http:// or https:// address.")
    if allow_private():
        return None
    try:
        found = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):  # no such name, or one no resolver accepts (a NUL, a long label)
        return _("This host name does not resolve.")
    if any(_refused_address(info[4][0]) for info in found):
        return _("This address is private, loopback or link-local; webhooks go to public addresses only.")
    return None


def _clean(raw: dict) -> dict:
    """The endpoint's fields checked (422 with each field's message)."""
    errors: dict[str, list[str]] = {}
    url = (raw.get("url") or "").strip()
    reason = unsafe_reason(url) if url else _("Enter the address that receives the events.")
    if reason:
        errors["url"] = [reason]
    events = list(dict.fromkeys(raw.get("events") or []))
    if not events:
        errors["events"] = [_("Choose at least one event.")]
    elif any(e not in EVENTS for e in events):
        errors["events"] = [_("Unknown event: %(names)s.", names=", ".join(str(e)[:40] for e in events
                                                                         if e not in EVENTS))]
    secret = (raw.get("secret") or "").strip()
    if secret and not 16 <= len(secret) <= 100:
        errors["secret"] = [_("Between 16 and 100 characters, or leave it empty to have one made.")]
    if errors:
        raise FieldErrors(_("Some values are invalid."), errors)
    return {"url": url, "events": events, "secret": secret}


def create_endpoint(tenant_id: int | None, raw: dict, actor) -> WebhookEndpoint:
    """Add an endpoint for a shop (or the platform); a secret is made when none is given."""
    data = _clean(raw)
    count = db.session.execute(db.select(db.func.count(WebhookEndpoint.id))
                               .where(owned_by(WebhookEndpoint, tenant_id))).scalar()
    if count >= MAX_ENDPOINTS:
        raise Conflict(_("At most %(n)d webhook endpoints.", n=MAX_ENDPOINTS), code="too_many")
    endpoint = WebhookEndpoint(tenant_id=tenant_id, url=data["url"], events=data["events"],
                               secret=data["secret"] or "whsec_" + secrets.token_hex(24),
                               is_active=bool(raw.get("is_active", True)),
                               failures=0, created_by=getattr(actor, "id", None), created_at=clock.now())
    db.session.add(endpoint)
    db.session.flush()
    db.session().info.pop(_CACHE, None)
    return endpoint


def change_endpoint(endpoint: WebhookEndpoint, raw: dict) -> WebhookEndpoint:
    """Change the URL, events, secret (kept when left empty) and active flag; switching on resets the failures."""
    data = _clean(raw)
    endpoint.url, endpoint.events = data["url"], data["events"]
    if data["secret"]:
        endpoint.secret = data["secret"]
    active = bool(raw.get("is_active", endpoint.is_active))
    if active and not endpoint.is_active:
        endpoint.failures, endpoint.disabled_at = 0, None
    endpoint.is_active = active
    db.session.flush()
    db.session().info.pop(_CACHE, None)
    return endpoint


def delete_endpoint(endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its delivery log."""
    db.session.execute(db.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    db.session.flush()
    db.session().info.pop(_CACHE, None)


def body_of(uid: str, event: str, created_at, data: dict) -> str:
    """The delivery's JSON body: {"id", "event", "created_at", "data"}, the same bytes on every attempt."""
    return json.dumps({"id": uid, "event": event, "created_at": created_at.isoformat().replace("+00:00", "Z"),
                       "data": data}, default=_plain, ensure_ascii=False, separators=(",", ":"))


def _plain(value):
    """Moments as ISO 8601, money (Decimal) and anything else as its text."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _subscribers(tenant_id: int | None) -> list[tuple[int, list]]:
    """The owner's active endpoints, read once per transaction (many events can come from one batch)."""
    cache = db.session().info.setdefault(_CACHE, {})
    if tenant_id not in cache:
        cache[tenant_id] = db.session.execute(
            db.select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(owned_by(WebhookEndpoint, tenant_id), WebhookEndpoint.is_active.is_(True))).all()
    return cache[tenant_id]


def subscribed(tenant_id: int | None, event: str) -> bool:
    """Whether any active endpoint of the owner receives `event` (to skip building payloads in bulk work)."""
    return any(event in events for _id, events in _subscribers(tenant_id))


def emit(tenant_id: int | None, event: str, data: dict, key: str | None = None) -> list[int]:
    """Record `event` for every endpoint of the shop (None: the platform) that subscribes to it, in the
    current transaction, and send them after it commits; the same `key` again records nothing. Delivery ids."""
    at = clock.now()
    ids = []
    for endpoint_id, events in _subscribers(tenant_id):
        if event not in events and event != TEST_EVENT:
            continue
        uid = "whd_" + uuid.uuid4().hex
        row = insert_once_values(WebhookDelivery.__table__, {
            "uid": uid, "endpoint_id": endpoint_id, "tenant_id": tenant_id, "event": event,
            "body": body_of(uid, event, at, data), "status": DeliveryStatus.PENDING, "attempts": 0,
            "next_attempt_at": at, "created_at": at,
            "idempotency_key": f"{endpoint_id}:{(key or uid)[:200]}"})
        if row is not None:
            ids.append(row)
    if ids:
        from mall.webhooks.jobs import send_deliveries

        jobs.enqueue(send_deliveries, ids)
    return ids


def send_test(endpoint: WebhookEndpoint, actor) -> int:
    """Queue a test event to this endpoint alone; the delivery's id."""
    at = clock.now()
    uid = "whd_" + uuid.uuid4().hex
    data = {"message": "This is a test event from Mall.", "endpoint_id": endpoint.id}
    delivery = WebhookDelivery(uid=uid, endpoint_id=endpoint.id, tenant_id=endpoint.tenant_id, event=TEST_EVENT,
                               body=body_of(uid, TEST_EVENT, at, data), status=DeliveryStatus.PENDING, attempts=0,
                               next_attempt_at=at, created_at=at, idempotency_key=f"{endpoint.id}:{uid}")
    db.session.add(delivery)
    db.session.flush()
    from mall.webhooks.jobs import send_deliveries

    jobs.enqueue(send_deliveries, [delivery.id], force=True)
    return delivery.id


def retry(delivery: WebhookDelivery) -> bool:
    """Send a waiting or given-up delivery again now; False for one delivered (it is never sent twice)."""
    moved = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery.id,
               WebhookDelivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)))
        .values(status=DeliveryStatus.PENDING, next_attempt_at=clock.now())
        .execution_options(synchronize_session=False)).rowcount
    if not moved:
        return False
    from mall.webhooks.jobs import send_deliveries

    jobs.enqueue(send_deliveries, [delivery.id], force=True)
    return True


def endpoints_select(tenant_id: int | None):
    """A select of the owner's endpoints, oldest first."""
    return db.select(WebhookEndpoint).where(owned_by(WebhookEndpoint, tenant_id)).order_by(WebhookEndpoint.id)


def deliveries_select(endpoint: WebhookEndpoint):
    """A select of an endpoint's deliveries, newest first."""
    return (db.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc()))


def endpoint_of(tenant_id: int | None, endpoint_id) -> WebhookEndpoint | None:
    """The owner's endpoint by id, or None (another owner's is as absent as a missing one)."""
    try:
        endpoint_id = int(endpoint_id)
    except (TypeError, ValueError):
        return None
    return db.session.execute(db.select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, owned_by(WebhookEndpoint, tenant_id))).scalar_one_or_none()


def delivery_of(endpoint: WebhookEndpoint, delivery_id) -> WebhookDelivery | None:
    """One of the endpoint's deliveries by id, or None."""
    try:
        delivery_id = int(delivery_id)
    except (TypeError, ValueError):
        return None
    return db.session.execute(db.select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id)).scalar_one_or_none()
