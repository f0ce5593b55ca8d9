"""Wallet forms: a top-up and the operator's adjustment."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from mall.forms import MoneyField
from plugins.loyalty.wallet.operations import MAX_TOP_UP


class TopUpForm(FlaskForm):
    """Add money to the wallet's cash balance through the payment gateway."""

    amount = MoneyField(_l("Amount"), places=2, validators=[
        InputRequired(), NumberRange(min=Decimal("0.01"), max=MAX_TOP_UP)])


class WalletAdjustForm(FlaskForm):
    """An operator's wallet adjustment: which balance, how much (negative takes away) and why."""

    balance = RadioField(_l("Balance"), choices=[SelectChoice("cash", _l("Cash")), SelectChoice("bonus", _l("Bonus"))],
                         default="bonus")
    amount = MoneyField(_l("Amount (negative to take away)"), places=2, validators=[
        InputRequired(), NumberRange(min=-MAX_TOP_UP, max=MAX_TOP_UP)])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(min=2, max=200)])
