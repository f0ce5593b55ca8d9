"""The coupon API: templates, claims and the shopper's coupons."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from mall import clock
from mall.api import json_body, write
from mall.api.openapi import documented
from mall.api.serializers import iso, texts
from mall.audit.operations import record
from mall.errors import FieldErrors
from mall.extensions import db
from mall.i18n import localized
from mall.money import format_money
from mall.tenants.access import actor, login_required, open_shop_or_404, operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budget_ops
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons import schemas as docs
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.programmes.operations import get_in_programme_or_404
from plugins.loyalty.web.api import api_bp, programme_or_404


def coupon_json(coupon: Coupon) -> dict:
    """A coupon as API.md describes it."""
    t = coupon.template
    return {"id": coupon.id, "template_id": coupon.template_id, "programme": coupon.programme.slug,
            "name": localized(t, "name"), "kind": t.kind, "value": str(t.value), "min_spend": format_money(t.min_spend),
            "status": coupon.status(clock.now()), "valid_from": iso(coupon.valid_from),
            "valid_until": iso(coupon.valid_until), "used_order_id": coupon.used_order_id}


def template_json(t) -> dict:
    """A coupon template."""
    return {"id": t.id, **texts(t, "name"), "kind": t.kind, "value": str(t.value),
            "min_spend": format_money(t.min_spend),
            "max_discount": format_money(t.max_discount) if t.max_discount is not None else None,
            "exclude_sale_items": t.exclude_sale_items, "stock": t.stock, "issued": t.issued,
            "per_member_limit": t.per_member_limit, "valid_days": t.valid_days, "valid_from": iso(t.valid_from),
            "valid_until": iso(t.valid_until), "claimable": t.claimable, "points_price": t.points_price,
            "funded_by": t.funded_by, "active": t.is_active,
            "budget": budget_ops.shown(t.programme, keys.template_budget(t.id), t.budget, clock.now())}


@api_bp.route("/shops/<shop>/coupon-templates", methods=["POST"])
@documented(docs.CouponTemplateBody, docs.TemplateReply, created=True)
@staff_required(StaffRole.MANAGER)
@write
def create_shop_template(shop: str):
    """Create a coupon template for the shop's programme."""
    template = coupon_ops.create_template(programme_or_404(g.tenant), json_body())
    record("coupon_template.created", template.name, actor=actor(), tenant=g.tenant, template_id=template.id)
    return 201, {"template": template_json(template)}


@api_bp.route("/platform/coupon-templates", methods=["POST"])
@documented(docs.CouponTemplateBody, docs.TemplateReply, created=True)
@operator_required
@write
def create_platform_template():
    """Create a platform coupon template."""
    template = coupon_ops.create_template(programme_or_404(None), json_body())
    record("coupon_template.created", template.name, actor=actor(), template_id=template.id)
    return 201, {"template": template_json(template)}


def _templates_json(programme):
    rows = db.session.execute(db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id)
                              .order_by(CouponTemplate.id.desc()).limit(500)).scalars()
    return jsonify({"items": [template_json(t) for t in rows]})


def _patch(programme, template_id: int, tenant=None):
    """Change a template (TemplatePatchSchema), audited with each change's old and new value."""
    template = get_in_programme_or_404(CouponTemplate, template_id, programme)
    changes = coupon_ops.change_template(template, json_body())
    if changes:
        record("coupon_template.changed", template.name, actor=actor(), tenant=tenant, template_id=template.id,
               changes=changes)
    return 200, {"template": template_json(template)}


@api_bp.route("/shops/<shop>/coupon-templates", methods=["GET"])
@documented(response=docs.TemplatesReply)
@staff_required(StaffRole.SUPPORT)
def shop_templates(shop: str):
    """The shop's coupon templates, newest first, each with its budget and what it has spent this period."""
    return _templates_json(programme_or_404(g.tenant))


@api_bp.route("/platform/coupon-templates", methods=["GET"])
@documented(response=docs.TemplatesReply)
@operator_required
def platform_templates():
    """The platform's coupon templates, newest first, each with its budget and what it has spent this period."""
    return _templates_json(programme_or_404(None))


@api_bp.route("/shops/<shop>/coupon-templates/<int:template_id>", methods=["GET"])
@documented(response=docs.TemplateReply)
@staff_required(StaffRole.SUPPORT)
def shop_template(shop: str, template_id: int):
    """One of the shop's coupon templates, with its budget."""
    template = get_in_programme_or_404(CouponTemplate, template_id, programme_or_404(g.tenant))
    return jsonify({"template": template_json(template)})


@api_bp.route("/platform/coupon-templates/<int:template_id>", methods=["GET"])
@documented(response=docs.TemplateReply)
@operator_required
def platform_template(template_id: int):
    """One of the platform's coupon templates, with its budget."""
    template = get_in_programme_or_404(CouponTemplate, template_id, programme_or_404(None))
    return jsonify({"template": template_json(template)})


@api_bp.route("/shops/<shop>/coupon-templates/<int:template_id>", methods=["PATCH"])
@documented(docs.CouponTemplatePatch, docs.TemplateReply)
@staff_required(StaffRole.MANAGER)
@write
def change_shop_template(shop: str, template_id: int):
    """Change a shop template's names, stock, limits, claiming, points price or budget (null removes it)."""
    return _patch(programme_or_404(g.tenant), template_id, g.tenant)


@api_bp.route("/platform/coupon-templates/<int:template_id>", methods=["PATCH"])
@documented(docs.CouponTemplatePatch, docs.TemplateReply)
@operator_required
@write
def change_platform_template(template_id: int):
    """Change a platform template's names, stock, limits, claiming, points price or budget (null removes it)."""
    return _patch(programme_or_404(None), template_id)


@api_bp.route("/shops/<shop>/coupon-templates/<int:template_id>/claim", methods=["POST"])
@documented(response=docs.CouponReply, created=True)
@login_required
@write
def claim_shop_coupon(shop: str, template_id: int):
    """Claim a claimable coupon of a shop (joining its programme if needed)."""
    coupon = coupon_ops.claim(programme_or_404(open_shop_or_404(shop)), template_id, actor())
    return 201, {"coupon": coupon_json(coupon)}


@api_bp.route("/platform/coupon-templates/<int:template_id>/claim", methods=["POST"])
@documented(response=docs.CouponReply, created=True)
@login_required
@write
def claim_platform_coupon(template_id: int):
    """Claim a claimable platform coupon."""
    coupon = coupon_ops.claim(programme_or_404(None), template_id, actor())
    return 201, {"coupon": coupon_json(coupon)}


@api_bp.route("/me/coupons", methods=["GET"])
@documented(response=docs.CouponsReply)
@login_required
def my_coupons():
    """The shopper's coupons (?status=available|used|expired)."""
    status = request.args.get("status")
    if status not in (None, "available", "used", "expired"):
        raise FieldErrors(_("Unknown status."), {"status": [_("Use available, used or expired.")]})
    now = clock.now()
    select = db.select(Coupon).where(Coupon.user_id == actor().id)
    if status == "used":
        select = select.where(Coupon.used_order_id.is_not(None))
    elif status == "available":
        select = select.where(Coupon.used_order_id.is_(None), Coupon.valid_until > now)
    elif status == "expired":
        select = select.where(Coupon.used_order_id.is_(None), Coupon.valid_until <= now)
    rows = db.session.execute(select.order_by(Coupon.valid_until, Coupon.id).limit(200)).scalars()
    return jsonify({"items": [coupon_json(c) for c in rows]})
