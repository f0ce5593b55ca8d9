"""Checkout, Order, OrderLine, Payment and Refund tables."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db

ZERO = Decimal("0.00")
CARRIER_MAX = 40
TRACKING_MAX = 40


class OrderStatus:
    """Order statuses; the happy path is pending_payment → paid → shipped → completed → settled (docs/payments.md)."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    SETTLED = "settled"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"
    ALL = (PENDING_PAYMENT, PAID, SHIPPED, COMPLETED, SETTLED, CANCELLED, REFUNDED, PARTIALLY_REFUNDED)
    #: Statuses from which goods can still be refunded.
    REFUNDABLE = (PAID, SHIPPED, COMPLETED, SETTLED, PARTIALLY_REFUNDED)


class Checkout(db.Model):
    """One checkout by a shopper, split into one order per shop."""

    __tablename__ = "checkouts"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    total = db.Column(Money, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    #: 1, 2, … : a new attempt after a decline gets a new gateway key (see `payment_key`).
    payment_attempt = db.Column(db.Integer, nullable=False, default=1, server_default="1")

    orders = db.relationship("Order", back_populates="checkout", order_by="Order.id")

    @property
    def payment_key(self) -> str:
        """The gateway's idempotency key for the current payment attempt of this checkout."""
        return f"checkout:{self.id}:{self.payment_attempt}"


class Order(db.Model):
    """One shop's part of a checkout."""

    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending_payment', 'paid', 'shipped', 'completed', 'settled', "
            "'cancelled', 'refunded', 'partially_refunded')",
            name="status",
        ),
        CheckConstraint("total >= 0 AND refunded_amount >= 0 AND refunded_amount <= total", name="amounts"),
        db.Index("ix_orders_tenant_status", "tenant_id", "status"),
        db.Index("ix_orders_user_created", "user_id", "created_at"),
        db.Index("ix_orders_settle_due", "status", "shipped_at"),
    )

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    checkout_id = db.Column(db.Integer, db.ForeignKey("checkouts.id"), nullable=False, index=True)
    status = db.Column(db.String(24), nullable=False, default=OrderStatus.PENDING_PAYMENT)
    #: Sum of the lines' unit price × quantity.
    goods = db.Column(Money, nullable=False)
    #: Member-price reductions.
    discount = db.Column(Money, nullable=False, default=ZERO)
    coupon_discount = db.Column(Money, nullable=False, default=ZERO)
    shipping = db.Column(Money, nullable=False, default=ZERO)
    points_used = db.Column(db.Integer, nullable=False, default=0)
    points_value = db.Column(Money, nullable=False, default=ZERO)
    wallet_paid = db.Column(Money, nullable=False, default=ZERO)
    gateway_paid = db.Column(Money, nullable=False, default=ZERO)
    #: Money the shopper pays: goods − discounts − points value + shipping = wallet + gateway.
    total = db.Column(Money, nullable=False)
    refunded_amount = db.Column(Money, nullable=False, default=ZERO)
    #: Every price adjustment of the quote, for explanations ({kind, label, amount, line}).
    adjustments = db.Column(db.JSON, nullable=False, default=list)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    paid_at = db.Column(UTCDateTime, nullable=True)
    shipped_at = db.Column(UTCDateTime, nullable=True)
    completed_at = db.Column(UTCDateTime, nullable=True)
    settled_at = db.Column(UTCDateTime, nullable=True)
    cancelled_at = db.Column(UTCDateTime, nullable=True)
    #: A copy of the delivery address chosen at checkout ({name, phone, region, city, district, street,
    #: postcode}); later edits of the shopper's address book leave it alone. None on orders placed before.
    address = db.Column(db.JSON, nullable=True)
    #: The carrier and tracking number given when the order shipped (free text, either may be absent).
    carrier = db.Column(db.String(CARRIER_MAX), nullable=True)
    tracking_no = db.Column(db.String(TRACKING_MAX), nullable=True)

    tenant = db.relationship("Tenant")
    user = db.relationship("User")
    checkout = db.relationship("Checkout", back_populates="orders")
    lines = db.relationship("OrderLine", back_populates="order", order_by="OrderLine.id")
    payments = db.relationship("Payment", order_by="Payment.id")
    refunds = db.relationship("Refund", order_by="Refund.id")

    @property
    def can_ship(self) -> bool:
        """Paid and not yet shipped (a partly refunded order still ships its remaining lines)."""
        return self.shipped_at is None and self.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)

    @property
    def can_complete(self) -> bool:
        """Shipped and not yet completed."""
        return (
            self.shipped_at is not None
            and self.completed_at is None
            and self.status in (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED)
        )

    @property
    def can_cancel(self) -> bool:
        """Not shipped and nothing refunded yet."""
        return self.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID)

    @property
    def can_refund(self) -> bool:
        """Some goods are still refundable."""
        return self.status in OrderStatus.REFUNDABLE and any(line.refundable_qty for line in self.lines)

    @property
    def can_review(self) -> bool:
        """Buyers review completed (or later settled) orders."""
        return self.completed_at is not None


