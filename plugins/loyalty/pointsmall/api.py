"""The points-mall API: a shop's and the platform's mall for the caller, and listing items in them."""

from __future__ import annotations

from flask import abort, g, jsonify

from mall.api import load, write
from mall.api.openapi import documented
from mall.audit.operations import record
from mall.catalog.models import ProductVariant
from mall.extensions import db
from mall.i18n import localized
from mall.money import format_money
from mall.tenants.access import (
    actor,
    get_in_tenant_or_404,
    login_required,
    open_shop_or_404,
    operator_required,
    staff_required,
)
from mall.tenants.models import StaffRole
from plugins.loyalty.members.operations import effective_tier, membership
from plugins.loyalty.pointsmall import operations as mall
from plugins.loyalty.pointsmall import schemas as docs
from plugins.loyalty.web.api import api_bp, programme_or_404

#: The most items one mall answers with (newest first).
MAX_ITEMS = 200


def item_json(offer: mall.Offer) -> dict:
    """An item as the caller sees it (the shape of schemas.Item)."""
    item = offer.item
    variant, product = item.variant, item.product
    image = product.images[0].thumb_url if product.images else None
    return {"variant_id": item.variant_id, "product_id": item.product_id, "shop": product.tenant.slug,
            "name": localized(product, "name"), "variant_label": variant.label, "image": image,
            "price": format_money(variant.price), "points_price": item.points_price,
            "cash_price": format_money(item.cash_price), "stock": variant.stock, "min_tier": item.min_tier,
            "per_member_limit": item.per_member_limit, "left": offer.left, "locked": offer.locked,
            "reason": offer.reason, "affordable": offer.affordable, "active": item.active}


def mall_json(programme) -> dict:
    """A mall for the caller: their balance and tier in its programme and its items, locked or open."""
    user = actor()
    member = membership(programme, user)
    items = db.session.execute(mall.mall_items(programme).limit(MAX_ITEMS)).scalars().all()
    tier = effective_tier(member)
    return {"programme": programme.slug, "balance": member.points_available if member else None,
            "tier": tier.code if tier else None, "items": [item_json(o) for o in mall.offers(programme, user, items)]}


@api_bp.route("/shops/<shop>/points-mall", methods=["GET"])
@documented(response=docs.MallReply)
@login_required
def shop_mall(shop: str):
    """The shop's points mall for the caller: items with points and cash prices, locked ones with the reason."""
    return jsonify(mall_json(programme_or_404(open_shop_or_404(shop))))


@api_bp.route("/platform/points-mall", methods=["GET"])
@documented(response=docs.MallReply)
@login_required
def platform_mall():
    """The platform's points mall (items of any shop, paid with platform points) for the caller."""
    return jsonify(mall_json(programme_or_404(None)))


def _listed(programme, variant: ProductVariant, tenant) -> tuple[int, dict]:
    item = mall.mark(programme, variant, load(docs.RedeemableSchema()))
    record("points_mall.listed", localized(variant.product, "name"), actor=actor(), tenant=tenant,
           variant_id=variant.id, points_price=item.points_price, cash_price=str(item.cash_price),
           tier=item.min_tier, per_member_limit=item.per_member_limit)
    return 200, {"item": item_json(mall.Offer(item, False, None, item.per_member_limit, False))}


def _unlisted(programme, variant_id: int, tenant) -> tuple[int, dict]:
    item = mall.item_in_mall(programme, variant_id, active_only=False)
    if item is None:
        abort(404)
    mall.unmark(item)
    record("points_mall.removed", localized(item.product, "name"), actor=actor(), tenant=tenant, variant_id=variant_id)
    return 200, {"item": item_json(mall.Offer(item, False, None, item.per_member_limit, False))}


@api_bp.route("/shops/<shop>/points-mall/<int:variant_id>", methods=["PUT"])
@documented(docs.RedeemableSchema, docs.ItemReply)
@staff_required(StaffRole.MANAGER)
@write
def put_shop_item(shop: str, variant_id: int):
    """List one of the shop's variants in its points mall, or change its terms (managers)."""
    return _listed(programme_or_404(g.tenant), get_in_tenant_or_404(ProductVariant, variant_id), g.tenant)


@api_bp.route("/shops/<shop>/points-mall/<int:variant_id>", methods=["DELETE"])
@documented(response=docs.ItemReply)
@staff_required(StaffRole.MANAGER)
@write
def delete_shop_item(shop: str, variant_id: int):
    """Take a variant out of the shop's points mall (again: the same answer; 404 when it was never listed there)."""
    return _unlisted(programme_or_404(g.tenant), variant_id, g.tenant)


@api_bp.route("/platform/points-mall/<int:variant_id>", methods=["PUT"])
@documented(docs.RedeemableSchema, docs.ItemReply)
@operator_required
@write
def put_platform_item(variant_id: int):
    """List any shop's variant in the platform's points mall, funded by the platform (operators)."""
    variant = db.session.get(ProductVariant, variant_id)
    if variant is None:
        abort(404)
    return _listed(programme_or_404(None), variant, None)


@api_bp.route("/platform/points-mall/<int:variant_id>", methods=["DELETE"])
@documented(response=docs.ItemReply)
@operator_required
@write
def delete_platform_item(variant_id: int):
    """Take a variant out of the platform's points mall."""
    return _unlisted(programme_or_404(None), variant_id, None)
