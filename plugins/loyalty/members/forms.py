"""Member forms: a points adjustment and buying the paid tier."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange


class PaidTierForm(FlaskForm):
    """Choose the paid tier and how to pay for it."""

    tier = SelectField(_l("Membership"), choices=[])
    pay_with = RadioField(_l("Pay with"), choices=[SelectChoice("wallet", _l("Wallet (bonus first, then cash)")),
                                                     SelectChoice("gateway", _l("Card"))], default="wallet")


class AdjustForm(FlaskForm):
    """A staff points adjustment: a non-zero number of points and a reason."""

    delta = IntegerField(_l("Points (negative to take away)"),
                         validators=[InputRequired(), NumberRange(min=-1_000_000, max=1_000_000)])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(min=2, max=200)])

    def validate_delta(self, field):
        """Zero changes nothing, so it is not an adjustment."""
        if field.data == 0:
            from wtforms.validators import ValidationError

            raise ValidationError(_("Enter a number other than 0."))
