"""Push shapes: a push and the win-back campaign as sent, and the API's replies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from mall import clock
from mall.validation import Id, Moment
from plugins.loyalty.budgets.schemas import BudgetShown, budget_field

CHANNELS = ("inbox", "email", "sms")
PERIODS = ("month", "quarter")


class CampaignSchema(Schema):
    """The win-back campaign's settings."""

    class Meta:
        unknown = RAISE

    template_id = fields.Integer(required=True)
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=lambda: ["inbox"],
                           validate=validate.Length(min=1, max=3))
    period = fields.String(load_default="month", validate=validate.OneOf(PERIODS))
    is_active = fields.Boolean(load_default=True)


class PushSchema(Schema):
    """A push request: which template, to whom, on which channels."""

    class Meta:
        unknown = RAISE

    template_id = Id(required=True)
    filter = fields.Dict(load_default=None)
    #: A saved segment of the programme, instead of a filter.
    segment_id = Id(load_default=None)
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=lambda: ["inbox"],
                           validate=validate.Length(min=1, max=3))
    #: Start at this moment (the tick starts it) instead of now.
    scheduled_at = Moment(load_default=None)
    budget = budget_field(metadata={"description": "the face value of coupons this push may issue, per month "
                                                   "or for the whole push (an amount only: pushed coupons are free)"})

    @validates_schema
    def _one_audience(self, data, **kwargs):
        if data.get("filter") is not None and data.get("segment_id") is not None:
            raise ValidationError({"segment_id": [_l("Give a filter or a saved segment, not both.")]})
        if data.get("scheduled_at") is not None and data["scheduled_at"] <= clock.now():
            raise ValidationError({"scheduled_at": [_l("Must be in the future.")]})


class PushBody(PushSchema):
    """A coupon push: a template, a filter or a saved segment, channels, and optionally when."""


class PushState(Schema):
    """A push's progress."""

    id = fields.Integer()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "cancelled", "failed"]})
    targeted = fields.Integer()
    issued = fields.Integer()
    skipped = fields.Integer()
    skipped_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                    metadata={"description": "out_of_stock, limit, stopped, expired, budget_spent …"})
    budget = fields.Nested(BudgetShown, allow_none=True)


class PushReply(Schema):
    """One push."""

    push = fields.Nested(PushState)
