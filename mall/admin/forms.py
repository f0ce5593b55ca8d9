"""Merchant admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from mall.catalog.operations import MAX_PRICE, MAX_STOCK, NAME_MAX
from mall.forms import MoneyField, plausible_moment


class ProductForm(FlaskForm):
    """Create or edit a product."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=NAME_MAX)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=80)])
    price = MoneyField(_l("Price"), places=2, validators=[DataRequired(), NumberRange(min=0, max=MAX_PRICE)])
    stock = IntegerField(_l("Stock"), validators=[NumberRange(min=0, max=MAX_STOCK)])
    sale = BooleanField(_l("Sale item (no member discount)"))
    sale_starts_at = DateTimeLocalField(_l("Sale starts"), validators=[Optional(), plausible_moment])
    sale_ends_at = DateTimeLocalField(_l("Sale ends"), validators=[Optional(), plausible_moment])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    is_active = BooleanField(_l("On sale in the shop"), default=True)


class StaffForm(FlaskForm):
    """Add a staff member by e-mail."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice("support", _l("Support")),
                                            SelectChoice("manager", _l("Manager")),
                                            SelectChoice("owner", _l("Owner"))])
