"""Coupon tables: templates and the coupons issued from them."""

from __future__ import annotations

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db
from mall.money import ZERO


class CouponTemplate(db.Model):
    """What a coupon is worth, where and when it applies, and how many may exist."""

    __tablename__ = "loyalty_coupon_templates"
    __table_args__ = (
        CheckConstraint("kind IN ('amount_off', 'percent_off', 'free_shipping')", name="kind"),
        CheckConstraint("stock IS NULL OR issued <= stock", name="within_stock"),
    )

    id = db.Column(db.Integer, primary_key=True)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=True, index=True)
    #: The Chinese name; `name_en` the English one (shown by mall.i18n.localized).
    name = db.Column(db.String(80), nullable=False)
    name_en = db.Column(db.String(80), nullable=False, default="", server_default="")
    kind = db.Column(db.String(16), nullable=False)
    #: amount_off: yuan off; percent_off: the factor paid (0.80 = 20 % off); free_shipping: 0.
    value = db.Column(db.Numeric(12, 2), nullable=False)
    min_spend = db.Column(Money, nullable=False, default=ZERO)
    max_discount = db.Column(Money, nullable=True)
    exclude_sale_items = db.Column(db.Boolean, nullable=False, default=False)
    #: Empty lists = the whole shop.
    category_ids = db.Column(db.JSON, nullable=False, default=list)
    product_ids = db.Column(db.JSON, nullable=False, default=list)
    stock = db.Column(db.Integer, nullable=True)
    issued = db.Column(db.Integer, nullable=False, default=0)
    per_member_limit = db.Column(db.Integer, nullable=False, default=1)
    valid_days = db.Column(db.Integer, nullable=True)
    valid_from = db.Column(UTCDateTime, nullable=True)
    valid_until = db.Column(UTCDateTime, nullable=True)
    claimable = db.Column(db.Boolean, nullable=False, default=False)
    points_price = db.Column(db.Integer, nullable=True)
    #: "shop", "platform" or "split" (co-funded; platform_share of the discount is the platform's).
    funded_by = db.Column(db.String(10), nullable=False, default="shop")
    platform_share = db.Column(db.Numeric(5, 4), nullable=False, default=0)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    #: {"amount" | "points", "period"}: what issuing may give per period (plugins/loyalty/budgets), or None.
    budget = db.Column(db.JSON, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    programme = db.relationship("Programme")


class Coupon(db.Model):
    """A coupon issued to a shopper; used by at most one checkout."""

    __tablename__ = "loyalty_coupons"
    __table_args__ = (db.Index("ix_loyalty_coupons_user", "user_id", "valid_until"),
                      # How many of a template a member holds (the per-member limit), in one index probe.
                      db.Index("ix_loyalty_coupons_template_user", "template_id", "user_id"))

    id = db.Column(db.Integer, primary_key=True)
    # Indexed by (template_id, user_id) above.
    template_id = db.Column(db.Integer, db.ForeignKey("loyalty_coupon_templates.id"), nullable=False)
    programme_id = db.Column(db.Integer, db.ForeignKey("loyalty_programmes.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    #: claim, exchange, join, birthday, level, staff, push
    source = db.Column(db.String(12), nullable=False)
    #: Unique per issue: "<template>:<user>:<n>" for claims (n ≤ per-member limit), or the rule's period.
    issue_key = db.Column(db.String(120), nullable=False, unique=True)
    valid_from = db.Column(UTCDateTime, nullable=False)
    valid_until = db.Column(UTCDateTime, nullable=False)
    used_checkout_id = db.Column(db.Integer, db.ForeignKey("checkouts.id"), nullable=True)
    used_order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=True, index=True)
    used_at = db.Column(UTCDateTime, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    template = db.relationship("CouponTemplate")
    programme = db.relationship("Programme")

    def status(self, at) -> str:
        """available, used or expired at a moment."""
        if self.used_order_id is not None:
            return "used"
        return "expired" if at >= self.valid_until else "available"
