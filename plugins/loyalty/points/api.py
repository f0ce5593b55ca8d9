"""The points API: the shopper's balances and history, the merchant's adjustment."""

from __future__ import annotations

from flask import abort, g, jsonify, request
from flask_babel import gettext as _
from marshmallow import ValidationError

from mall.api import json_body, write
from mall.api.openapi import documented
from mall.api.serializers import iso
from mall.extensions import db
from mall.pagination import page_number
from mall.tenants.access import actor, login_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty import keys
from plugins.loyalty.members.api import member_or_404, membership_json
from plugins.loyalty.members.operations import membership
from plugins.loyalty.members.schemas import MembershipReply
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.points import schemas as docs
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.programmes.models import PLATFORM
from plugins.loyalty.web.api import PAGE, api_bp, programme_by_name, request_key


def entry_json(e: PointsEntry) -> dict:
    """A points ledger row."""
    return {"delta": e.delta, "kind": e.kind, "status": e.bucket, "created_at": iso(e.created_at),
            "expires_at": iso(e.expires_at), "order_id": e.order_id, "reason": e.reason}


@api_bp.route("/me/points", methods=["GET"])
@documented(response=docs.PointsReply)
@login_required
def my_points():
    """Balances and history of one programme (?programme=<slug>|platform)."""
    programme = programme_by_name(request.args.get("programme", PLATFORM))
    member = membership(programme, actor()) if programme else None
    if member is None:
        abort(404, description=_("You are not a member of this programme."))
    rows = db.session.execute(
        db.select(PointsEntry).filter_by(membership_id=member.id).order_by(*ledger.HISTORY_ORDER)
        .limit(PAGE).offset((page_number() - 1) * PAGE)
    ).scalars()
    return jsonify({"available": member.points_available, "pending": member.points_pending,
                    "items": [entry_json(e) for e in rows]})


@api_bp.route("/shops/<shop>/members/<int:user_id>/points/adjust", methods=["POST"])
@documented(docs.PointsAdjustBody, MembershipReply)
@staff_required(StaffRole.MANAGER)
@write
def adjust_points(shop: str, user_id: int):
    """Add or take points with a reason (audited by its ledger row)."""
    data = docs.PointsAdjustBody().load(json_body())
    if data["delta"] == 0:
        raise ValidationError({"delta": [_("Must not be zero.")]})
    member = member_or_404(user_id)
    ledger.adjust(member, data["delta"], data["reason"], keys.points_adjustment(member.id, request_key()), actor(),
                  g.tenant)
    return 200, {"membership": membership_json(member)}
