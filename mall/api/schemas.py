"""Marshmallow schemas of the API's request bodies (also the OpenAPI components)."""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from mall import clock
from mall.catalog.variants import (
    MAX_OPTIONS,
    MAX_PRICE,
    MAX_STOCK,
    MAX_VARIANTS,
    OPTION_NAME_MAX,
    OPTION_VALUE_MAX,
    SKU_MAX,
    SKU_PATTERN,
)
from mall.checkout.quote import MAX_LINES, MAX_QTY
from mall.orders.models import CARRIER_MAX, TRACKING_MAX
from mall.tenants.models import is_zone
from mall.validation import Birthday, Id, Int, Moment, Money, Points, Text


def _zone(name: str) -> None:
    if not is_zone(name):
        raise ValidationError([_l("Give a time zone such as Asia/Shanghai.")])


class RegisterSchema(Schema):
    """POST /auth/register."""

    email = Text(254, required=True)
    password = Text(128, required=True)
    name = Text(80, 1, required=True)
    birthday = Birthday(load_default=None, allow_none=True)
    referral_code = Text(16, load_default=None, allow_none=True)


class TokenSchema(Schema):
    """POST /auth/token."""

    email = Text(254, required=True)
    password = Text(128, required=True)


class TenantSchema(Schema):
    """POST /platform/tenants."""

    slug = Text(40, 1, required=True)
    name = Text(120, 1, required=True, metadata={"description": "the shop's name in Chinese"})
    name_en = Text(120, load_default="", metadata={"description": "its name in English (optional)"})
    description = Text(5000, load_default="")
    description_en = Text(5000, load_default="")
    owner_email = Text(254, required=True)
    return_window_days = Int(0, 365, load_default=30)
    shipping_fee = Money(high=Decimal("100000"), load_default=Decimal("0.00"))
    free_shipping_threshold = Money(high=Decimal("100000"), load_default=None, allow_none=True)
    timezone = fields.String(load_default=clock.PLATFORM_ZONE, validate=[validate.Length(max=64), _zone],
                             metadata={"example": clock.PLATFORM_ZONE})


def _sku(value) -> None:
    if not SKU_PATTERN.fullmatch(value):
        raise ValidationError([_l("Use up to %(n)d letters, digits and . _ / - (starting with a letter or digit).",
                                  n=SKU_MAX)])


class VariantChangeSchema(Schema):
    """PATCH /shops/<slug>/variants/<id>: the fields of one variant to change."""

    sku = fields.String(validate=[validate.Length(min=1, max=SKU_MAX), _sku],
                        metadata={"pattern": SKU_PATTERN.pattern, "example": "TEE-M-RED"})
    options = fields.Dict(keys=Text(OPTION_NAME_MAX, 1), values=Text(OPTION_VALUE_MAX, 1),
                          validate=validate.Length(max=MAX_OPTIONS), metadata={"example": {"size": "M"}})
    price = Money(high=MAX_PRICE)
    stock = Int(0, MAX_STOCK)
    is_active = fields.Boolean()


class VariantSchema(VariantChangeSchema):
    """One variant of a product: its SKU (made up when absent), options, price and stock. In a PATCH of the
    product, `id` names a variant kept; the variants left out are removed (deactivated when ordered)."""

    id = Id(load_default=None)
    sku = fields.String(load_default=None, validate=[validate.Length(min=1, max=SKU_MAX), _sku],
                        metadata={"pattern": SKU_PATTERN.pattern, "example": "TEE-M-RED"})
    options = fields.Dict(keys=Text(OPTION_NAME_MAX, 1), values=Text(OPTION_VALUE_MAX, 1), load_default=dict,
                          validate=validate.Length(max=MAX_OPTIONS), metadata={"example": {"size": "M"}})
    price = Money(high=MAX_PRICE, required=True)
    stock = Int(0, MAX_STOCK, required=True)
    is_active = fields.Boolean(load_default=True)


