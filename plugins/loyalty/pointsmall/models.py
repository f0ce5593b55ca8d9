"""Points-mall tables: the items a mall lists, what members bought there, and each member's count per item."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db
from mall.money import ZERO


class Redeemable(db.Model):
    """A variant a programme's mall sells for points (and optionally some cash); one mall per variant."""

    __tablename__ = "loyalty_redeemables"
    __table_args__ = (
        CheckConstraint("points_price >= 1", name="points_price"),
        CheckConstraint("cash_price >= 0", name="cash_price"),
        CheckConstraint("per_member_limit IS NULL OR per_member_limit >= 1", name="per_member_limit"),
    )

    id = db.Column(db.Integer, primary_key=True)
    #: The mall: a shop's programme (its own items) or the platform's (items of any shop, funded by the platform).
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    #: The shop selling the variant.
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False, index=True)
    #: A variant is sold in one mall at most, so a line bought for points names its mall by its variant.
    variant_id = db.Column(db.Integer, db.ForeignKey("product_variants.id"), nullable=False, unique=True)
    points_price = db.Column(db.Integer, nullable=False)
    #: Money paid besides the points, per unit; 0 for points alone.
    cash_price = db.Column(Money, nullable=False, default=ZERO)
    #: The lowest tier (a code of the mall's programme) that may redeem it; None for every member.
    min_tier = db.Column(db.String(40), nullable=True)
    #: Hidden from members below min_tier rather than shown locked.
    hide_locked = db.Column(db.Boolean, nullable=False, default=False)
    #: Units one member may redeem in all (refunded units count no more); None for no limit.
    per_member_limit = db.Column(db.Integer, nullable=True)
    #: False once taken out of the mall (kept for the purchases that name it).
    active = db.Column(db.Boolean, nullable=False, default=True)
    updated_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    programme = db.relationship("Programme")
    product = db.relationship("Product")
    variant = db.relationship("ProductVariant")


class MallPurchase(db.Model):
    """An order line bought in a points mall: the points it spent and what refunds gave back."""

    __tablename__ = "loyalty_mall_purchases"
    __table_args__ = (
        CheckConstraint("qty_returned >= 0 AND qty_returned <= qty", name="qty_returned"),
    )

    id = db.Column(db.Integer, primary_key=True)
    redeemable_id = db.Column(db.Integer, db.ForeignKey("loyalty_redeemables.id"), nullable=False, index=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), nullable=False, index=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    order_line_id = db.Column(db.Integer, db.ForeignKey("order_lines.id"), nullable=False, unique=True)
    qty = db.Column(db.Integer, nullable=False)
    #: points_price × qty, spent from the member's lots (entry key keys.mall_spend(order_line_id)).
    points = db.Column(db.Integer, nullable=False)
    #: cash_price × qty, paid as money with the order.
    cash = db.Column(Money, nullable=False)
    #: Units refunded or cancelled so far, whose points went back to their lots.
    qty_returned = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    redeemable = db.relationship("Redeemable")


class MallCount(db.Model):
    """Units of an item a member holds (bought less refunded): raised only by a conditional update under the limit."""

    __tablename__ = "loyalty_mall_counts"
    __table_args__ = (CheckConstraint("bought >= 0", name="bought"),)

    redeemable_id = db.Column(db.Integer, db.ForeignKey("loyalty_redeemables.id"), primary_key=True)
    membership_id = db.Column(db.Integer, db.ForeignKey("loyalty_memberships.id"), primary_key=True)
    bought = db.Column(db.Integer, nullable=False, default=0)
