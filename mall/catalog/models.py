"""Category and Product tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint

from mall import clock
from mall.dbtypes import Money, UTCDateTime
from mall.extensions import db


class Category(db.Model):
    """A product category inside one shop."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    #: The Chinese name; `name_en` the English one (either may stand in for the other: mall.i18n.localized).
    name = db.Column(db.String(80), nullable=False)
    name_en = db.Column(db.String(80), nullable=False, default="", server_default="")
    position = db.Column(db.Integer, nullable=False, default=0)


class Product(db.Model):
    """A product of one shop; `stock` is only ever changed by conditional updates."""

    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price >= 0", name="price_nonneg"),
        CheckConstraint("stock >= 0", name="stock_nonneg"),
        CheckConstraint("sales >= 0", name="sales_nonneg"),
        db.Index("ix_products_tenant_active", "tenant_id", "is_active"),
    )

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=True, index=True)
    #: Chinese name and description; the `_en` columns hold the English (shown by mall.i18n.localized).
    name = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False, default="", server_default="")
    description = db.Column(db.Text, nullable=False, default="")
    description_en = db.Column(db.Text, nullable=False, default="", server_default="")
    price = db.Column(Money, nullable=False)
    stock = db.Column(db.Integer, nullable=False, default=0)
    #: Special-price / flash-sale / group-buy item, which member discounts may exclude.
    sale = db.Column(db.Boolean, nullable=False, default=False)
    #: Optional limited-time window (限时购): the item can only be bought inside it.
    sale_starts_at = db.Column(UTCDateTime, nullable=True)
    sale_ends_at = db.Column(UTCDateTime, nullable=True)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)
    #: Units sold: paid units less refunded ones, kept by mall.catalog.receivers; search sorts by it.
    sales = db.Column(db.Integer, nullable=False, default=0, server_default="0", index=True)

    category = db.relationship("Category")
    tenant = db.relationship("Tenant")

    def window_state(self, moment: datetime | None = None) -> str:
        """'open', 'upcoming' or 'ended' with respect to the sale window."""
        moment = moment or clock.now()
        if self.sale_starts_at and moment < self.sale_starts_at:
            return "upcoming"
        if self.sale_ends_at and moment >= self.sale_ends_at:
            return "ended"
        return "open"

    def is_buyable(self, moment: datetime | None = None) -> bool:
        """Whether a shopper may buy it now (active, in its window, in stock)."""
        return self.is_active and self.stock > 0 and self.window_state(moment) == "open"
