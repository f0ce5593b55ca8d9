"""Push forms: a push to a segment and the win-back campaign."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mall.forms import plausible_moment

CHANNEL_CHOICES = [SelectChoice("inbox", _l("Inbox")), SelectChoice("email", _l("E-mail")),
                   SelectChoice("sms", _l("SMS"))]


class ChannelsField(SelectMultipleField):
    """Channels as a row of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PushForm(FlaskForm):
    """Which coupon, to whom (a saved segment or a few of the filters), on which channels, and when."""

    template_id = SelectField(_l("Coupon"), coerce=int, validators=[InputRequired()])
    segment_id = SelectField(_l("Saved segment"), validators=[Optional()])
    tier = SelectField(_l("Tier"), validators=[Optional()])
    activity = SelectField(_l("Activity"), choices=[
        SelectChoice("", _l("Any activity")), SelectChoice("active", _l("Active")),
        SelectChoice("intermittent", _l("Intermittent")), SelectChoice("sleeping", _l("Sleeping"))],
        validators=[Optional()])
    lifecycle = SelectField(_l("Purchases"), choices=[
        SelectChoice("", _l("Any")), SelectChoice("never_bought", _l("Never bought")),
        SelectChoice("one_time", _l("Bought once")), SelectChoice("repeat", _l("Bought again"))],
        validators=[Optional()])
    channels = ChannelsField(_l("Channels"), choices=CHANNEL_CHOICES, default=["inbox"])
    scheduled_at = DateTimeLocalField(_l("Send at (shop time; empty: now)"),
                                       validators=[Optional(), plausible_moment])
    name = StringField(_l("Name for the segment"), validators=[Optional(), Length(max=80)])

    def segment(self) -> dict:
        """The segment filter the form's own filters describe."""
        f = {}
        if self.tier.data:
            f["tier"] = [self.tier.data]
        for name in ("activity", "lifecycle"):
            if getattr(self, name).data:
                f[name] = getattr(self, name).data
        return f


class CampaignForm(FlaskForm):
    """The win-back campaign."""

    template_id = SelectField(_l("Coupon"), coerce=int, validators=[InputRequired()])
    channels = ChannelsField(_l("Channels"), choices=CHANNEL_CHOICES, default=["inbox"])
    period = SelectField(_l("At most once per member each"), choices=[
        SelectChoice("month", _l("month")), SelectChoice("quarter", _l("quarter"))], validators=[InputRequired()])
    is_active = BooleanField(_l("On"), default=True)
