"""The programme editor's referral fields for the new member's side: their bonus points and their coupon."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Optional

#: The editor's field names of the new member's rewards, taken as whole numbers.
INTEGERS = {"points__bonuses__referee", "points__referee_coupon"}


def referee_bonus_field() -> StringField:
    """Points for the new member, paid with the referrer's bonus when their first order is settled."""
    return StringField(_l("New member's referral bonus"), validators=[Optional()],
                       description=_l("0–100000 points for the invited friend, when their first order is settled."))


def referee_coupon_field() -> SelectField:
    """A coupon for the new member (a template of this programme; choices set per request like the others)."""
    return SelectField(_l("New member's referral coupon"), choices=[], validate_choice=False, validators=[Optional()],
                       description=_l("Given to the invited friend when their first order is settled."))
