"""Member shapes in the API: memberships, members, check-in and paid tier requests and replies."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.validation import Text
from plugins.loyalty.web.schemas import Body, MoneyString, Programme


class CheckInBody(Body):
    """Which programme to check in to."""

    programme = Programme


class PaidTierBody(Body):
    """Buying or renewing a paid tier."""

    programme = Programme
    tier = Text(40, 1, required=True, metadata={"example": "plus"})
    pay_with = fields.String(required=True, validate=validate.OneOf(["wallet", "gateway"]))
    payment_token = Text(64, load_default=None, allow_none=True)


class Level(Schema):
    """A tier."""

    code = fields.String()
    name = fields.String()


class Balances(Schema):
    """Points balances."""

    available = fields.Integer()
    pending = fields.Integer()


class Membership(Schema):
    """A membership of a shop's or the platform's programme."""

    programme = fields.String()
    level = fields.Nested(Level)
    points = fields.Nested(Balances)
    level_metric = MoneyString()
    level_expires_at = fields.DateTime(allow_none=True)
    joined_at = fields.DateTime()


class MembershipReply(Schema):
    """One membership."""

    membership = fields.Nested(Membership)


class MemberDetailReply(MembershipReply):
    """A shop's member with their latest orders in the shop (see the core API's order shape)."""

    user_id = fields.Integer()
    name = fields.String()
    orders = fields.List(fields.Dict())


class MembershipsReply(Schema):
    """Every programme the shopper belongs to."""

    items = fields.List(fields.Nested(Membership))


class CheckInReply(Schema):
    """Points earned and the streak."""

    points = fields.Integer()
    streak = fields.Integer()


class Member(Membership):
    """A member in a shop's list."""

    user_id = fields.Integer()
    name = fields.String()


class MembersReply(Schema):
    """One page of a shop's members."""

    items = fields.List(fields.Nested(Member))
    total = fields.Integer()


class Purchase(Schema):
    """A paid tier purchase."""

    tier = fields.String()
    fee = MoneyString()
    paid_with = fields.String()
    wallet_bonus = MoneyString()
    wallet_cash = MoneyString()
    gateway_paid = MoneyString()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()


class PurchaseReply(MembershipReply):
    """The membership after buying, and the purchase."""

    purchase = fields.Nested(Purchase)
