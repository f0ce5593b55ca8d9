"""The push API: start a push to a segment and follow its progress."""

from __future__ import annotations

from flask import g, jsonify

from mall.api import json_body, write
from mall.api.openapi import documented
from mall.tenants.access import actor, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.programmes.operations import get_in_programme_or_404
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes import schemas as docs
from plugins.loyalty.pushes.models import Push
from plugins.loyalty.web.api import api_bp, programme_or_404


@api_bp.route("/shops/<shop>/pushes", methods=["POST"])
@documented(docs.PushBody, docs.PushReply, status=202)
@staff_required(StaffRole.MANAGER)
@write
def create_shop_push(shop: str):
    """Push a coupon template to a segment of the shop's members, through the queue (202)."""
    push = pushes.create_push(programme_or_404(g.tenant), json_body(), actor())
    return 202, {"push": {"id": push.id, "status": push.status}}


@api_bp.route("/shops/<shop>/pushes/<int:push_id>", methods=["GET"])
@documented(response=docs.PushReply)
@staff_required(StaffRole.SUPPORT)
def shop_push(shop: str, push_id: int):
    """A push's status and its targeted / issued / skipped counts."""
    push = get_in_programme_or_404(Push, push_id, programme_or_404(g.tenant))
    return jsonify({"push": pushes.progress(push)})
