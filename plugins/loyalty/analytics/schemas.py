"""Analytics shapes: the date range asked for, the RFM segments, and the API's reply."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validates_schema

from mall.periods import MAX_DAYS

#: RFM segments, best first: (code, label, what it means).
RFM_SEGMENTS = (
    ("champions", _l("Champions"), _l("Bought recently, often and for a lot.")),
    ("loyal", _l("Loyal"), _l("Buy regularly and spend well.")),
    ("promising", _l("Promising"), _l("Bought recently, but not yet often or much.")),
    ("needs_attention", _l("Needs attention"), _l("Middling on every count; could go either way.")),
    ("at_risk", _l("At risk"), _l("Used to buy often and much, but not lately.")),
    ("hibernating", _l("Hibernating"), _l("Last bought long ago, seldom and little.")),
)
RFM_CODES = tuple(code for code, _label, _help in RFM_SEGMENTS)
#: The earliest day a range may start on.
EARLIEST = date(2000, 1, 1)


class RangeArgs(Schema):
    """`from` and `to`: local days YYYY-MM-DD, at most a year apart (default: this month and the five before)."""

    class Meta:
        unknown = EXCLUDE

    first = fields.Date(data_key="from", load_default=None, metadata={"description": "first day, YYYY-MM-DD"})
    last = fields.Date(data_key="to", load_default=None, metadata={"description": "last day, YYYY-MM-DD"})
    # Checked against the programme's tiers by operations.cohort_tier_of; here for the API's description.
    tier = fields.String(load_default=None, load_only=True,
                         metadata={"description": "cohorts of the members now in this tier (a tier code)"})

    @validates_schema
    def _bounds(self, data, **kwargs):
        first, last = data.get("first"), data.get("last")
        for key, day in (("from", first), ("to", last)):
            if day is not None and not EARLIEST <= day <= date(2100, 1, 1):
                raise ValidationError({key: [_l("Pick a day between 2000 and 2100.")]})
        if first is not None and last is not None:
            if first > last:
                raise ValidationError({"to": [_l("The end date is before the start date.")]})
            if (last - first).days + 1 > MAX_DAYS:
                raise ValidationError({"to": [_l("A range may span at most %(max)d days.", max=MAX_DAYS)]})


class Series(Schema):
    """One line or bar series of a chart."""

    label = fields.String()
    data = fields.List(fields.Raw())


class Chart(Schema):
    """A chart as drawn on the page: labels along the axis and one or more series (see charts.js)."""

    type = fields.String()
    labels = fields.List(fields.String())
    series = fields.List(fields.Nested(Series))
    x = fields.String(metadata={"description": "the horizontal axis's title"})
    y = fields.String(metadata={"description": "the vertical axis's title"})
    money = fields.Boolean(metadata={"description": "values are yuan, as strings with two decimals"})
    integer = fields.Boolean(metadata={"description": "values are counts"})
    stacked = fields.Boolean()


class AnalyticsReply(Schema):
    """The figures of the range; rates are percentages with one decimal (null when nothing to divide by)."""

    first = fields.Date(data_key="from")
    last = fields.Date(data_key="to")
    summary = fields.Dict(metadata={"description": "issued, redeemed, expired, redemption_rate, breakage, "
                                                   "liability, liability_value, buyers, repeat_buyers, "
                                                   "repurchase_rate, revenue, coupon_revenue, coupon_share"})
    tiers = fields.List(fields.Dict(), metadata={"description": "per tier: members, buyers, orders, revenue, "
                                                                "average_order_value, frequency, repurchase_rate"})
    rfm = fields.Dict(metadata={"description": "members per RFM segment"})
    cohort_tier = fields.String(allow_none=True, metadata={"description": "the tier the cohorts are narrowed to"})
    cohorts = fields.List(fields.Dict(), metadata={"description": "per join month: size and members who bought "
                                                                  "in each month after joining"})
    forecast = fields.List(fields.Dict(), metadata={"description": "points expiring per month and what is left"})
    charts = fields.Dict(keys=fields.String(), values=fields.Nested(Chart))
