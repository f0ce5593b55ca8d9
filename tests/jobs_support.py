"""A job used by the queue tests: it marks a product, committing its own work."""

from mall.catalog.models import Product
from mall.extensions import db


def mark_product(product_id: int, text: str) -> None:
    """Append `text` to a product's description (idempotent)."""
    product = db.session.get(Product, product_id)
    if text not in product.description:
        product.description += text
    db.session.commit()


def mark_if_ready(product_id: int, text: str) -> None:
    """Fails until the product's description says "ready" (a job that needs a retry)."""
    product = db.session.get(Product, product_id)
    if "ready" not in product.description:
        raise RuntimeError("not ready yet")
    product.description += text
    db.session.commit()
