"""The loyalty API's marketing side: segment previews, pushes and coupon templates (same blueprint)."""

from __future__ import annotations

from flask import abort, g, jsonify, request
from flask_babel import gettext as _

from mall import clock
from mall.api import json_body, write
from mall.api.openapi import documented
from mall.audit.operations import record
from mall.errors import FieldErrors
from mall.extensions import db
from plugins.loyalty import api_docs as docs
from plugins.loyalty import coupons as coupon_ops
from plugins.loyalty import pushes, segments
from plugins.loyalty.api import bp, coupon_json, programme_or_404, template_json
from plugins.loyalty.models import Coupon
from plugins.loyalty.push_models import Push
from tenants.access import actor, login_required, open_shop_or_404, operator_required, staff_required
from tenants.models import StaffRole


@bp.route("/shops/<shop>/segments/preview", methods=["POST"])
@documented(docs.SegmentPreviewBody, docs.SegmentPreviewReply)
@staff_required(StaffRole.MANAGER)
@write
def shop_segment_preview(shop: str):
    """Count the shop's members a filter finds, with a sample."""
    return 200, segments.preview(programme_or_404(g.tenant), segments.load_filter(json_body()))


@bp.route("/platform/segments/preview", methods=["POST"])
@documented(docs.SegmentPreviewBody, docs.SegmentPreviewReply)
@operator_required
@write
def platform_segment_preview():
    """Count the platform's members a filter finds, with a sample."""
    return 200, segments.preview(programme_or_404(None), segments.load_filter(json_body()))


@bp.route("/shops/<shop>/pushes", methods=["POST"])
@documented(docs.PushBody, docs.PushReply, status=202)
@staff_required(StaffRole.MANAGER)
@write
def create_shop_push(shop: str):
    """Push a coupon template to a segment of the shop's members, through the queue (202)."""
    push = pushes.create_push(programme_or_404(g.tenant), json_body(), actor())
    return 202, {"push": {"id": push.id, "status": push.status}}


@bp.route("/shops/<shop>/pushes/<int:push_id>", methods=["GET"])
@documented(response=docs.PushReply)
@staff_required(StaffRole.SUPPORT)
def shop_push(shop: str, push_id: int):
    """A push's status and its targeted / issued / skipped counts."""
    push = db.session.get(Push, push_id)
    if push is None or push.tenant_id != g.tenant.id:
        abort(404)
    return jsonify({"push": pushes.progress(push)})


# --- coupons ----------------------------------------------------------------------------------

@bp.route("/shops/<shop>/coupon-templates", methods=["POST"])
@documented(docs.CouponTemplateBody, docs.TemplateReply, created=True)
@staff_required(StaffRole.MANAGER)
@write
def create_shop_template(shop: str):
    """Create a coupon template for the shop's programme."""
    template = coupon_ops.create_template(programme_or_404(g.tenant), json_body())
    record("coupon_template.created", template.name, actor=actor(), tenant=g.tenant, template_id=template.id)
    return 201, {"template": template_json(template)}


@bp.route("/platform/coupon-templates", methods=["POST"])
@documented(docs.CouponTemplateBody, docs.TemplateReply, created=True)
@operator_required
@write
def create_platform_template():
    """Create a platform coupon template."""
    template = coupon_ops.create_template(programme_or_404(None), json_body())
    record("coupon_template.created", template.name, actor=actor(), template_id=template.id)
    return 201, {"template": template_json(template)}


@bp.route("/shops/<shop>/coupon-templates/<int:template_id>/claim", methods=["POST"])
@documented(response=docs.CouponReply, created=True)
@login_required
@write
def claim_shop_coupon(shop: str, template_id: int):
    """Claim a claimable coupon of a shop (joining its programme if needed)."""
    coupon = coupon_ops.claim(programme_or_404(open_shop_or_404(shop)), template_id, actor())
    return 201, {"coupon": coupon_json(coupon)}


@bp.route("/platform/coupon-templates/<int:template_id>/claim", methods=["POST"])
@documented(response=docs.CouponReply, created=True)
@login_required
@write
def claim_platform_coupon(template_id: int):
    """Claim a claimable platform coupon."""
    coupon = coupon_ops.claim(programme_or_404(None), template_id, actor())
    return 201, {"coupon": coupon_json(coupon)}


@bp.route("/me/coupons", methods=["GET"])
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
