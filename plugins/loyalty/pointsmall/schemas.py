"""Points-mall shapes: an item's terms as the API and the merchant's form send them, and the malls' replies."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields

from mall.validation import Int, Money, Points, Text
from plugins.loyalty.web.schemas import Body, MoneyString

MAX_POINTS_PRICE = 10_000_000
MAX_CASH_PRICE = Decimal("1000000")
MAX_PER_MEMBER = 10_000


class RedeemableSchema(Body):
    """PUT …/points-mall/<variant_id>: what the item costs in the mall and who may redeem it."""

    points_price = Points(1, MAX_POINTS_PRICE, required=True, metadata={"description": "points per unit"})
    cash_price = Money(0, MAX_CASH_PRICE, load_default=Decimal("0"),
                       metadata={"description": "money per unit besides the points; 0 for points alone; below the "
                                                "variant's price"})
    min_tier = Text(40, load_default=None, allow_none=True,
                    metadata={"description": "the lowest tier code of the mall's programme that may redeem it"})
    hide_locked = fields.Boolean(load_default=False,
                                 metadata={"description": "hide the item from lower tiers instead of showing it "
                                                          "locked"})
    per_member_limit = Int(1, MAX_PER_MEMBER, load_default=None, allow_none=True,
                           metadata={"description": "units one member may redeem in all (refunds give them back)"})


class Item(Schema):
    """An item of a points mall, as the caller sees it."""

    variant_id = fields.Integer()
    product_id = fields.Integer()
    shop = fields.String(metadata={"description": "the selling shop's slug"})
    name = fields.String()
    variant_label = fields.String()
    image = fields.String(allow_none=True)
    price = MoneyString(metadata={"description": "the variant's price in money"})
    points_price = fields.Integer()
    cash_price = MoneyString()
    stock = fields.Integer()
    min_tier = fields.String(allow_none=True)
    per_member_limit = fields.Integer(allow_none=True)
    left = fields.Integer(allow_none=True, metadata={"description": "units the caller may still redeem"})
    locked = fields.Boolean()
    reason = fields.String(allow_none=True, metadata={"description": 'why it is locked, e.g. "For SVIP members"'})
    affordable = fields.Boolean(metadata={"description": "the caller's balance covers one unit"})
    active = fields.Boolean()


class MallReply(Schema):
    """A mall: the caller's balance in its programme and its items."""

    programme = fields.String(metadata={"description": 'the shop\'s slug or "platform"'})
    balance = fields.Integer(allow_none=True, metadata={"description": "the caller's available points; null when "
                                                                           "not a member"})
    tier = fields.String(allow_none=True)
    items = fields.List(fields.Nested(Item))


class ItemReply(Schema):
    """An item just listed or changed (terms only; `locked` is for the merchant's view false)."""

    item = fields.Nested(Item)
