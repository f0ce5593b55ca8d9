"""Push shapes: a push and the win-back campaign as sent, and the API's replies."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from mall import clock
from mall.validation import Id, Int, Moment
from plugins.loyalty.budgets.schemas import BudgetShown, budget_field

CHANNELS = ("inbox", "email", "sms")
PERIODS = ("month", "quarter")
#: The largest share of a segment a push may hold back as its control group.
MAX_HOLDOUT = Decimal("0.5")
#: Days after a push its report may follow the members for.
MAX_REPORT_DAYS = 90


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
    holdout = fields.Decimal(load_default=Decimal(0), allow_nan=False,
                             validate=[validate.Range(min=0, max=MAX_HOLDOUT)],
                             metadata={"description": "the share of the segment held back (no coupon, no message) "
                                                      "to compare against, from 0 to 0.5, e.g. 0.1"})
    #: Picks the held-back members; the same seed and members give the same holdout. Random when left out.
    seed = Int(0, 2**31 - 1, load_default=None)

    @validates_schema
    def _one_audience(self, data, **kwargs):
        if data.get("filter") is not None and data.get("segment_id") is not None:
            raise ValidationError({"segment_id": [_l("Give a filter or a saved segment, not both.")]})
        holdout = data.get("holdout")
        if holdout is not None and holdout != holdout.quantize(Decimal("0.001")):
            raise ValidationError({"holdout": [_l("Use at most three decimals.")]})
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
    held_out = fields.Integer(metadata={"description": "members held back as the control group"})
    holdout = fields.String(metadata={"description": "the share held back, e.g. \"0.100\""})
    skipped_by_reason = fields.Dict(keys=fields.String(), values=fields.Integer(),
                                    metadata={"description": "out_of_stock, limit, stopped, expired, budget_spent …"})
    budget = fields.Nested(BudgetShown, allow_none=True)


class PushReply(Schema):
    """One push."""

    push = fields.Nested(PushState)
