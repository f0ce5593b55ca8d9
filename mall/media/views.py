"""Media pages: the files themselves (/media/…, for development: production lets the web server serve the
folder) and the merchant's image actions on a product (upload, move, make cover, delete)."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, send_from_directory, url_for
from flask_babel import gettext as _

from mall.boundary import commits, refusal_text
from mall.catalog.models import Product
from mall.errors import api_error, is_api_request
from mall.media import operations
from mall.media.models import MAX_IMAGES, ProductImage
from mall.media.storage import KEY, LocalStorage, storage
from mall.tenants.access import get_in_tenant_or_404, public, staff_required
from mall.tenants.models import StaffRole

bp = Blueprint("media", __name__)
#: Room for the multipart envelope around one image of MAX_IMAGE_BYTES.
ENVELOPE = 1024 * 1024
#: A year: a key is never reused for other content, so a browser may keep a file as long as it likes.
CACHE_SECONDS = 365 * 24 * 3600


def takes_image(view=None, *, count: int = 1, back=None):
    """Mark a view that receives image uploads (`count` at most): its request may be that many times
    MAX_IMAGE_BYTES (plus the envelope). `back(**view_args)` is the page a refused upload returns to."""
    def mark(view):
        view.takes_image, view.image_back = count, back or _back_to_images
        return view

    return mark(view) if view is not None else mark


@bp.route("/media/<path:key>")
@public
def media_file(key: str):
    """A stored file from the local media folder; any other key (or another storage) is a 404."""
    store = storage()
    if not isinstance(store, LocalStorage) or not KEY.fullmatch(key):
        abort(404)
    return send_from_directory(store.root, key, max_age=CACHE_SECONDS)


def _edit_page(shop: str, product_id: int, **_ignored) -> str:
    return url_for("admin.product_edit", shop=shop, product_id=product_id, _anchor="images")


def _back_to_images(shop: str, product_id: int, **_ignored) -> str:
    # A refusal is flashed at the top of the page, so it opens at the top, not at the images.
    return url_for("admin.product_edit", shop=shop, product_id=product_id)


@bp.route("/admin/<shop>/products/<int:product_id>/images", methods=["POST"])
@takes_image
@staff_required(StaffRole.MANAGER)
@commits(back=_back_to_images)
def product_image_upload(shop: str, product_id: int):
    """Add an uploaded picture to the product (JPEG, PNG or WebP)."""
    product = get_in_tenant_or_404(Product, product_id)
    operations.add_product_image(product, request.files.get("file"))
    flash(_("Image added."), "success")
    return redirect(_edit_page(shop, product_id))


def _image(product_id: int, image_id: int) -> ProductImage:
    image = get_in_tenant_or_404(ProductImage, image_id)
    if image.product_id != product_id:
        abort(404)
    return image


@bp.route("/admin/<shop>/products/<int:product_id>/images/<int:image_id>/move", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back=_back_to_images)
def product_image_move(shop: str, product_id: int, image_id: int):
    """Move an image one place earlier or later."""
    operations.move_image(_image(product_id, image_id), -1 if request.form.get("step") == "-1" else 1)
    return redirect(_edit_page(shop, product_id))


@bp.route("/admin/<shop>/products/<int:product_id>/images/<int:image_id>/cover", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back=_back_to_images)
def product_image_cover(shop: str, product_id: int, image_id: int):
    """Make an image the product's cover."""
    operations.make_cover(_image(product_id, image_id))
    flash(_("Cover image changed."), "success")
    return redirect(_edit_page(shop, product_id))


@bp.route("/admin/<shop>/products/<int:product_id>/images/<int:image_id>/delete", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back=_back_to_images)
def product_image_delete(shop: str, product_id: int, image_id: int):
    """Delete an image."""
    operations.delete_image(_image(product_id, image_id))
    flash(_("Image deleted."), "success")
    return redirect(_edit_page(shop, product_id))


def _upload_size():
    """Let an image upload through the app's small body limit, and refuse a larger one by its declared length
    with the same message as a large file (422 on `file`), before its body is read."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "takes_image", False):
        return None
    allowed = current_app.config["MAX_IMAGE_BYTES"] * view.takes_image + ENVELOPE
    request.max_content_length = allowed
    if request.content_length is None or request.content_length <= allowed:
        return None
    refusal = operations.too_large()
    if is_api_request():
        return api_error(422, refusal.code, refusal.message, refusal.fields)
    flash(refusal_text(refusal), "error")
    return redirect(view.image_back(**request.view_args))


def init_app(app: Flask) -> None:
    """Register the pages, the upload size rule (before the input check reads any body) and the receivers."""
    from mall.media import receivers  # noqa: F401  (files follow their rows)

    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _upload_size)

    @app.context_processor
    def _media_limits():
        return {"max_images": MAX_IMAGES, "max_image_mb": f"{app.config['MAX_IMAGE_BYTES'] / (1024 * 1024):g}"}
