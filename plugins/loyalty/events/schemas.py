"""Member event shapes in the API: a report as sent, and what it credited."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from mall.validation import Id, Text
from plugins.loyalty.programmes.bounds import MAX_BONUS, MAX_EVENT_TIMES, Strict, int_field
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


class EventSchema(Strict):
    """Points for a member event (a completed profile, a review with a photo): how many and how often."""

    points = int_field(1, MAX_BONUS, required=True)
    #: "once", "daily", "weekly", or a whole number of times in all.
    limit = fields.Raw(load_default="once")
    name = fields.String(validate=validate.Length(max=40))  # what members read; else the mall names known events
    name_en = fields.String(validate=validate.Length(max=40))

    @validates_schema
    def _limit(self, data, **kwargs):
        limit = data.get("limit")
        if isinstance(limit, bool) or not (limit in ("once", "daily", "weekly")
                                           or (isinstance(limit, int) and 1 <= limit <= MAX_EVENT_TIMES)):
            raise ValidationError(_l("Use once, daily, weekly or a number of times from 1 to %(n)d.",
                                     n=MAX_EVENT_TIMES), "limit")
