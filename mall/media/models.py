"""The ProductImage table: a product's pictures in their order; the first one is the cover."""

from __future__ import annotations

from sqlalchemy import CheckConstraint
from sqlalchemy.orm import backref

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db

#: A product holds at most this many images (a gallery, not an archive).
MAX_IMAGES = 12


class ProductImage(db.Model):
    """One picture of a product: the display-size file and its thumbnail, by storage key."""

    __tablename__ = "product_images"
    __table_args__ = (
        CheckConstraint("position >= 0", name="position_nonneg"),
        db.Index("ix_product_images_product_position", "product_id", "position"),
    )

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(200), nullable=False)
    thumb_key = db.Column(db.String(200), nullable=False)
    width = db.Column(db.Integer, nullable=False)
    height = db.Column(db.Integer, nullable=False)
    #: 0, 1, 2 … in the order the merchant chose; the lowest is the cover.
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    # Deleting a product deletes its images through the ORM, so each one's files are removed too (receivers).
    product = db.relationship("Product", backref=backref(
        "images", order_by="[ProductImage.position, ProductImage.id]", cascade="all, delete-orphan"))

    @property
    def url(self) -> str:
        """Where the display-size picture is loaded from."""
        from mall.media.storage import storage

        return storage().url(self.key)

    @property
    def thumb_url(self) -> str:
        """Where the thumbnail is loaded from."""
        from mall.media.storage import storage

        return storage().url(self.thumb_key)
