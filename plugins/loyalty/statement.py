"""The member's value statement (lots, unlocks, what keeps or reaches a tier) and an order's refund preview."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from mall import clock
from mall.extensions import db
from mall.money import ZERO
from plugins.loyalty.lifecycle import coupons_on_full_refund
from plugins.loyalty.member_pages import pending_unlocks
from plugins.loyalty.memberships import effective_tier, memberships_of, next_tier_progress
from plugins.loyalty.models import Membership, OrderCredit, PointsLot
from plugins.loyalty.programmes import rules
from plugins.loyalty.views import bp
from tenants.access import actor, login_required


def tier_outlook(member) -> dict:
    """What the member needs: to reach the next tier and, in a validity period, to keep the current one."""
    r = rules(member.programme)
    tier = effective_tier(member)
    out = {"tier": tier, "progress": next_tier_progress(member), "keep": None, "by": None}
    if r.window["kind"] == "validity" and member.period_end and tier.rank > 0 and not tier.is_paid:
        out["keep"] = max(tier.keep - member.period_metric, ZERO)
        out["by"] = member.period_end
    return out


@bp.route("/member/statement")
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
    return render_template("loyalty/statement.html", cards=cards)


def refund_preview(order) -> str:
    """Template hook on an order: what a full refund would give back and take back, per programme."""
    if not current_user.is_authenticated or order.user_id != current_user.id or not order.can_refund:
        return ""
    rows = []
    for credit in db.session.execute(db.select(OrderCredit).where(OrderCredit.order_id == order.id)).scalars():
        member = db.session.get(Membership, credit.membership_id)
        give_back = credit.points_redeemed - credit.points_returned
        take_back = credit.released
        cancel = credit.pending
        if give_back or take_back or cancel:
            rows.append({"name": rules(member.programme).name, "give_back": give_back, "take_back": take_back,
                         "short": max(take_back - member.points_available, 0), "cancel": cancel})
    money = sum((line.paid - line.refunded_amount for line in order.lines), ZERO)
    coupons = coupons_on_full_refund(order, clock.now(), preview=True)
    if not rows and not money and not coupons:
        return ""
    return render_template("loyalty/_refund_preview.html", rows=rows, money=money, coupons=coupons)

