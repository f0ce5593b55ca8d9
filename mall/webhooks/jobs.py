"""Sending deliveries: claimed, signed, posted, recorded; retried with back-off, never sent again once delivered.

A delivery is claimed with a conditional update (pending and due → sending) and committed before
it is posted, so two workers never post the same one; the outcome is committed right after. A
failure waits BACKOFF[n] before attempt n + 1, and the tick hands due ones to the queue again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import urllib.error
import urllib.request
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import update

from mall import clock, jobs
from mall.extensions import db
from mall.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from mall.webhooks.operations import unsafe_reason

log = logging.getLogger(__name__)
#: Seconds to wait before attempt n + 1 after attempt n failed; the last attempt is len(BACKOFF) + 1.
BACKOFF = (60, 300, 1800, 7200, 21600)
MAX_ATTEMPTS = len(BACKOFF) + 1
#: Failed attempts in a row after which an endpoint is switched off (config WEBHOOK_DISABLE_AFTER).
DISABLE_AFTER = 15
TIMEOUT = 5
STALE = timedelta(minutes=10)
BATCH = 100


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Mall-Signature header: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new address to post to (it could point inside the network)."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(url: str, headers: dict, body: bytes) -> tuple[int, str]:
    """POST the body; (status, the start of the response body). Raises OSError when there is no answer."""
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(500).decode("utf-8", "replace")


def send_deliveries(ids: list[int], force: bool = False) -> dict:
    """Job: post the listed deliveries that are due (all of them when `force`: a manual retry or a test)."""
    at = clock.now()
    claim = (update(WebhookDelivery)
             .where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == DeliveryStatus.PENDING)
             .values(status=DeliveryStatus.SENDING, attempts=WebhookDelivery.attempts + 1, last_attempt_at=at)
             .returning(WebhookDelivery.id).execution_options(synchronize_session=False))
    if not force:
        active = db.select(WebhookEndpoint.id).where(WebhookEndpoint.is_active.is_(True))
        claim = claim.where(WebhookDelivery.next_attempt_at <= at, WebhookDelivery.endpoint_id.in_(active))
    claimed = db.session.execute(claim).scalars().all()
    db.session.commit()
    counts = {"delivered": 0, "failed": 0}
    for delivery_id in sorted(claimed):
        delivered = _attempt(db.session.get(WebhookDelivery, delivery_id), at)
        counts["delivered" if delivered else "failed"] += 1
        db.session.commit()
    return counts


def _attempt(delivery: WebhookDelivery, at) -> bool:
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Mall-Webhooks/1",
               "X-Mall-Delivery": delivery.uid, "X-Mall-Event": delivery.event,
               "X-Mall-Signature": signature(endpoint.secret, int(at.timestamp()), body)}
    status, text, error = None, None, None
    with force_locale("en"):  # stored beside the transport's own (English) errors, whoever reads the log
        refused = unsafe_reason(endpoint.url)  # again now: the name may resolve elsewhere than when it was saved
    if refused:
        error = refused
    else:
        try:
            status, text = post(endpoint.url, headers, body)
        except Exception as exc:  # no answer (refused, timed out, bad TLS): recorded, retried later
            error = f"{type(exc).__name__}: {exc}"
    delivery.response_status, delivery.response_body, delivery.error = status, text, error and error[:300]
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.SUCCEEDED, at
        db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id).values(failures=0)
                           .execution_options(synchronize_session=False))
        return True
    log.info("webhook delivery %s to endpoint %s failed: %s", delivery.uid, endpoint.id, error or status)
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = at + timedelta(seconds=BACKOFF[delivery.attempts - 1])
    _count_failure(endpoint, at)
    return False


def _count_failure(endpoint: WebhookEndpoint, at) -> None:
    """One more failure in a row; the one that reaches the limit switches the endpoint off and tells its owner."""
    limit = current_app.config.get("WEBHOOK_DISABLE_AFTER", DISABLE_AFTER)
    failures = db.session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id).values(failures=WebhookEndpoint.failures + 1)
        .returning(WebhookEndpoint.failures).execution_options(synchronize_session=False)).scalar_one()
    if failures < limit:
        return
    switched = db.session.execute(
        update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id, WebhookEndpoint.is_active.is_(True))
        .values(is_active=False, disabled_at=at).execution_options(synchronize_session=False)).rowcount
    if switched:
        from mall.webhooks.receivers import tell_disabled

        tell_disabled(endpoint, failures, at)


def due(at, limit: int = 1000) -> list[int]:
    """Deliveries whose next attempt is due (and those a dead worker left sending), set pending again."""
    stale = at - STALE
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.status == DeliveryStatus.SENDING,
                                                     WebhookDelivery.last_attempt_at < stale)
                       .values(status=DeliveryStatus.PENDING, next_attempt_at=at)
                       .execution_options(synchronize_session=False))
    active = db.select(WebhookEndpoint.id).where(WebhookEndpoint.is_active.is_(True))
    return db.session.execute(
        db.select(WebhookDelivery.id).where(WebhookDelivery.status == DeliveryStatus.PENDING,
                                            WebhookDelivery.next_attempt_at <= at,
                                            WebhookDelivery.endpoint_id.in_(active))
        .order_by(WebhookDelivery.id).limit(limit)).scalars().all()


def queue_due(at) -> int:
    """Hand the due deliveries to the queue (after the current transaction commits); how many."""
    ids = due(at)
    for start in range(0, len(ids), BATCH):
        jobs.enqueue(send_deliveries, ids[start:start + BATCH])
    return len(ids)
