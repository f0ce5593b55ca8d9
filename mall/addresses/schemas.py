"""Address shapes in the API: the body of an add or change, and the replies."""

from __future__ import annotations

from marshmallow import Schema, fields

from mall.addresses.models import NAME_MAX, PHONE_MAX, PLACE_MAX, POSTCODE_MAX, STREET_MAX
from mall.validation import Text


class AddressBody(Schema):
    """POST /me/addresses: a new address (is_default makes it the default; the first one always is)."""

    name = Text(NAME_MAX, 1, required=True, metadata={"description": "the recipient"})
    phone = Text(PHONE_MAX, 1, required=True, metadata={"example": "13800138000"})
    region = Text(PLACE_MAX, 1, required=True, metadata={"description": "province or state", "example": "上海市"})
    city = Text(PLACE_MAX, 1, required=True, metadata={"example": "上海市"})
    district = Text(PLACE_MAX, load_default=None, allow_none=True, metadata={"example": "静安区"})
    street = Text(STREET_MAX, 1, required=True, metadata={"example": "南京西路 1266 号 12 楼"})
    postcode = Text(POSTCODE_MAX, load_default=None, allow_none=True, metadata={"example": "200040"})
    is_default = fields.Boolean(load_default=None, allow_none=True, truthy={True}, falsy={False})


class AddressChangeBody(Schema):
    """PUT /me/addresses/<id>: the fields to change (the others keep their value)."""

    name = Text(NAME_MAX, 1)
    phone = Text(PHONE_MAX, 1)
    region = Text(PLACE_MAX, 1)
    city = Text(PLACE_MAX, 1)
    district = Text(PLACE_MAX, allow_none=True)
    street = Text(STREET_MAX, 1)
    postcode = Text(POSTCODE_MAX, allow_none=True)
    is_default = fields.Boolean(allow_none=True, truthy={True}, falsy={False},
                                metadata={"description": "true moves the default here"})


class AddressOut(Schema):
    """An address as the API shows it."""

    id = fields.Integer()
    name = fields.String()
    phone = fields.String()
    region = fields.String()
    city = fields.String()
    district = fields.String(allow_none=True)
    street = fields.String()
    postcode = fields.String(allow_none=True)
    is_default = fields.Boolean()


class AddressReply(Schema):
    """One address."""

    address = fields.Nested(AddressOut)


class AddressesReply(Schema):
    """The shopper's addresses, the default first."""

    items = fields.List(fields.Nested(AddressOut))


class AddressDeletedReply(Schema):
    """What is left after a delete: the id deleted and the default now (null when no address is left)."""

    deleted = fields.Integer()
    default_id = fields.Integer(allow_none=True)


def address_json(address) -> dict:
    """An address in the API."""
    return {"id": address.id, **address.snapshot(), "is_default": address.is_default}
