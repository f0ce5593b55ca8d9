"""Points pages: the member's points, and the value statement (lots, unlocks, tier outlook)."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request

from mall import clock
from mall.extensions import db
from mall.money import ZERO
from mall.orders.models import Order
from mall.pagination import paginate
from mall.tenants.access import actor, login_required
from plugins.loyalty.checkout.models import OrderCredit
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import effective_tier, memberships_of, next_tier_progress
from plugins.loyalty.points import operations as points_ledger
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.programmes.models import PLATFORM
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.web.blueprints import member_bp

EXPIRING_DAYS = points_ledger.EXPIRING_SOON_DAYS


@member_bp.route("/member/points")
@login_required
def points():
    """One programme's points: available, pending with unlock dates, expiring soon, and the history."""
    user = actor()
    members = memberships_of(user)
    if not members:
        return render_template("loyalty/points/points.html", members=[], member=None)
    wanted = request.args.get("programme", PLATFORM)
    member = next((m for m in members if m.programme.slug == wanted), members[0])
    expiring = points_ledger.expiring_soon([member], clock.now(), EXPIRING_DAYS)[member.id]
    page = paginate(db.select(PointsEntry).where(PointsEntry.membership_id == member.id)
                    .order_by(*points_ledger.HISTORY_ORDER))
    return render_template("loyalty/points/points.html", members=members, member=member, rules=rules(member.programme),
                           expiring=expiring, expiring_days=EXPIRING_DAYS, pending=pending_unlocks(member), page=page)


def pending_unlocks(member: Membership) -> list[dict]:
    """Each order's pending points and when they become available (shipment + the return window)."""
    rows = db.session.execute(
        db.select(OrderCredit, Order).join(Order, Order.id == OrderCredit.order_id)
        .where(OrderCredit.membership_id == member.id, OrderCredit.pending > 0).order_by(Order.id)
    ).all()
    out = []
    for credit, order in rows:
        window = timedelta(days=order.tenant.return_window_days)
        out.append({"order": order, "points": credit.pending,
                    "unlocks_at": order.shipped_at + window if order.shipped_at else None,
                    "window_days": order.tenant.return_window_days})
    return out


def tier_outlook(member) -> dict:
    """What the member needs: to reach the next tier and, in a validity period, to keep the current one."""
    r = rules(member.programme)
    tier = effective_tier(member)
    out = {"tier": tier, "progress": next_tier_progress(member), "keep": None, "by": None}
    if r.window["kind"] == "validity" and member.period_end and tier.rank > 0 and not tier.is_paid:
        out["keep"] = max(tier.keep - member.period_metric, ZERO)
        out["by"] = member.period_end
    return out


@member_bp.route("/member/statement")
@login_required
def statement():
    """For every programme: points lots by expiry, pending unlocks, and what keeps or reaches a tier."""
    now = clock.now()
    cards = []
    for member in memberships_of(actor()):
        lots = db.session.execute(
            db.select(PointsLot).where(PointsLot.membership_id == member.id, PointsLot.remaining > 0,
                                       db.or_(PointsLot.expires_at.is_(None), PointsLot.expires_at > now))
            .order_by(PointsLot.expires_at.is_(None), PointsLot.expires_at, PointsLot.id).limit(50)
        ).scalars().all()
        cards.append({"member": member, "rules": rules(member.programme), "lots": lots,
                      "pending": pending_unlocks(member), "outlook": tier_outlook(member)})
    return render_template("loyalty/points/statement.html", cards=cards)
