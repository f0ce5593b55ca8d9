"""Points shapes in the API: ledger rows, balances, an adjustment."""

from __future__ import annotations

from marshmallow import Schema, fields

from mall.validation import Points, Text
from plugins.loyalty.members.schemas import Balances
from plugins.loyalty.web.schemas import Body


class PointsAdjustBody(Body):
    """A staff points adjustment (not zero)."""

    delta = Points(-1_000_000, 1_000_000, required=True)
    reason = Text(200, 2, required=True)


class PointsEntry(Schema):
    """A points ledger row."""

    delta = fields.Integer()
    kind = fields.String()
    status = fields.String(metadata={"enum": ["available", "pending"]})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class PointsReply(Balances):
    """Balances and one page of history."""

    items = fields.List(fields.Nested(PointsEntry))
