"""The member API: joining, memberships, check-in, the paid tier, the shop's member list."""

from __future__ import annotations

from flask import g, jsonify, request

from mall.api import json_body, write
from mall.api.openapi import documented
from mall.api.serializers import iso, order_json
from mall.extensions import db
from mall.i18n import localized
from mall.money import format_money
from mall.orders.models import Order
from mall.pagination import page_number
from mall.tenants.access import actor, login_required, open_shop_or_404, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.members import operations as member_ops
from plugins.loyalty.members import schemas as docs
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import check_in, effective_tier, join_programme, memberships_of
from plugins.loyalty.programmes.operations import get_in_programme_or_404, rules
from plugins.loyalty.segments.operations import MemberFilter, member_select
from plugins.loyalty.web.api import PAGE, api_bp, programme_of_body, programme_or_404, request_key


def membership_json(member: Membership) -> dict:
    """A membership as API.md describes it."""
    tier = effective_tier(member)
    return {"programme": member.programme.slug, "level": {"code": tier.code, "name": localized(tier, "name")},
            "points": {"available": member.points_available, "pending": member.points_pending},
            "level_metric": format_money(member.period_metric if rules(member.programme).window["kind"] == "validity"
                                         else member.lifetime_metric),
            "level_expires_at": iso(member.paid_until if tier.is_paid else member.period_end),
            "joined_at": iso(member.joined_at)}



@api_bp.route("/shops/<shop>/join", methods=["POST"])
@documented(response=docs.MembershipReply, created=True)
@login_required
@write
def join_shop(shop: str):
    """Join a shop's programme (201, or 200 when already a member)."""
    programme = programme_or_404(open_shop_or_404(shop))
    member, created = join_programme(programme, actor())
    return (201 if created else 200), {"membership": membership_json(member)}


@api_bp.route("/me/memberships", methods=["GET"])
@documented(response=docs.MembershipsReply)
@login_required
def my_memberships():
    """Every programme the shopper belongs to."""
    return jsonify({"items": [membership_json(m) for m in memberships_of(actor())]})


@api_bp.route("/me/check-in", methods=["POST"])
@documented(docs.CheckInBody, docs.CheckInReply, created=True)
@login_required
@write
def my_check_in():
    """Daily check-in in a programme; 409 when already done today."""
    programme = programme_of_body(docs.CheckInBody().load(json_body()))
    points, streak = check_in(programme, actor())
    return 201, {"points": points, "streak": streak}


def purchase_json(p) -> dict:
    """A paid tier purchase."""
    return {"tier": p.tier_code, "fee": format_money(p.fee), "paid_with": p.paid_with,
            "wallet_bonus": format_money(p.wallet_bonus), "wallet_cash": format_money(p.wallet_cash),
            "gateway_paid": format_money(p.gateway_paid), "starts_at": iso(p.starts_at), "ends_at": iso(p.ends_at)}


@api_bp.route("/me/paid-tier", methods=["POST"])
@documented(docs.PaidTierBody, docs.PurchaseReply, created=True)
@login_required
@write
def buy_paid_tier():
    """Buy or renew a paid tier (the platform's Plus by default) from the wallet or through the gateway."""
    data = docs.PaidTierBody().load(json_body())
    purchase = member_ops.buy(programme_of_body(data), actor(), data["tier"], data["pay_with"], request_key(),
                              data["payment_token"])
    return 201, {"membership": membership_json(purchase.membership), "purchase": purchase_json(purchase)}


def member_or_404(user_id: int) -> Membership:
    """The URL shop's member with this user id, or a 404."""
    return get_in_programme_or_404(Membership, user_id, programme_or_404(g.tenant), by="user_id")


@api_bp.route("/shops/<shop>/members", methods=["GET"])
@documented(response=docs.MembersReply)
@staff_required(StaffRole.SUPPORT)
def members(shop: str):
    """The shop's members: ?level=, ?activity=active|intermittent|sleeping, ?min_spend=, ?asleep_days=, ?q=."""
    programme = programme_or_404(g.tenant)
    select = member_select(programme, MemberFilter.from_args(request.args))
    total = db.session.execute(db.select(db.func.count()).select_from(select.order_by(None).subquery())).scalar()
    rows = db.session.execute(select.limit(PAGE).offset((page_number() - 1) * PAGE)).scalars()
    return jsonify({"items": [{"user_id": m.user_id, "name": m.user.name, **membership_json(m)} for m in rows],
                    "total": total})


@api_bp.route("/shops/<shop>/members/<int:user_id>", methods=["GET"])
@documented(response=docs.MemberDetailReply)
@staff_required(StaffRole.SUPPORT)
def member_detail(shop: str, user_id: int):
    """One member with their orders in this shop."""
    member = member_or_404(user_id)
    orders = db.session.execute(
        db.select(Order).where(Order.tenant_id == g.tenant.id, Order.user_id == user_id).order_by(Order.id.desc())
        .limit(PAGE)
    ).scalars()
    return jsonify({"membership": membership_json(member), "user_id": user_id, "name": member.user.name,
                    "orders": [order_json(o) for o in orders]})
