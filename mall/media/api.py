"""The media API: a shop's staff add a picture to one of the shop's products (another shop's product is a 404)."""

from flask import request

from mall.api import bp, write
from mall.api.openapi import documented
from mall.catalog.models import Product
from mall.media import operations
from mall.media.schemas import UPLOAD_BODY, ImageReply
from mall.media.views import takes_image
from mall.tenants.access import get_in_tenant_or_404, staff_required
from mall.tenants.models import StaffRole


@bp.route("/shops/<shop>/products/<int:product_id>/images", methods=["POST"])
@documented(UPLOAD_BODY, ImageReply, created=True, content="multipart/form-data")
@takes_image
@staff_required(StaffRole.MANAGER)
@write
def product_image_create(shop: str, product_id: int):
    """Add a picture (multipart field `file`: JPEG, PNG or WebP) to a product; the first one is its cover."""
    product = get_in_tenant_or_404(Product, product_id)
    image = operations.add_product_image(product, request.files.get("file"))
    return 201, {"image": operations.image_json(image)}
