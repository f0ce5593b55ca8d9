"""Webhook shapes: the API's request body, its replies (also the OpenAPI components) and their JSON."""

from __future__ import annotations

import json

from marshmallow import Schema, fields, validate

from mall.api.serializers import iso
from mall.validation import Text
from mall.webhooks.models import EVENTS
from mall.webhooks.operations import MAX_URL


class WebhookBody(Schema):
    """POST …/webhooks: the URL, the events to receive, and a secret (made when left out)."""

    url = Text(MAX_URL, 1, required=True)
    events = fields.List(fields.String(validate=validate.OneOf(list(EVENTS))), required=True,
                         validate=validate.Length(min=1, max=len(EVENTS)))
    secret = Text(100, 16)


class WebhookOut(Schema):
    """An endpoint (its secret only in the reply that created it)."""

    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    is_active = fields.Boolean()
    failures = fields.Integer()
    disabled_at = fields.String(allow_none=True)
    created_at = fields.String()
    secret = fields.String()


class WebhookReply(Schema):
    """{"webhook": …}."""

    webhook = fields.Nested(WebhookOut)


class WebhooksReply(Schema):
    """A page of endpoints."""

    items = fields.List(fields.Nested(WebhookOut))


class DeliveryOut(Schema):
    """One delivery: its stable id, the event, the outcome of the last attempt and the body sent."""

    id = fields.String()
    event = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    created_at = fields.String()
    next_attempt_at = fields.String(allow_none=True)
    delivered_at = fields.String(allow_none=True)
    response_status = fields.Integer(allow_none=True)
    response_body = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    body = fields.Dict()


class DeliveriesReply(Schema):
    """A page of deliveries, newest first."""

    items = fields.List(fields.Nested(DeliveryOut))


def webhook_json(endpoint, with_secret: bool = False) -> dict:
    """An endpoint as the API shows it."""
    out = {"id": endpoint.id, "url": endpoint.url, "events": list(endpoint.events), "is_active": endpoint.is_active,
           "failures": endpoint.failures, "disabled_at": iso(endpoint.disabled_at),
           "created_at": iso(endpoint.created_at)}
    if with_secret:
        out["secret"] = endpoint.secret
    return out


def delivery_json(delivery) -> dict:
    """A delivery as the API shows it."""
    return {"id": delivery.uid, "event": delivery.event, "status": delivery.status, "attempts": delivery.attempts,
            "created_at": iso(delivery.created_at), "next_attempt_at": iso(delivery.next_attempt_at),
            "delivered_at": iso(delivery.delivered_at), "response_status": delivery.response_status,
            "response_body": delivery.response_body, "error": delivery.error, "body": json.loads(delivery.body)}
