"""Category, Product and ProductVariant tables."""

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
    """A product of one shop, sold as one or more variants (ProductVariant).

    `price` is the "from" price (the lowest active variant's) and `stock` the total of the active variants'
    stock: both are kept in step by mall.catalog.variants, so listings and sorting read the product alone.
    The variants' own stock is the truth, only ever changed by conditional updates.
    """

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
    variants = db.relationship("ProductVariant", back_populates="product",
                               order_by="[ProductVariant.position, ProductVariant.id]")

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

    @property
    def active_variants(self) -> list[ProductVariant]:
        """The variants on sale, in the merchant's order."""
        return [v for v in self.variants if v.is_active]

    @property
    def has_options(self) -> bool:
        """Whether the shopper chooses among variants (a product sold in one version has none)."""
        return any(v.options for v in self.active_variants)


class ProductVariant(db.Model):
    """One version of a product (a size and colour, say): its own SKU code, price and stock.

    `options` is a JSON object of option name to value ({"size": "M", "colour": "Red"}), {} for a product
    sold in one version. A variant that was ordered is never deleted, only deactivated, so order lines keep it.
    """

    __tablename__ = "product_variants"
    __table_args__ = (
        UniqueConstraint("tenant_id", "sku"),
        CheckConstraint("price >= 0", name="price_nonneg"),
        CheckConstraint("stock >= 0", name="stock_nonneg"),
    )

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False, index=True)
    sku = db.Column(db.String(64), nullable=False)
    options = db.Column(db.JSON, nullable=False, default=dict)
    price = db.Column(Money, nullable=False)
    stock = db.Column(db.Integer, nullable=False, default=0)
    position = db.Column(db.Integer, nullable=False, default=0)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    product = db.relationship("Product", back_populates="variants")

    @property
    def label(self) -> str:
        """The option values as a shopper reads them ("M / Red"); "" for a product sold in one version."""
        return variant_label(self.options)

    def is_buyable(self, moment: datetime | None = None) -> bool:
        """Whether a shopper may buy this variant now (it and its product on sale, in the window, in stock)."""
        product = self.product
        return (self.is_active and product.is_active and self.stock > 0
                and product.window_state(moment) == "open")


def variant_label(options) -> str:
    """Option values joined for display: {"size": "M", "colour": "Red"} → "M / Red"."""
    if not isinstance(options, dict):
        return ""
    return " / ".join(str(value) for value in options.values())
