"""Platform admin forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from mall.forms import MoneyField


class TenantForm(FlaskForm):
    """Create a shop."""

    slug = StringField(_l("Address (slug)"), validators=[DataRequired(), Length(max=40)])
    name = StringField(_l("Shop name in Chinese"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Shop name in English (optional)"), validators=[Optional(), Length(max=120)])
    owner_email = EmailField(_l("Owner's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    return_window_days = IntegerField(_l("Return window (days)"), default=30,
                                      validators=[NumberRange(min=0, max=365)])
    shipping_fee = MoneyField(_l("Shipping fee"), places=2, default=0,
                                validators=[Optional(), NumberRange(min=0, max=100000)])
    free_shipping_threshold = MoneyField(_l("Free shipping from"), places=2,
                                           validators=[Optional(), NumberRange(min=0, max=100000)])
    is_self_operated = BooleanField(_l("Platform's own shop"))
