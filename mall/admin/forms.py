"""Merchant admin forms."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from mall.catalog.operations import CATEGORY_MAX, DESCRIPTION_MAX, NAME_MAX
from mall.catalog.variants import MAX_PRICE, MAX_STOCK, MAX_VARIANTS, OPTION_NAME_MAX, OPTION_VALUE_MAX, SKU_MAX
from mall.errors import FieldErrors
from mall.form_numbers import object_id
from mall.forms import MoneyField, plausible_moment, show_field_errors
from mall.tenants.operations import DESCRIPTION_MAX as SHOP_DESCRIPTION_MAX
from mall.tenants.operations import NAME_MAX as SHOP_NAME_MAX

#: Option columns of the variants table (MAX_OPTIONS).
OPTION_COLUMNS = ("option1", "option2", "option3")


class VariantRowForm(Form):
    """One row of the product form's variants table; a row left blank adds nothing."""

    variant_id = HiddenField()
    option1 = StringField(_l("Option 1"), validators=[Optional(), Length(max=OPTION_VALUE_MAX)])
    option2 = StringField(_l("Option 2"), validators=[Optional(), Length(max=OPTION_VALUE_MAX)])
    option3 = StringField(_l("Option 3"), validators=[Optional(), Length(max=OPTION_VALUE_MAX)])
    sku = StringField(_l("SKU"), validators=[Optional(), Length(max=SKU_MAX)])
    price = MoneyField(_l("Price"), places=2, validators=[Optional(), NumberRange(min=0, max=MAX_PRICE)])
    stock = IntegerField(_l("Stock"), validators=[Optional(), NumberRange(min=0, max=MAX_STOCK)])
    on_sale = BooleanField(_l("On sale"), default=True)
    remove = BooleanField(_l("Remove"))


class ProductForm(FlaskForm):
    """Create or edit a product with its variants: up to three option names (size, colour…) head the variants
    table, whose rows give each variant's option values, SKU, price and stock."""

    name = StringField(_l("Name in Chinese"), validators=[DataRequired(), Length(max=NAME_MAX)])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional(), Length(max=NAME_MAX)])
    category = StringField(_l("Category in Chinese"), validators=[Optional(), Length(max=CATEGORY_MAX)])
    category_en = StringField(_l("Category in English (optional)"), validators=[Optional(), Length(max=CATEGORY_MAX)])
    option1 = StringField(_l("Option 1 name"), validators=[Optional(), Length(max=OPTION_NAME_MAX)])
    option2 = StringField(_l("Option 2 name"), validators=[Optional(), Length(max=OPTION_NAME_MAX)])
    option3 = StringField(_l("Option 3 name"), validators=[Optional(), Length(max=OPTION_NAME_MAX)])
    variants = FieldList(FormField(VariantRowForm), min_entries=1, max_entries=MAX_VARIANTS + 1)
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


def fill_variants(form: ProductForm, product) -> None:
    """Put a product's variants into an unsubmitted form: its option names over the columns, a row per variant
    (those taken off sale too) and a blank row for adding one."""
    variants = product.variants if product is not None else []
    names: list[str] = []
    for variant in variants:
        names += [name for name in variant.options if name not in names]
    for column, name in zip(OPTION_COLUMNS, names, strict=False):
        getattr(form, column).data = name
    while form.variants.entries:
        form.variants.pop_entry()
    for variant in variants:
        values = {column: variant.options.get(name, "") for column, name in zip(OPTION_COLUMNS, names, strict=False)}
        form.variants.append_entry({"variant_id": str(variant.id), "sku": variant.sku, "price": variant.price,
                                    "stock": variant.stock, "on_sale": variant.is_active, **values})
    add_row(form)


def add_row(form: ProductForm) -> None:
    """One more blank row in the variants table, up to the most a product may have."""
    if len(form.variants.entries) < form.variants.max_entries:
        form.variants.append_entry()


def variant_rows(form: ProductForm) -> tuple[list[dict], list[int]] | None:
    """The submitted variants as rows for the catalogue (blank and removed rows left out), with the table row of
    each; None, with messages on the fields, when an option value has no option name or two names repeat."""
    names = [(column, (getattr(form, column).data or "").strip()) for column in OPTION_COLUMNS]
    ok = _names_differ(form, names)
    rows, at = [], []
    for index, entry in enumerate(form.variants.entries):
        row = entry.form
        raw_id = (row.variant_id.data or "").strip()
        if row.remove.data or _blank(row, raw_id):
            continue
        for column, name in names:
            if not name and (getattr(row, column).data or "").strip():
                getattr(row, column).errors = [_("Name this option above the table first.")]
                ok = False
        rows.append({"id": (object_id(raw_id) or 0) if raw_id else None, "sku": (row.sku.data or "").strip() or None,
                     "options": {name: (getattr(row, column).data or "").strip() for column, name in names if name},
                     "price": row.price.data, "stock": row.stock.data, "is_active": bool(row.on_sale.data)})
        at.append(index)
    return (rows, at) if ok else None


def _names_differ(form: ProductForm, names) -> bool:
    seen = set()
    for column, name in names:
        if name and name in seen:
            getattr(form, column).errors = [_("Give each option its own name.")]
            return False
        seen.add(name)
    return True


def _blank(row, raw_id: str) -> bool:
    """A new row with nothing typed in it (the spare row at the bottom of the table)."""
    typed = (row.option1, row.option2, row.option3, row.sku, row.price, row.stock)
    return not raw_id and not any(str((field.raw_data or [""])[0]).strip() for field in typed)


#: Where a message about a variant's value goes in its table row.
_ROW_FIELDS = {"options": "option1", "id": "sku", "is_active": "on_sale"}


def show_variant_errors(form: ProductForm, exc: FieldErrors, at: list[int]) -> None:
    """Attach the catalogue's messages ("variants.<i>.<field>") to the table rows they are about, the rest to the
    form (with the summary at its top)."""
    rest: dict = {}
    for key, messages in exc.fields.items():
        parts = key.split(".")
        if parts[0] == "variants" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(at):
            row = form.variants.entries[at[int(parts[1])]].form
            field = getattr(row, _ROW_FIELDS.get(parts[2], parts[2]), row.sku)
            field.errors = list(field.errors) + list(messages)
        elif parts[0] == "variants":
            form.form_errors = list(getattr(form, "form_errors", [])) + list(messages)
        else:
            rest[key] = messages
    show_field_errors(form, FieldErrors(exc.message, rest))


class StaffForm(FlaskForm):
    """Add a staff member by e-mail."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=[SelectChoice("support", _l("Support")),
                                            SelectChoice("manager", _l("Manager")),
                                            SelectChoice("owner", _l("Owner"))])
