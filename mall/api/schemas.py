"""Marshmallow schemas of the API's request bodies (also the OpenAPI components)."""

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from mall import clock
from mall.catalog.operations import MAX_PRICE, MAX_STOCK
from mall.checkout.quote import MAX_LINES, MAX_QTY


def two_places(value: Decimal) -> None:
    """Money has at most two decimals."""
    try:
        exact = value == value.quantize(Decimal("0.01"))
    except InvalidOperation:  # too many digits to be an amount at all
        exact = False
    if not exact:
        raise ValidationError(_l("Use at most two decimals."))


def Money(**kwargs):  # noqa: N802 (reads like a field class)
    """A non-negative decimal amount with at most two places, dumped as a string."""
    validators = [validate.Range(min=0, max=kwargs.pop("max", Decimal("100000000"))), two_places]
    return fields.Decimal(as_string=True, allow_nan=False, validate=validators, **kwargs)


def Int(**kwargs):  # noqa: N802
    """A JSON integer (strings and floats are refused)."""
    return fields.Integer(strict=True, **kwargs)


class RegisterSchema(Schema):
    """POST /auth/register."""

    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=128))
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    birthday = fields.Date(load_default=None, allow_none=True)
    referral_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))


class TokenSchema(Schema):
    """POST /auth/token."""

    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, validate=validate.Length(max=128))


class TenantSchema(Schema):
    """POST /platform/tenants."""

    slug = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    owner_email = fields.String(required=True, validate=validate.Length(max=254))
    return_window_days = Int(load_default=30, validate=validate.Range(min=0, max=365))
    shipping_fee = Money(load_default=Decimal("0.00"), max=Decimal("100000"))
    free_shipping_threshold = Money(load_default=None, allow_none=True, max=Decimal("100000"))
    timezone = fields.String(load_default=clock.PLATFORM_ZONE, validate=validate.Length(max=64))


class ProductSchema(Schema):
    """POST /shops/<slug>/products (PATCH takes the same fields, all optional)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    price = Money(required=True, max=MAX_PRICE)
    category = fields.String(required=True, validate=validate.Length(min=1, max=80))
    stock = Int(required=True, validate=validate.Range(min=0, max=MAX_STOCK))
    sale = fields.Boolean(load_default=False)
    description = fields.String(load_default="", validate=validate.Length(max=5000))
    sale_starts_at = fields.AwareDateTime(load_default=None, allow_none=True)
    sale_ends_at = fields.AwareDateTime(load_default=None, allow_none=True)
    is_active = fields.Boolean(load_default=True)


class RefundLineSchema(Schema):
    """One line of a refund."""

    line_id = Int(required=True)
    qty = Int(required=True, validate=validate.Range(min=1, max=MAX_QTY))


class RefundSchema(Schema):
    """POST /shops/<slug>/orders/<id>/refund: either lines or full."""

    lines = fields.List(fields.Nested(RefundLineSchema), validate=validate.Length(min=1, max=MAX_LINES))
    full = fields.Boolean()

    @validates_schema
    def _one_of(self, data, **kwargs):
        if bool(data.get("lines")) == bool(data.get("full")):
            raise ValidationError(_l("Send either lines or full: true."), "_schema")


class CheckoutLineSchema(Schema):
    """One cart line."""

    product_id = Int(required=True, validate=validate.Range(min=1))
    qty = Int(required=True, validate=validate.Range(min=1, max=MAX_QTY))


class CheckoutSchema(Schema):
    """POST /checkout/quote and /checkout."""

    lines = fields.List(fields.Nested(CheckoutLineSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))
    coupons = fields.List(Int(validate=validate.Range(min=1)), load_default=list, validate=validate.Length(max=20))
    points = fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                         values=Int(validate=validate.Range(min=0)), load_default=dict)
    wallet = Money(load_default=None, allow_none=True)
    payment_token = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


class ReviewSchema(Schema):
    """POST /orders/<id>/lines/<line_id>/review."""

    rating = Int(required=True, validate=validate.Range(min=1, max=5))
    text = fields.String(load_default="", validate=validate.Length(max=2000))
