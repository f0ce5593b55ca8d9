"""Coupon template forms: creating a template and editing its offer after it is made."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from mall.forms import MoneyField, local_midnight
from plugins.loyalty.budgets.forms import BudgetFields


class PickField(SelectMultipleField):
    """Several of a shop's rows (products, categories) as a list of check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        """Only the choices offered (the shop's own rows); a foreign or made-up id is this field's error."""
        offered = {str(choice[0]) for choice in self.iter_choices()}
        if any(str(value) not in offered for value in self.data or ()):
            raise ValidationError(_("Choose from the list."))


class TemplateEditForm(BudgetFields, FlaskForm):
    """What may change on a template that may already have issued coupons."""

    name = StringField(_l("Name in Chinese"), validators=[InputRequired(), Length(max=80)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(), Length(max=80)])
    stock = IntegerField(_l("Stock (empty = unlimited)"), validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    per_member_limit = IntegerField(_l("Per member"), validators=[InputRequired(), NumberRange(min=1, max=100)])
    valid_days = IntegerField(_l("Valid for days after issue"), validators=[Optional(), NumberRange(min=1, max=3650)])
    claimable = BooleanField(_l("Shoppers may claim it in the coupon centre"))
    points_price = IntegerField(_l("Points price (empty = free)"),
                                validators=[Optional(), NumberRange(min=1, max=10_000_000)])

    def __init__(self, *args, issued: int = 0, window: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.issued = issued
        self.window = window

    def validate_stock(self, field):
        """Stock cannot drop below what has been issued."""
        if field.data is not None and field.data < self.issued:
            raise ValidationError(_("%(n)d are already issued; stock cannot be lower.", n=self.issued))

    def validate(self, extra_validators=None):
        """A template without a from/until window lives by its valid days: they cannot be left empty."""
        valid = super().validate(extra_validators)
        if self.valid_days.data is None and not self.window and not self.valid_days.errors:
            self.valid_days.errors = [_("Give the number of days a coupon stays valid.")]
            valid = False
        return valid


class TemplateForm(BudgetFields, FlaskForm):
    """A coupon template as a merchant fills it in; the template schema checks the combination."""

    name = StringField(_l("Name in Chinese"), validators=[InputRequired(), Length(max=80)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("amount_off", _l("Amount off")),
                                            SelectChoice("percent_off", _l("Percent off (factor paid)")),
                                            SelectChoice("free_shipping", _l("Free shipping"))])
    value = MoneyField(_l("Amount off, or factor paid (0.80 = 20 percent off)"), places=2, validators=[Optional()])
    min_spend = MoneyField(_l("Minimum spend"), places=2, default=0, validators=[Optional()])
    max_discount = MoneyField(_l("Largest discount (percent off)"), places=2, validators=[Optional()])
    exclude_sale_items = BooleanField(_l("Not on sale items"))
    stock = IntegerField(_l("Stock (empty = unlimited)"), validators=[Optional()])
    per_member_limit = IntegerField(_l("Per member"), default=1, validators=[InputRequired()])
    validity = RadioField(_l("Valid"), default="days", choices=[
        SelectChoice("days", _l("For a number of days after it is issued")),
        SelectChoice("dates", _l("Between two dates"))])
    valid_days = IntegerField(_l("Valid for days after issue"), default=30, validators=[Optional()])
    valid_from = DateField(_l("Valid from (shop time)"), validators=[Optional()])
    valid_until = DateField(_l("Valid until, inclusive (shop time)"), validators=[Optional()])
    category_ids = PickField(_l("Only these categories"), coerce=int, validators=[Optional()],
                             description=_l("None ticked: every category."))
    product_ids = PickField(_l("Only these products"), coerce=int, validators=[Optional()],
                            description=_l("None ticked: every product. Goods outside the scope get no discount."))
    claimable = BooleanField(_l("Shoppers may claim it in the coupon centre"))
    points_price = IntegerField(_l("Points price (empty = free)"), validators=[Optional()])
    funded_by = SelectField(_l("Who pays for the discount"), choices=[
        SelectChoice("", _l("This programme's owner")), SelectChoice("shop", _l("The shop")),
        SelectChoice("platform", _l("The platform")), SelectChoice("split", _l("Shared"))], validators=[Optional()])
    platform_share = MoneyField(_l("Platform's share when shared (0–1)"), places=2, validators=[Optional()])

    def raw(self, tz: str) -> dict:
        """The form as the template schema takes it (decimals as strings, dates as the shop's midnights, the
        last day included, empty optionals left out)."""
        raw = {"name": self.name.data, "name_en": self.name_en.data or "", "kind": self.kind.data,
               "exclude_sale_items": self.exclude_sale_items.data, "per_member_limit": self.per_member_limit.data,
               "claimable": self.claimable.data, "category_ids": list(self.category_ids.data or []),
               "product_ids": list(self.product_ids.data or [])}
        if self.validity.data == "dates":
            if self.valid_from.data is not None:
                raw["valid_from"] = local_midnight(self.valid_from.data, tz)
            if self.valid_until.data is not None:
                raw["valid_until"] = local_midnight(self.valid_until.data + timedelta(days=1), tz) \
                    if self.valid_until.data.year < 9999 else local_midnight(self.valid_until.data, tz)
        elif self.valid_days.data is not None:
            raw["valid_days"] = self.valid_days.data
        if self.funded_by.data:
            raw["funded_by"] = self.funded_by.data
        for name in ("value", "min_spend", "max_discount", "platform_share"):
            if getattr(self, name).data is not None:
                raw[name] = str(getattr(self, name).data)
        for name in ("stock", "points_price"):
            if getattr(self, name).data is not None:
                raw[name] = getattr(self, name).data
        if (budget := self.budget_raw()) is not None:
            raw["budget"] = budget
        return raw
