"""Cart rows: one per user and product variant."""

from sqlalchemy import CheckConstraint, UniqueConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class CartItem(db.Model):
    """A variant of a product and its quantity in a user's cart (product_id is the variant's product)."""

    __tablename__ = "cart_items"
    __table_args__ = (UniqueConstraint("user_id", "variant_id"), CheckConstraint("qty > 0", name="qty_pos"))

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False)
    variant_id = db.Column(db.Integer, db.ForeignKey("product_variants.id"), nullable=False, index=True)
    qty = db.Column(db.Integer, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    product = db.relationship("Product")
    variant = db.relationship("ProductVariant")
