"""Push forms: a push to a segment (every segment filter) and the win-back campaign."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mall.forms import MoneyField, local_midnight, plausible_moment
from mall.validation import translate_messages
from plugins.loyalty.analytics.schemas import RFM_SEGMENTS
from plugins.loyalty.budgets.forms import PushBudgetFields

CHANNEL_CHOICES = [SelectChoice("inbox", _l("Inbox")), SelectChoice("email", _l("E-mail")),
                   SelectChoice("sms", _l("SMS"))]
MONTHS = [SelectChoice("", _l("Any month"))] + [SelectChoice(str(n), str(n)) for n in range(1, 13)]
#: The form's fields for each segment filter the segment schema reads ("recent.days" is nested there).
FILTER_FIELDS = {"tier": "tier", "lifecycle": "lifecycle", "activity": "activity", "consent": "consent",
                 "recent.days": "recent_days", "recent.min_orders": "recent_min_orders",
                 "recent.min_spend": "recent_min_spend", "min_spend": "min_spend", "asleep_days": "asleep_days",
                 "preferred_category": "preferred_category", "birthday_month": "birthday_month",
                 "points_min": "points_min", "points_max": "points_max", "joined_after": "joined_after",
                 "joined_before": "joined_before", "slept_since": "slept_since", "q": "q", "rfm": "rfm"}


class ChannelsField(SelectMultipleField):
    """Choices as a row of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _whole(label, help_text):
    """A whole-number box; its bounds are the segment schema's, checked there."""
    return IntegerField(label, description=help_text, validators=[Optional()])


