"""Request shapes of the loyalty API (the views validate bodies with them) and its reply shapes, for OpenAPI."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from mall.validation import Money as Amount
from mall.validation import Points, Text
from plugins.loyalty.coupons import TemplateSchema
from plugins.loyalty.document import ProgrammeSchema
from plugins.loyalty.pushes import PushSchema
from plugins.loyalty.wallet import MAX_TOP_UP

Money = fields.String  # "123.40": two decimals, as a string
#: A programme in a request body: a shop's slug or "platform".
Programme = Text(40, metadata={"description": 'a shop slug or "platform" (the default)'})


class ProgrammeBody(ProgrammeSchema):
    """A programme document as PROGRAMME.md describes it."""


class Body(Schema):
    """A request body: unknown keys are errors, so a typo never silently does nothing."""

    class Meta:
        unknown = RAISE


class CheckInBody(Body):
    """Which programme to check in to."""

    programme = Programme


class TopUpBody(Body):
    """A wallet top-up through the gateway."""

    amount = Amount("0.01", MAX_TOP_UP, required=True)
    payment_token = Text(64, load_default=None, allow_none=True)


class PaidTierBody(Body):
    """Buying or renewing a paid tier."""

    programme = Programme
    tier = Text(40, 1, required=True, metadata={"example": "plus"})
    pay_with = fields.String(required=True, validate=validate.OneOf(["wallet", "gateway"]))
    payment_token = Text(64, load_default=None, allow_none=True)


class PointsAdjustBody(Body):
    """A staff points adjustment (not zero)."""

    delta = Points(-1_000_000, 1_000_000, required=True)
    reason = Text(200, 2, required=True)


class WalletAdjustBody(Body):
    """An operator's wallet adjustment: positive credits, negative debits."""

    amount = Amount(-MAX_TOP_UP, MAX_TOP_UP, required=True)
    balance = fields.String(required=True, validate=validate.OneOf(["cash", "bonus"]))
    reason = Text(200, 2, required=True)


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


class MemberDetailReply(MembershipReply):
    """A shop's member with their latest orders in the shop (see the core API's order shape)."""

    user_id = fields.Integer()
    name = fields.String()
    orders = fields.List(fields.Dict())


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


class SegmentPreviewBody(Body):
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


class PushBody(PushSchema):
    """A coupon push: a template, a filter or a saved segment, channels, and optionally when."""


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
