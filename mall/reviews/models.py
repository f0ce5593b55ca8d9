"""Review table: one per order line."""

from sqlalchemy import CheckConstraint

from mall import clock
from mall.dbtypes import UTCDateTime
from mall.extensions import db


class Review(db.Model):
    """A buyer's rating and text for a product they received."""

    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id = db.Column(db.Integer, primary_key=True)
    tenant_id = db.Column(db.Integer, db.ForeignKey("tenants.id"), nullable=False, index=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id"), nullable=False, index=True)
    order_line_id = db.Column(db.Integer, db.ForeignKey("order_lines.id"), nullable=False, unique=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False)
    rating = db.Column(db.Integer, nullable=False)
    text = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(UTCDateTime, nullable=False, default=clock.now)

    user = db.relationship("User")
    #: The order line reviewed: which variant the reviewer bought (its label is shown with the review).
    line = db.relationship("OrderLine")
