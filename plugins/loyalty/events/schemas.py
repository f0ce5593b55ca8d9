"""Member event shapes in the API: a report as sent, and what it credited."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.validation import Id, Text
from plugins.loyalty.web.schemas import Body


class EventReportBody(Body):
    """A member event: who did it, which event of the programme, and the reporter's key for it (a replay of the
    key with the same body answers the first report; with another body it is a 409)."""

    user_id = Id(required=True)
    event = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]{1,40}$"),
                          metadata={"description": "an event named in the programme's points.events"})
    key = Text(80, 1, required=True, metadata={"description": "the reporter's own id for this occurrence"})


class EventReportReply(Schema):
    """What a report did: the points credited (0 when the limit was reached, with the reason "limit")."""

    user_id = fields.Integer()
    event = fields.String()
    key = fields.String()
    credited = fields.Integer()
    reason = fields.String(allow_none=True, metadata={"enum": ["limit"]})
    reported_at = fields.DateTime()
