"""A job used by the queue tests: it marks a product, committing its own work."""

from mall.catalog.models import Product
from mall.extensions import db


def mark_product(product_id: int, text: str) -> None:
    """Append `text` to a product's description (idempotent)."""
    product = db.session.get(Product, product_id)
    if text not in product.description:
        product.description += text
    db.session.commit()