class PushForm(PushBudgetFields, FlaskForm):
    """Which coupon, to whom (a saved segment or any of the segment filters), on which channels, and when.

    The filters are only read here; SegmentSchema, the rule the API applies, judges them (see `segment`).
    """

    template_id = SelectField(_l("Coupon"), coerce=int, validators=[InputRequired()])
    segment_id = SelectField(_l("Saved segment"), validators=[Optional()],
                             description=_l("A saved segment replaces the filters below."))
    tier = ChannelsField(_l("Tiers"), validators=[Optional()], validate_choice=False,
                         description=_l("None ticked: every tier."))
    lifecycle = SelectField(_l("Purchases"), choices=[
        SelectChoice("", _l("Any")), SelectChoice("never_bought", _l("Never bought")),
        SelectChoice("one_time", _l("Bought once")), SelectChoice("repeat", _l("Bought again"))],
        validators=[Optional()], validate_choice=False)
    activity = SelectField(_l("Activity"), choices=[
        SelectChoice("", _l("Any activity")), SelectChoice("active", _l("Active")),
        SelectChoice("intermittent", _l("Intermittent")), SelectChoice("sleeping", _l("Sleeping"))],
        validators=[Optional()], validate_choice=False,
        description=_l("By the time since the last order, with the programme's thresholds."))
    consent = SelectField(_l("Agreed to marketing by"), choices=[
        SelectChoice("", _l("Any")), SelectChoice("email", _l("E-mail")), SelectChoice("sms", _l("SMS"))],
        validators=[Optional()], validate_choice=False)
    recent_days = _whole(_l("In the last (days)"), _l("1 to 3650 days; needed for the two boxes beside it."))
    recent_min_orders = _whole(_l("At least this many orders"), _l("Orders paid in those days."))
    recent_min_spend = MoneyField(_l("Spent at least (¥) in those days"), places=2, validators=[Optional()])
    min_spend = MoneyField(_l("Spent at least (¥) in all"), places=2, validators=[Optional()],
                           description=_l("Paid orders in this shop, refunds deducted."))
    preferred_category = SelectField(_l("Favourite category"), validators=[Optional()], validate_choice=False,
                                     description=_l("The category the member has spent most on."))
    asleep_days = _whole(_l("No order for at least (days)"), _l("Members who never bought count too."))
    slept_since = DateField(_l("Became sleeping since"), validators=[Optional()],
                            description=_l("Bought before, and turned sleeping on or after this day."))
    joined_after = DateField(_l("Joined on or after"), validators=[Optional()])
    joined_before = DateField(_l("Joined before"), validators=[Optional()])
    birthday_month = SelectField(_l("Birthday month"), choices=MONTHS, validators=[Optional()],
                                 validate_choice=False)
    points_min = _whole(_l("Points at least"), _l("Points available now."))
    points_max = _whole(_l("Points at most"), None)
    q = StringField(_l("Name or e-mail contains"), validators=[Optional()])
    rfm = SelectField(_l("RFM segment"), choices=[SelectChoice("", _l("Any segment"))] + [
        SelectChoice(code, label) for code, label, _help in RFM_SEGMENTS], validators=[Optional()],
        validate_choice=False, description=_l("Scored over the last six months (see Analytics)."))
    channels = ChannelsField(_l("Channels"), choices=CHANNEL_CHOICES, default=["inbox"])
    scheduled_at = DateTimeLocalField(_l("Send at (shop time; empty: now)"),
                                       validators=[Optional(), plausible_moment])
    name = StringField(_l("Name for the segment"), validators=[Optional(), Length(max=80)])
    holdout = IntegerField(_l("Hold back (percent of the segment)"), validators=[Optional(), NumberRange(0, 50)],
                           description=_l("0 to 50. A random share that gets no coupon and no message, to measure "
                                          "what the push changed."))

    def holdout_share(self) -> str | None:
        """The holdout as the API takes it: a fraction such as "0.10", or None when the box is empty."""
        return None if self.holdout.data is None else str(Decimal(self.holdout.data) / 100)

    def segment(self, tz: str) -> dict:
        """The segment filter the form's boxes describe, as the API takes it (dates at the shop's midnight)."""
        f: dict = {}
        if any(self.tier.data or ()):
            f["tier"] = [code for code in self.tier.data if code]
        for name in ("lifecycle", "activity", "consent", "rfm"):
            if getattr(self, name).data:
                f[name] = getattr(self, name).data
        if (self.q.data or "").strip():
            f["q"] = self.q.data.strip()
        for name in ("asleep_days", "points_min", "points_max"):
            if getattr(self, name).data is not None:
                f[name] = getattr(self, name).data
        if self.min_spend.data is not None:
            f["min_spend"] = str(self.min_spend.data)
        for name in ("preferred_category", "birthday_month"):
            text = getattr(self, name).data
            if text:
                f[name] = int(text) if str(text).isascii() and str(text).isdigit() else text
        for name in ("joined_after", "joined_before", "slept_since"):
            if getattr(self, name).data is not None:
                f[name] = local_midnight(getattr(self, name).data, tz)
        recent = {"days": self.recent_days.data, "min_orders": self.recent_min_orders.data,
                  "min_spend": str(self.recent_min_spend.data) if self.recent_min_spend.data is not None else None}
        recent = {k: v for k, v in recent.items() if v is not None}
        if recent:
            f["recent"] = recent
        return f

    def show_segment_errors(self, messages: dict) -> None:
        """Put the segment schema's messages (translated) beside the boxes they are about."""
        self.form_errors = list(getattr(self, "form_errors", []))
        for path, text in _flat(translate_messages(messages)):
            field = getattr(self, FILTER_FIELDS.get(path, ""), None)
            if field is not None:
                field.errors = list(field.errors) + [text]
            else:
                self.form_errors.append(text)

    def filters(self) -> list:
        """The filter fields in their groups, for the page."""
        return [(_l("Membership and consent"), [self.tier, self.lifecycle, self.activity, self.consent,
                                                    self.rfm]),
                (_l("Recent orders"), [self.recent_days, self.recent_min_orders, self.recent_min_spend]),
                (_l("Spending and taste"), [self.min_spend, self.preferred_category]),
                (_l("Timing"), [self.asleep_days, self.slept_since, self.joined_after, self.joined_before]),
                (_l("Points and profile"), [self.points_min, self.points_max, self.birthday_month, self.q])]


def _flat(messages, prefix: str = ""):
    """(dotted path, message) for each message of a nested marshmallow error."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flat(value, f"{prefix}{key}.")
    elif isinstance(messages, list | tuple):
        for value in messages:
            if isinstance(value, dict | list | tuple):
                yield from _flat(value, prefix)
            else:
                yield prefix.rstrip("."), str(value)
    else:
        yield prefix.rstrip("."), str(messages)


class CampaignForm(FlaskForm):
    """The win-back campaign."""

    template_id = SelectField(_l("Coupon"), coerce=int, validators=[InputRequired()])
    channels = ChannelsField(_l("Channels"), choices=CHANNEL_CHOICES, default=["inbox"])
    period = SelectField(_l("At most once per member each"), choices=[
        SelectChoice("month", _l("month")), SelectChoice("quarter", _l("quarter"))], validators=[InputRequired()])
    is_active = BooleanField(_l("On"), default=True)


