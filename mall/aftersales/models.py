"""After-sales requests (售后): a shopper's refund or return of some order lines, and the units they hold."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, UniqueConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class AfterSaleKind:
    """Refund only (nothing comes back), or return and refund (the goods come back first)."""

    REFUND = "refund"
    RETURN = "return"
    ALL = (REFUND, RETURN)


class AfterSaleStatus:
    """requested → approved → returning → refunded for a return; requested → refunded for a refund; or rejected."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNING = "returning"
    REFUNDED = "refunded"
    ALL = (REQUESTED, APPROVED, REJECTED, RETURNING, REFUNDED)
    #: Statuses whose units stay held: a new request cannot ask for them again.
    OPEN = (REQUESTED, APPROVED, RETURNING)
    #: Statuses that wait for the merchant (the rest wait for the shopper, or are closed).
    AWAITING_SHOP = (REQUESTED, RETURNING)


#: Common reasons a shopper picks from; "other" needs words of their own.
REASONS = {
    "not_received": _l("Goods not received"),
    "damaged": _l("Arrived damaged"),
    "wrong_item": _l("Wrong item or size sent"),
    "not_as_described": _l("Not as described"),
    "quality": _l("Quality problem"),
    "no_longer_needed": _l("No longer needed"),
    "other": _l("Other reason"),
}

KIND_LABELS = {AfterSaleKind.REFUND: _l("Refund only"), AfterSaleKind.RETURN: _l("Return and refund")}

STATUS_LABELS = {
    AfterSaleStatus.REQUESTED: _l("Awaiting decision"),
    AfterSaleStatus.APPROVED: _l("Approved: awaiting return"),
    AfterSaleStatus.REJECTED: _l("Declined"),
    AfterSaleStatus.RETURNING: _l("Return on its way"),
    AfterSaleStatus.REFUNDED: _l("Refunded"),
}


class AfterSale(db.Model):
    """One after-sales request on one order; every change of status is a conditional update."""

    __tablename__ = "after_sales"
    __table_args__ = (
        CheckConstraint("kind IN ('refund', 'return')", name="kind"),
        CheckConstraint("status IN ('requested', 'approved', 'rejected', 'returning', 'refunded')", name="status"),
        db.Index("ix_after_sales_tenant_status", "tenant_id", "status", "id"),
        db.Index("ix_after_sales_user", "user_id", "id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False)
    order_id = db.Column(db.Integer, db.ForeignKey("orders.id"), nullable=False, index=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    kind = db.Column(db.String(10), nullable=False)
    status = db.Column(db.String(12), nullable=False, default=AfterSaleStatus.REQUESTED)
    reason_code = db.Column(db.String(24), nullable=False, default="other")
    reason = db.Column(db.String(500), nullable=False, default="")
    #: Keys of the shopper's photos in the media store (mall.media), at most MAX_PHOTOS.
    photos = db.Column(db.JSON, nullable=False, default=list)
    reject_reason = db.Column(db.String(500), nullable=True)
    #: The return's parcel back to the shop: a carrier as the ship form stores it, and its tracking number.
    carrier = db.Column(db.String(40), nullable=True)
    tracking_no = db.Column(db.String(40), nullable=True)
    refund_id = db.Column(db.Integer, db.ForeignKey("refunds.id"), nullable=True)
    #: The staff member who approved or rejected it.
    decided_by = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    approved_at = db.Column(UTCDateTime, nullable=True)
    rejected_at = db.Column(UTCDateTime, nullable=True)
    returned_at = db.Column(UTCDateTime, nullable=True)
    received_at = db.Column(UTCDateTime, nullable=True)
    refunded_at = db.Column(UTCDateTime, nullable=True)

    order = db.relationship("Order")
    tenant = db.relationship("Tenant")
    user = db.relationship("User", foreign_keys=[user_id])
    refund = db.relationship("Refund")
    lines = db.relationship("AfterSaleLine", back_populates="after_sale", order_by="AfterSaleLine.id")

    @property
    def is_open(self) -> bool:
        """Still holding its units (not rejected or refunded)."""
        return self.status in AfterSaleStatus.OPEN

    @property
    def awaits_return(self) -> bool:
        """An approved return the shopper has still to send back."""
        return self.kind == AfterSaleKind.RETURN and self.status == AfterSaleStatus.APPROVED


    @property
    def reason_text(self) -> str:
        """The chosen reason's label and the shopper's own words."""
        label = str(REASONS.get(self.reason_code, REASONS["other"]))
        return _("%(reason)s: %(details)s", reason=label, details=self.reason) if self.reason else label


class AfterSaleLine(db.Model):
    """Units of one order line asked for in a request."""

    __tablename__ = "after_sale_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_pos"), UniqueConstraint("after_sale_id", "order_line_id"))

    id = db.Column(db.Integer, primary_key=True)
    after_sale_id = db.Column(db.Integer, db.ForeignKey("after_sales.id"), nullable=False, index=True)
    order_line_id = db.Column(db.Integer, db.ForeignKey("order_lines.id"), nullable=False, index=True)
    qty = db.Column(db.Integer, nullable=False)

    after_sale = db.relationship("AfterSale", back_populates="lines")
    order_line = db.relationship("OrderLine")


class AfterSaleHold(db.Model):
    """Units of an order line held by open requests: one counter per line, moved only by conditional updates.

    A request takes its units with `held = held + n WHERE held + n <= qty − refunded_qty`, so two requests
    for the same units cannot both get them, whichever commits first.
    """

    __tablename__ = "after_sale_holds"
    __table_args__ = (CheckConstraint("held >= 0", name="held_nonneg"),)

    order_line_id = db.Column(db.Integer, db.ForeignKey("order_lines.id"), primary_key=True, autoincrement=False)
    held = db.Column(db.Integer, nullable=False, default=0)


#: How the order's timeline names each after-sales step (see operations.timeline_events).
EVENT_LABELS = {
    "after_sale_requested": _l("After-sales requested"),
    "after_sale_approved": _l("After-sales approved"),
    "after_sale_rejected": _l("After-sales declined"),
    "after_sale_returned": _l("Return sent back"),
    "after_sale_received": _l("Return received by the shop"),
    "after_sale_refunded": _l("After-sales refunded"),
}
