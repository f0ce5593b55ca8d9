"""The merchant's loyalty dashboard: KPI cards against the previous period, and charts."""

from __future__ import annotations

from flask import g, render_template, request

from mall import clock, periods
from mall.extensions import db
from mall.tenants.access import staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.dashboards.operations import charts, kpis
from plugins.loyalty.members.models import Membership
from plugins.loyalty.web.blueprints import merchant_bp, shop_programme


@merchant_bp.route("/dashboard")
@staff_required(StaffRole.SUPPORT)
def dashboard(shop: str):
    """Members, activity, repurchase, points, coupons and revenue over the picked period, with charts."""
    programme = shop_programme()
    period, problem = periods.parse(request.args, clock.zone_of(g.tenant))
    has_data = db.session.execute(
        db.select(Membership.id).where(Membership.programme_id == programme.id).limit(1)).first() is not None
    return render_template("loyalty/dashboards/dashboard.html", shop=g.tenant, programme=programme, period=period,
                           problem=problem, presets=periods.PRESETS, max_days=periods.MAX_DAYS, has_data=has_data,
                           cards=kpis(programme, g.tenant, period) if has_data else None,
                           charts=charts(programme, g.tenant, period) if has_data else None)