class ProductSchema(Schema):
    """POST /shops/<slug>/products (PATCH takes the same fields, all optional): `variants`, or for a product
    sold in one version `price` and `stock`.

    `name`, `description` and `category` are the Chinese texts, the `_en` fields the English ones;
    each language falls back to the other where one is empty. A non-empty `category_en` names the
    category in English for every product in it.
    """

    name = Text(120, 1, required=True, metadata={"description": "the name in Chinese"})
    name_en = Text(120, load_default="", metadata={"description": "the name in English (optional)"})
    price = Money(high=MAX_PRICE)
    category = Text(80, 1, required=True, metadata={"description": "the category's name in Chinese"})
    category_en = Text(80, load_default="", metadata={"description": "the category's name in English (optional)"})
    stock = Int(0, MAX_STOCK)
    variants = fields.List(fields.Nested(VariantSchema), validate=validate.Length(min=1, max=MAX_VARIANTS))
    sale = fields.Boolean(load_default=False)
    description = Text(5000, load_default="")
    description_en = Text(5000, load_default="")
    sale_starts_at = Moment(load_default=None, allow_none=True)
    sale_ends_at = Moment(load_default=None, allow_none=True)
    is_active = fields.Boolean(load_default=True)

    @validates_schema
    def _variants_or_price(self, data, partial=False, **kwargs):
        if data.get("variants") is not None:
            given = [name for name in ("price", "stock") if name in data]
            if given:
                raise ValidationError({name: [_l("Give the price and stock of each variant in variants.")]
                                       for name in given})
        elif not partial:
            missing = [name for name in ("price", "stock") if name not in data]
            if missing:
                raise ValidationError({name: [_l("This field is required (or give variants).")]
                                       for name in missing})


class RefundLineSchema(Schema):
    """One line of a refund."""

    line_id = Id(required=True)
    qty = Int(1, MAX_QTY, required=True)


class RefundSchema(Schema):
    """POST /shops/<slug>/orders/<id>/refund: either lines or full."""

    lines = fields.List(fields.Nested(RefundLineSchema), validate=validate.Length(min=1, max=MAX_LINES))
    full = fields.Boolean()

    @validates_schema
    def _one_of(self, data, **kwargs):
        if bool(data.get("lines")) == bool(data.get("full")):
            raise ValidationError([_l("Send either lines or full: true.")], "_schema")


class CheckoutLineSchema(Schema):
    """One cart line: a variant_id, or the product_id of a product sold in one version."""

    variant_id = Id(load_default=None)
    product_id = Id(load_default=None)
    qty = Int(1, MAX_QTY, required=True)
    redeem = fields.Boolean(load_default=False, metadata={
        "description": "buy the line for points in a points mall (its points_price and cash_price)"})


class CheckoutSchema(Schema):
    """POST /checkout/quote and /checkout."""

    lines = fields.List(fields.Nested(CheckoutLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))
    coupons = fields.List(Id(), load_default=list, validate=validate.Length(max=20))
    points = fields.Dict(keys=Text(40), values=Points(), load_default=dict, validate=validate.Length(max=20))
    wallet = Money(load_default=None, allow_none=True)
    payment_token = Text(64, load_default=None, allow_none=True)
    address_id = Id(load_default=None, allow_none=True,
                    metadata={"description": "one of the shopper's addresses; without it, the default address"})


class ShipSchema(Schema):
    """POST /shops/<slug>/orders/<id>/ship: the carrier (free text) and tracking number, both optional."""

    carrier = Text(CARRIER_MAX, load_default=None, allow_none=True, metadata={"example": "顺丰速运"})
    tracking_no = Text(TRACKING_MAX, load_default=None, allow_none=True, metadata={"example": "SF1234567890123"})


class ReviewSchema(Schema):
    """POST /orders/<id>/lines/<line_id>/review."""

    rating = Int(1, 5, required=True)
    text = Text(2000, load_default="")
