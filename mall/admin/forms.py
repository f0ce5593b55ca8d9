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

from mall.catalog.operations import CATEGORY_MAX, DESCRIPTION_MAX, MAX_PRICE, MAX_STOCK, NAME_MAX
from mall.forms import MoneyField, plausible_moment
from mall.tenants.operations import DESCRIPTION_MAX as SHOP_DESCRIPTION_MAX
from mall.tenants.operations import NAME_MAX as SHOP_NAME_MAX


class ProductForm(FlaskForm):
    """Create or edit a product: each text in Chinese, and optionally in English for English pages."""

    name = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=NAME_MAX)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(), Length(max=NAME_MAX)])
    category = StringField(_l("Category in Chinese"), validators=[Optional(), Length(max=CATEGORY_MAX)])
    category_en = StringField(_l("Category in English (optional)"), validators=[Optional(), Length(max=CATEGORY_MAX)])
    price = MoneyField(_l("Price"), places=2, validators=[DataRequired(), NumberRange(min=0, max=MAX_PRICE)])
    stock = IntegerField(_l("Stock"), validators=[NumberRange(min=0, max=MAX_STOCK)])
    sale = BooleanField(_l("Sale item (no member discount)"))
    sale_starts_at = DateTimeLocalField(_l("Sale starts"), validators=[Optional(), plausible_moment])
    sale_ends_at = DateTimeLocalField(_l("Sale ends"), validators=[Optional(), plausible_moment])
    description = TextAreaField(_l("Description in Chinese"), validators=[Optional(), Length(max=DESCRIPTION_MAX)])
    description_en = TextAreaField(_l("Description in English (optional)"),
                                   validators=[Optional(), Length(max=DESCRIPTION_MAX)])
    is_active = BooleanField(_l("On sale in the shop"), default=True)


class CategoryForm(FlaskForm):
    """Rename a category in Chinese and English."""

    name = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=CATEGORY_MAX)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(), Length(max=CATEGORY_MAX)])


class ShopForm(FlaskForm):
    """The shop's name and description, in Chinese and English."""

    name = StringField(_l("Shop name in Chinese"), validators=[DataRequired(), Length(max=SHOP_NAME_MAX)])
    name_en = StringField(_l("Shop name in English (optional)"), validators=[Optional(), Length(max=SHOP_NAME_MAX)])
    description = TextAreaField(_l("Description in Chinese"),
                                validators=[Optional(), Length(max=SHOP_DESCRIPTION_MAX)])
    description_en = TextAreaField(_l("Description in English (optional)"),
                                   validators=[Optional(), Length(max=SHOP_DESCRIPTION_MAX)])


class StaffForm(FlaskForm):
    """Add a staff member by e-mail."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice("support", _l("Support")),
                                            SelectChoice("manager", _l("Manager")),
                                            SelectChoice("owner", _l("Owner"))])
