"""API for shop staff: products and orders of one shop (other shops' objects are 404)."""

from flask import g, jsonify, request
from sqlalchemy.orm import selectinload

from mall.api import bp, load, write
from mall.api.schemas import ProductSchema, RefundSchema, ShipSchema, VariantChangeSchema
from mall.api.serializers import order_detail_json, order_json, product_json
from mall.catalog import operations as catalog
from mall.catalog import variants
from mall.catalog.models import Product, ProductVariant
from mall.extensions import db
from mall.money import format_money
from mall.orders import operations as orders
from mall.orders.models import Order, OrderStatus
from mall.pagination import page_number
from mall.tenants.access import actor, get_in_tenant_or_404, scoped, staff_required
from mall.tenants.models import StaffRole

PAGE = 50


@bp.route("/shops/<shop>/products", methods=["GET"])
@staff_required(StaffRole.SUPPORT)
def product_index(shop: str):
    """The shop's products, 50 a page."""
    select = scoped(Product).order_by(Product.id).options(selectinload(Product.images))
    rows = db.session.execute(select.limit(PAGE).offset((page_number() - 1) * PAGE)).scalars()
    return jsonify({"items": [product_json(p) for p in rows]})


@bp.route("/shops/<shop>/products", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@write
def product_create(shop: str):
    """Create a product."""
    product = catalog.save_product(g.tenant, None, load(ProductSchema()))
    return 201, {"product": product_json(product)}


@bp.route("/shops/<shop>/products/<int:product_id>", methods=["GET"])
@staff_required(StaffRole.SUPPORT)
def product_show(shop: str, product_id: int):
    """One product."""
    return jsonify({"product": product_json(get_in_tenant_or_404(Product, product_id))})


@bp.route("/shops/<shop>/products/<int:product_id>", methods=["PATCH"])
@staff_required(StaffRole.MANAGER)
@write
def product_update(shop: str, product_id: int):
    """Change some fields of a product; `variants`, when given, is its whole new list of variants."""
    product = get_in_tenant_or_404(Product, product_id)
    # Price and stock are the variants': only those given change (a product sold in one version's variant).
    current = {"name": product.name, "name_en": product.name_en, "category": product.category,
               "sale": product.sale, "description": product.description,
               "description_en": product.description_en, "is_active": product.is_active,
               "sale_starts_at": product.sale_starts_at, "sale_ends_at": product.sale_ends_at}
    # Only the product's own fields may be left out: each variant in `variants` is given whole.
    data = {**current, **load(ProductSchema(partial=tuple(ProductSchema().fields)))}
    return 200, {"product": product_json(catalog.save_product(g.tenant, product, data))}


@bp.route("/shops/<shop>/variants/<int:variant_id>", methods=["PATCH"])
@staff_required(StaffRole.MANAGER)
@write
def variant_update(shop: str, variant_id: int):
    """Change some fields of one variant (SKU, options, price, stock, on sale)."""
    variant = get_in_tenant_or_404(ProductVariant, variant_id)
    variants.change_variant(g.tenant, variant, load(VariantChangeSchema()))
    return 200, {"product": product_json(variant.product)}


@bp.route("/shops/<shop>/variants/<int:variant_id>", methods=["DELETE"])
@staff_required(StaffRole.MANAGER)
@write
def variant_delete(shop: str, variant_id: int):
    """Remove a variant: deleted, or only taken off sale when it was ordered (orders keep it)."""
    variant = get_in_tenant_or_404(ProductVariant, variant_id)
    product = variant.product
    deactivated = variants.drop_variant(g.tenant, variant)
    return 200, {"product": product_json(product), "deactivated": deactivated}


@bp.route("/shops/<shop>/orders", methods=["GET"])
@staff_required(StaffRole.SUPPORT)
def shop_order_index(shop: str):
    """The shop's orders, newest first, optionally by status."""
    select = scoped(Order).order_by(Order.id.desc())
    status = request.args.get("status")
    if status in OrderStatus.ALL:
        select = select.where(Order.status == status)
    rows = db.session.execute(select.limit(PAGE).offset((page_number() - 1) * PAGE)).scalars()
    return jsonify({"items": [order_json(o) for o in rows]})


@bp.route("/shops/<shop>/orders/<int:order_id>", methods=["GET"])
@staff_required(StaffRole.SUPPORT)
def shop_order_show(shop: str, order_id: int):
    """One of the shop's orders, with its timeline (settlement included)."""
    return jsonify({"order": order_detail_json(get_in_tenant_or_404(Order, order_id), internal=True)})


@bp.route("/shops/<shop>/orders/<int:order_id>/ship", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@write
def order_ship(shop: str, order_id: int):
    """Ship an order, with its carrier and tracking number when given."""
    order = get_in_tenant_or_404(Order, order_id)
    data = load(ShipSchema())
    orders.ship(order, actor(), carrier=data["carrier"], tracking_no=data["tracking_no"])
    return 200, {"order": order_detail_json(order, internal=True)}


@bp.route("/shops/<shop>/orders/<int:order_id>/complete", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@write
def order_complete(shop: str, order_id: int):
    """Complete an order."""
    order = orders.complete(get_in_tenant_or_404(Order, order_id), actor())
    return 200, {"order": order_json(order)}


@bp.route("/shops/<shop>/orders/<int:order_id>/refund", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@write
def order_refund(shop: str, order_id: int):
    """Refund lines or the whole order."""
    order = get_in_tenant_or_404(Order, order_id)
    data = load(RefundSchema())
    refund = orders.refund(order, actor(), lines=data.get("lines"), full=bool(data.get("full")))
    return 200, {"order": order_json(order), "refund": {"amount": format_money(refund.amount),
                                                        "by_method": refund.by_method, "lines": refund.lines}}
