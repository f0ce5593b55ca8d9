"""Segment shapes: a filter as sent, validated with marshmallow, and the preview's reply."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from mall.validation import Id, Int, Moment, Points
from mall.validation import Money as Amount
from plugins.loyalty.analytics.schemas import RFM_CODES
from plugins.loyalty.web.schemas import Body

LIFECYCLE = ("never_bought", "one_time", "repeat")
ACTIVITY = ("active", "intermittent", "sleeping")
CHANNELS = ("email", "sms")
#: A century: any longer asleep is the same as never bought, and the date it implies stays in the calendar.
MAX_ASLEEP_DAYS = 36500


class RecentSchema(Schema):
    """Orders and spend in the last N days."""

    class Meta:
        unknown = RAISE

    days = Int(1, 3650, required=True)
    min_orders = Int(0, 100000, load_default=None)
    min_spend = Amount(load_default=None)


class SegmentSchema(Schema):
    """Every filter a segment may combine; all given filters must hold."""

    class Meta:
        unknown = RAISE

    tier = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=None)
    lifecycle = fields.String(load_default=None, validate=validate.OneOf(LIFECYCLE))
    activity = fields.String(load_default=None, validate=validate.OneOf(ACTIVITY))
    recent = fields.Nested(RecentSchema, load_default=None)
    min_spend = Amount(load_default=None)
    asleep_days = Int(0, MAX_ASLEEP_DAYS, load_default=None)
    preferred_category = Id(load_default=None)
    birthday_month = Int(1, 12, load_default=None)
    points_min = Points(load_default=None)
    points_max = Points(load_default=None)
    joined_after = Moment(load_default=None)
    joined_before = Moment(load_default=None)
    consent = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    #: Bought before, and became sleeping after this moment (the win-back campaign's audience).
    slept_since = Moment(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    #: An RFM segment (plugins/loyalty/analytics), scored over the last six months.
    rfm = fields.String(load_default=None, validate=validate.OneOf(RFM_CODES))

    @validates_schema
    def _ranges(self, data, **kwargs):
        errors = {}
        if data.get("points_min") is not None and data.get("points_max") is not None \
                and data["points_max"] < data["points_min"]:
            errors["points_max"] = [_l("Must not be below points_min.")]
        if data.get("joined_after") and data.get("joined_before") and data["joined_before"] <= data["joined_after"]:
            errors["joined_before"] = [_l("Must be after joined_after.")]
        if errors:
            raise ValidationError(errors)


class FilterBody(Schema):
    """A request that carries a segment filter."""

    class Meta:
        unknown = RAISE

    filter = fields.Dict(required=True)


def load_filter(body) -> dict:
    """The segment filter of a request body {"filter": {...}} (422 with field messages when invalid)."""
    raw = FilterBody().load(body if isinstance(body, dict) else {})["filter"]
    try:
        return SegmentSchema().load(raw)
    except ValidationError as exc:
        raise ValidationError({"filter": exc.messages}) from None


class SegmentPreviewBody(Body):
    """A segment filter (see SegmentSchema: tier, lifecycle, activity, recent, spend, category, birthday, …)."""

    filter = fields.Dict(required=True)


class SegmentMember(Schema):
    """A member in a preview's sample."""

    user_id = fields.Integer()
    name = fields.String()
    tier = fields.String()
    points = fields.Integer()


class SegmentPreviewReply(Schema):
    """How many members match, and a sample."""

    count = fields.Integer()
    sample = fields.List(fields.Nested(SegmentMember))
