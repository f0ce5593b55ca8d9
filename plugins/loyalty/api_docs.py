"""Request and response shapes of the loyalty API, for its OpenAPI document (the views build the JSON)."""

from __future__ import annotations

from marshmallow import Schema, fields

from plugins.loyalty.coupons import TemplateSchema
from plugins.loyalty.document import ProgrammeSchema

Money = fields.String  # "123.40": two decimals, as a string


class ProgrammeBody(ProgrammeSchema):
    """A programme document as PROGRAMME.md describes it."""


class CheckInBody(Schema):
    """Which programme to check in to."""

    programme = fields.String(metadata={"description": 'a shop slug or "platform"'})


class TopUpBody(Schema):
    """A wallet top-up through the gateway."""

    amount = Money(required=True)
    payment_token = fields.String()


class PaidTierBody(Schema):
    """Buying or renewing a paid tier."""

    programme = fields.String(metadata={"description": '"platform" (default) or a shop slug'})
    tier = fields.String(required=True, metadata={"example": "plus"})
    pay_with = fields.String(required=True, metadata={"enum": ["wallet", "gateway"]})
    payment_token = fields.String()


class PointsAdjustBody(Schema):
    """A staff points adjustment."""

    delta = fields.Integer(required=True)
    reason = fields.String(required=True)


class WalletAdjustBody(Schema):
    """An operator's wallet adjustment."""

    amount = Money(required=True)
    balance = fields.String(required=True, metadata={"enum": ["cash", "bonus"]})
    reason = fields.String(required=True)


class CouponTemplateBody(TemplateSchema):
    """A coupon template."""


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
    level_metric = Money()
    level_expires_at = fields.DateTime(allow_none=True)
    joined_at = fields.DateTime()


class MembershipReply(Schema):
    """One membership."""

    membership = fields.Nested(Membership)


class MembershipsReply(Schema):
    """Every programme the shopper belongs to."""

    items = fields.List(fields.Nested(Membership))


class PointsEntry(Schema):
    """A points ledger row."""

    delta = fields.Integer()
    kind = fields.String()
    status = fields.String(metadata={"enum": ["available", "pending"]})
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


class PointsReply(Balances):
    """Balances and one page of history."""

    items = fields.List(fields.Nested(PointsEntry))


class CheckInReply(Schema):
    """Points earned and the streak."""

    points = fields.Integer()
    streak = fields.Integer()


class Wallet(Schema):
    """Wallet balances."""

    cash = Money()
    bonus = Money()
    total = Money()


class WalletReply(Schema):
    """A wallet after a change."""

    wallet = fields.Nested(Wallet)


class WalletHistoryReply(Wallet):
    """Balances and one page of history."""

    items = fields.List(fields.Dict())


class Coupon(Schema):
    """A shopper's coupon."""

    id = fields.Integer()
    template_id = fields.Integer()
    programme = fields.String()
    name = fields.String()
    kind = fields.String()
    value = fields.String()
    min_spend = Money()
    status = fields.String(metadata={"enum": ["available", "used", "expired"]})
    valid_from = fields.DateTime()
    valid_until = fields.DateTime()
    used_order_id = fields.Integer(allow_none=True)


class CouponReply(Schema):
    """A coupon just issued."""

    coupon = fields.Nested(Coupon)


class CouponsReply(Schema):
    """The shopper's coupons."""

    items = fields.List(fields.Nested(Coupon))


class TemplateReply(Schema):
    """A template just created."""

    template = fields.Dict()


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
    fee = Money()
    paid_with = fields.String()
    wallet_bonus = Money()
    wallet_cash = Money()
    gateway_paid = Money()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()


class PurchaseReply(MembershipReply):
    """The membership after buying, and the purchase."""

    purchase = fields.Nested(Purchase)


class ProgrammeReply(Schema):
    """The current programme document with its version."""

    programme = fields.Dict()


class SegmentPreviewBody(Schema):
    """A segment filter (see SegmentSchema: tier, lifecycle, activity, recent, spend, category, birthday, …)."""

    filter = fields.Dict(required=True)


class SegmentMember(Schema):
    """A member in a preview's sample."""

    user_id = fields.Integer()
    name = fields.String()
    tier = fields.String()
    points = fields.Integer()


class SegmentPreviewReply(Schema):
    """How many members match, and a sample."""

    count = fields.Integer()
    sample = fields.List(fields.Nested(SegmentMember))


class PushBody(Schema):
    """A coupon push."""

    template_id = fields.Integer(required=True)
    filter = fields.Dict()
    channels = fields.List(fields.String(metadata={"enum": ["inbox", "email", "sms"]}))


class PushState(Schema):
    """A push's progress."""

    id = fields.Integer()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "cancelled", "failed"]})
    targeted = fields.Integer()
    issued = fields.Integer()
    skipped = fields.Integer()


class PushReply(Schema):
    """One push."""

    push = fields.Nested(PushState)
