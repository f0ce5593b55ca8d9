"""Saving an uploaded image (the one place its rules are applied) and a product's images: add, order, cover,
delete. Callers commit."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from mall.catalog.models import Product
from mall.extensions import db
from mall.media import images
from mall.media.models import MAX_IMAGES, ProductImage
from mall.media.storage import storage

_FOLDER = re.compile(r"[a-z0-9_-]+(?:/[a-z0-9_-]+)*")
#: Keys written in the open transaction: removed again if it rolls back (see receivers).
SAVED_KEYS = "mall_media_saved"


@dataclass(frozen=True)
class SavedImage:
    """A stored picture: its key and address, and those of its thumbnail."""

    key: str
    url: str
    thumb_url: str
    thumb_key: str = ""
    width: int = 0
    height: int = 0


def thumb_key_for(key: str) -> str:
    """The thumbnail's key beside a picture's key ("a/b.jpg" → "a/b_thumb.jpg")."""
    stem, _, extension = key.rpartition(".")
    return f"{stem}_thumb.{extension}"


def read_upload(file_storage) -> bytes:
    """The uploaded file's bytes, refused when there is none, it is empty or larger than MAX_IMAGE_BYTES."""
    if file_storage is None:
        raise images.refuse(_("Choose an image file."))
    limit = current_app.config["MAX_IMAGE_BYTES"]
    raw = file_storage.stream.read(limit + 1)
    if not raw:
        raise images.refuse(_("Choose an image file."))
    if len(raw) > limit:
        raise too_large()
    return raw


def too_large():
    """The refusal of a file above MAX_IMAGE_BYTES."""
    limit = current_app.config["MAX_IMAGE_BYTES"]
    return images.refuse(_("The image may be at most %(mb)s MB.", mb=f"{limit / (1024 * 1024):g}"))


def save_image(file_storage, *, folder: str) -> SavedImage:
    """Check an upload (JPEG, PNG or WebP; size; pixels), make its display size and thumbnail, and store both.

    Raises FieldErrors on the `file` field for anything that is not an acceptable picture. The files are
    removed again if the transaction that saved them rolls back.
    """
    if not _FOLDER.fullmatch(folder):
        raise ValueError(f"not a media folder: {folder!r}")
    prepared = images.prepare(read_upload(file_storage), current_app.config["MAX_IMAGE_PIXELS"])
    key = f"{folder}/{secrets.token_hex(16)}.{prepared.extension}"
    thumb = thumb_key_for(key)
    store = storage()
    session = db.session()
    session.connection()  # the files belong to a transaction from here on: its rollback removes them
    store.save(key, prepared.display.data, prepared.content_type)
    session.info.setdefault(SAVED_KEYS, []).append(key)
    store.save(thumb, prepared.thumb.data, prepared.content_type)
    session.info[SAVED_KEYS].append(thumb)
    return SavedImage(key, store.url(key), store.url(thumb), thumb, prepared.display.width, prepared.display.height)


def _lock(product: Product) -> list[ProductImage]:
    """Lock the product's row (so two edits of its images take turns) and return its images in order."""
    db.session.execute(db.select(Product.id).where(Product.id == product.id).with_for_update())
    return list(db.session.execute(
        db.select(ProductImage).where(ProductImage.product_id == product.id)
        .order_by(ProductImage.position, ProductImage.id)
    ).scalars())


def _renumber(ordered: list[ProductImage]) -> None:
    for position, image in enumerate(ordered):
        if image.position != position:
            image.position = position
    db.session.flush()


def add_product_image(product: Product, file_storage) -> ProductImage:
    """Store an uploaded picture as the product's last image (its cover when it is the first)."""
    ordered = _lock(product)
    if len(ordered) >= MAX_IMAGES:
        raise images.refuse(_("A product may have at most %(n)d images; delete one first.", n=MAX_IMAGES))
    saved = save_image(file_storage, folder=f"products/{product.tenant_id}")
    position = ordered[-1].position + 1 if ordered else 0
    image = ProductImage(tenant_id=product.tenant_id, product_id=product.id, key=saved.key,
                         thumb_key=saved.thumb_key, width=saved.width, height=saved.height, position=position)
    db.session.add(image)
    db.session.flush()
    db.session.expire(product, ["images"])
    return image


def move_image(image: ProductImage, step: int) -> None:
    """Move an image one place earlier (step −1) or later (+1); at either end nothing moves."""
    ordered = _lock(image.product)
    index = ordered.index(image)
    target = index + (1 if step > 0 else -1)
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)
    db.session.expire(image.product, ["images"])


def make_cover(image: ProductImage) -> None:
    """Make an image the product's cover: it moves to the front, the others keep their order."""
    ordered = _lock(image.product)
    ordered.remove(image)
    _renumber([image, *ordered])
    db.session.expire(image.product, ["images"])


def delete_image(image: ProductImage) -> None:
    """Delete an image (its files go once the deletion commits); the next one becomes the cover if it was."""
    product = image.product
    ordered = _lock(product)
    ordered.remove(image)
    db.session.delete(image)
    _renumber(ordered)
    db.session.expire(product, ["images"])


def image_json(image: ProductImage) -> dict:
    """An image in the API: {id, url, thumb_url}."""
    return {"id": image.id, "url": image.url, "thumb_url": image.thumb_url}


def images_json(product: Product) -> list[dict]:
    """A product's images for the API, the cover first."""
    return [image_json(image) for image in product.images]
