"""Member-centre pages of the loyalty plugin and the join button on shop pages."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, type_coerce

from mall.dbtypes import Money
from mall.extensions import db
from mall.orders.models import Order
from plugins.loyalty.lifecycle import join_programme
from plugins.loyalty.memberships import effective_tier, membership, memberships_of, next_tier_progress
from plugins.loyalty.programmes import programme_for, rules
from plugins.loyalty.segments import BOUGHT
from tenants.access import actor, login_required, open_shop_or_404
from tenants.models import Tenant

bp = Blueprint("loyalty", __name__, template_folder="templates")


@bp.route("/member/memberships")
@login_required
def memberships():
    """Each programme the shopper belongs to (tier, points, progress) and spend per shop."""
    user = actor()
    members = memberships_of(user)
    cards = [{"member": m, "tier": effective_tier(m), "rules": rules(m.programme),
              "progress": next_tier_progress(m)} for m in members]
    rows = db.session.execute(
        # Arithmetic on Money columns loses the column type: coerce so cents come back as yuan.
        db.select(Tenant, func.count(Order.id),
                  type_coerce(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0), Money()),
                  func.max(Order.created_at))
        .join(Order, Order.tenant_id == Tenant.id)
        .where(Order.user_id == user.id, Order.status.in_(BOUGHT))
        .group_by(Tenant.id).order_by(func.max(Order.created_at).desc())
    ).all()
    return render_template("loyalty/memberships.html", rows=rows, cards=cards)


@bp.route("/s/<shop>/join", methods=["POST"])
@login_required
def join(shop: str):
    """Join the shop's programme from its page."""
    tenant = open_shop_or_404(shop)
    programme = programme_for(tenant)
    if programme is None:
        flash(_("This shop has no membership programme."), "error")
    else:
        _member, created = join_programme(programme, actor())
        db.session.commit()
        flash(_("Welcome to %(name)s!", name=rules(programme).name) if created
              else _("You are already a member."), "success")
    return redirect(url_for("catalog.shop_page", shop=shop))


def join_button(shop) -> str:
    """Template hook for the shop header: the member's tier, or a button to join."""
    programme = programme_for(shop)
    if programme is None:
        return ""
    member = membership(programme, current_user) if current_user.is_authenticated else None
    return render_template("loyalty/_join.html", shop=shop, programme=programme, member=member,
                           tier=effective_tier(member) if member else None)
