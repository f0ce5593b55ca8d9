"""Catalogue search: its query-string arguments (read the same by the page and the API) and the API's reply."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, missing, validate, validates_schema

from mall.catalog.operations import MAX_PRICE
from mall.form_numbers import is_whole_number, plain_amount
from mall.media.schemas import ImageOut
from mall.validation import two_places

#: How results may be ordered; without one, the best match comes first (the newest without search words).
SORTS = ("price", "-price", "sales", "new")
#: Pages a search may go to (20 products each): past that, narrower words find it faster than paging.
MAX_PAGE = 1000
MAX_QUERY = 100


class _Blank:
    """A query-string argument left empty (an untouched filter of the page's form) counts as not given."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        """The default for a blank value; otherwise read and validated as the field says."""
        if isinstance(value, str) and not value.strip():
            default = self.load_default() if callable(self.load_default) else self.load_default
            return None if default is missing else default
        return super().deserialize(value, attr, data, **kwargs)


class QueryWhole(_Blank, fields.Integer):
    """A whole number in a query string: ASCII digits only (`int()` would also read "٣" or " +3")."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = value.strip() if isinstance(value, str) else value
        if not is_whole_number(text) or len(text) > 10:
            raise self.make_error("invalid")
        return int(text)


class QueryAmount(_Blank, fields.Decimal):
    """An amount in a query string: digits with at most two decimals, no exponent, NaN or infinity."""

    def _deserialize(self, value, attr, data, **kwargs):
        amount = plain_amount(value)
        if amount is None:
            raise self.make_error("invalid")
        return amount


class BlankText(_Blank, fields.String):
    """Text in a query string, None when empty."""


def _price(**kwargs):
    return QueryAmount(as_string=True,
                       validate=[validate.Range(min=Decimal(0), max=MAX_PRICE), two_places], **kwargs)


class SearchArgs(Schema):
    """GET /products and the /search page: ?q=&shop=&category=&min_price=&max_price=&sort=&page=."""

    class Meta:
        unknown = EXCLUDE

    q = BlankText(validate=validate.Length(max=MAX_QUERY),
                  metadata={"description": "Words in the product's, its category's or its shop's name."})
    shop = BlankText(validate=validate.Length(max=40),
                     metadata={"description": "Only this shop (its address name, e.g. vancl)."})
    category = BlankText(validate=validate.Length(max=80),
                         metadata={"description": "Only products in a category of this name, in any shop."})
    min_price = _price(metadata={"description": "Lowest price, yuan."})
    max_price = _price(metadata={"description": "Highest price, yuan."})
    sort = BlankText(validate=validate.OneOf(SORTS),
                     metadata={"description": "price (low first), -price (high first), sales (most sold first), "
                                              "new (newest first); empty or absent: best match first."})
    page = QueryWhole(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))

    @validates_schema
    def _range(self, data, **kwargs):
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise ValidationError([_l("The highest price must not be below the lowest.")], "max_price")


class VariantOut(Schema):
    """One variant (SKU) of a product: its options and their label, its own price and stock."""

    id = fields.Integer(required=True)
    product_id = fields.Integer(required=True)
    sku = fields.String(required=True)
    options = fields.Dict(keys=fields.String(), values=fields.String())
    label = fields.String()
    price = fields.String(required=True, metadata={"example": "129.00"})
    stock = fields.Integer()
    position = fields.Integer()
    is_active = fields.Boolean()


class ProductOut(Schema):
    """A product in the API (as GET /shops/<slug>/products/<id> shows it), with its images (the cover first) and
    variants; `name`, `category` and `description` in the request's language, the `_zh` / `_en` values as stored."""

    id = fields.Integer(required=True)
    shop = fields.String(required=True)
    name = fields.String(required=True)
    name_zh = fields.String()
    name_en = fields.String()
    price = fields.String(required=True, metadata={"example": "129.00"})
    category = fields.String(allow_none=True)
    category_zh = fields.String(allow_none=True)
    category_en = fields.String(allow_none=True)
    stock = fields.Integer()
    sale = fields.Boolean()
    description = fields.String()
    description_zh = fields.String()
    description_en = fields.String()
    variants = fields.List(fields.Nested(VariantOut), required=True)
    sale_starts_at = fields.String(allow_none=True)
    sale_ends_at = fields.String(allow_none=True)
    is_active = fields.Boolean()
    images = fields.List(fields.Nested(ImageOut), required=True)


class ProductPage(Schema):
    """GET /products: one page of results and how many there are."""

    items = fields.List(fields.Nested(ProductOut), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)
