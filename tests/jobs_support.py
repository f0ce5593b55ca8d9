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


class FlakySms:
    """An SMS provider that fails `failures` times, then writes like the default; `sent` lists every call."""

    failures = 0
    calls: list = []

    def __init__(self, config):
        from mall.notifications.channels import FileSms

        self.inner = FileSms(config)

    def send(self, key: str, to: str, text: str) -> None:
        """Fail while failures remain, else write the text once per key."""
        FlakySms.calls.append(key)
        if FlakySms.failures > 0:
            FlakySms.failures -= 1
            raise ConnectionError("gateway timed out")
        self.inner.send(key, to, text)


class CountingSms:
    """An SMS provider that logs every call (repeats included) to calls.log, then writes like the default."""

    def __init__(self, config):
        from mall.notifications.channels import FileSms

        self.inner = FileSms(config)
        self.log = config["SMS_OUTBOX_DIR"] + "/calls.log"

    def send(self, key: str, to: str, text: str) -> None:
        """Log the call, then write the text once per key."""
        with open(self.log, "a", encoding="utf-8") as handle:
            handle.write(key + "\n")
        self.inner.send(key, to, text)
