"""Inbox shapes: the API's reply listing a user's inbox messages (also the OpenAPI component)."""

from __future__ import annotations

from marshmallow import Schema, fields


class InboxMessage(Schema):
    """One inbox message, rendered in the caller's language."""

    id = fields.Integer()
    kind = fields.String()
    text = fields.String()
    link = fields.String(allow_none=True)
    created_at = fields.DateTime()
    read = fields.Boolean()


class InboxReply(Schema):
    """{"items": [{…}]}, newest first, 50 a page (?page=)."""

    items = fields.List(fields.Nested(InboxMessage))