class OrderLine(db.Model):
    """A product variant and quantity in an order, with its price breakdown and the variant's label then."""

    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_pos"),
        CheckConstraint("refunded_qty >= 0 AND refunded_qty <= qty", name="refunded_qty"),
    )

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False, index=True)
    variant_id = db.Column(db.Integer, db.ForeignKey("product_variants.id"), nullable=False, index=True)
    #: The product's names when it was bought (Chinese, English), so a later rename leaves the order as it was.
    name = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False, default="", server_default="")
    #: The variant's option values when it was bought ("M / Red"); "" for a product sold in one version.
    variant_label = db.Column(db.String(160), nullable=False, default="", server_default="")
    unit_price = db.Column(Money, nullable=False)
    qty = db.Column(db.Integer, nullable=False)
    sale = db.Column(db.Boolean, nullable=False, default=False)
    #: unit price × quantity.
    base = db.Column(Money, nullable=False)
    #: After member price and coupons.
    net = db.Column(Money, nullable=False)
    #: net less the points value spread on this line: money actually paid.
    paid = db.Column(Money, nullable=False)
    refunded_qty = db.Column(db.Integer, nullable=False, default=0)
    refunded_amount = db.Column(Money, nullable=False, default=ZERO)

    order = db.relationship("Order", back_populates="lines")
    product = db.relationship("Product")
    variant = db.relationship("ProductVariant")

    @property
    def refundable_qty(self) -> int:
        """Units not yet refunded."""
        return self.qty - self.refunded_qty


class Payment(db.Model):
    """Money received for an order, by method (gateway, or a plugin's method such as wallet)."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_nonneg"),)

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    method = db.Column(db.String(32), nullable=False)
    amount = db.Column(Money, nullable=False)
    refunded = db.Column(Money, nullable=False, default=ZERO)
    #: The gateway's transaction reference.
    reference = db.Column(db.String(64), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)


class Refund(db.Model):
    """A full or partial refund of an order, by staff."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonneg"),
        UniqueConstraint("order_id", "sequence"),
    )

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    #: 1, 2, … per order; with the order id it makes the refund's idempotency key.
    sequence = db.Column(db.Integer, nullable=False)
    amount = db.Column(Money, nullable=False)
    full = db.Column(db.Boolean, nullable=False, default=False)
    #: [{"line_id", "qty", "amount"}] refunded by this refund.
    lines = db.Column(db.JSON, nullable=False, default=list)
    #: {"method": amount} spread of the refunded money over the payment methods.
    by_method = db.Column(db.JSON, nullable=False, default=dict)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    #: The card part: "pending" until the gateway refund is sent after commit, then "sent"; None without one.
    gateway_state = db.Column(db.String(10), nullable=True)

    @property
    def idempotency_key(self) -> str:
        """Stable key for ledger rows written because of this refund."""
        return f"refund:{self.order_id}:{self.sequence}"
