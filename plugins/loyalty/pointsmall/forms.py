"""Points-mall forms: an item's terms in the merchant's and the operator's mall, and how many to redeem."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from mall.forms import MoneyField
from plugins.loyalty.pointsmall.schemas import MAX_CASH_PRICE, MAX_PER_MEMBER, MAX_POINTS_PRICE


class RedeemableForm(FlaskForm):
    """One item's terms: points, cash part, lowest tier, per-member limit; each item's form has its own prefix."""

    points_price = IntegerField(_l("Points"), validators=[InputRequired(), NumberRange(min=1, max=MAX_POINTS_PRICE)])
    cash_price = MoneyField(_l("Plus cash (¥, 0 = points only)"), default=0,
                            validators=[Optional(), NumberRange(min=0, max=MAX_CASH_PRICE)])
    min_tier = SelectField(_l("Lowest tier"), validators=[Optional()])
    per_member_limit = IntegerField(_l("Per member (empty = no limit)"),
                                    validators=[Optional(), NumberRange(min=1, max=MAX_PER_MEMBER)])
    hide_locked = BooleanField(_l("Hide from lower tiers"))

    def __init__(self, *args, tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.min_tier.choices = [("", _l("Every member"))] + list(tiers)

    def terms(self) -> dict:
        """The terms as mark() takes them."""
        cash = self.cash_price.data if self.cash_price.data is not None else Decimal("0")
        return {"points_price": self.points_price.data, "cash_price": cash,
                "min_tier": self.min_tier.data or None, "per_member_limit": self.per_member_limit.data,
                "hide_locked": self.hide_locked.data}


class VariantPickForm(RedeemableForm):
    """The operator's form adding an item of any shop to the platform's mall, by its variant id."""

    variant_id = IntegerField(_l("Variant id"), validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


class RedeemForm(FlaskForm):
    """How many units to redeem."""

    qty = IntegerField(_l("Quantity"), default=1, validators=[InputRequired(), NumberRange(min=1, max=99)])
