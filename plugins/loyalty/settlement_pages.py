"""Settlement pages: a shop's monthly statement (merchant and operator) with CSV, and points liability."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, render_template, request

from mall import clock
from mall.extensions import db
from plugins.loyalty.settlement import as_csv, liability, statement, totals
from tenants.access import operator_required, staff_required
from tenants.models import StaffRole, Tenant

bp = Blueprint("loyalty_settlement", __name__)


def month_bounds(raw: str | None, tz: str) -> tuple[str, datetime, datetime]:
    """("2026-11", start, end) of a calendar month in the shop's time zone; this month when absent or invalid."""
    zone = ZoneInfo(tz)
    try:
        first = datetime.strptime(raw or "", "%Y-%m").replace(tzinfo=zone)
    except ValueError:
        first = clock.now().astimezone(zone).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    after = first.replace(year=first.year + (first.month == 12), month=first.month % 12 + 1)
    return first.strftime("%Y-%m"), clock.as_utc(first), clock.as_utc(after)


def _page(tenant, layout: str, endpoint: str, url_args: dict):
    month, start, end = month_bounds(request.args.get("month"), tenant.timezone)
    lines = statement(tenant, start, end)
    if request.args.get("format") == "csv":
        return Response(as_csv(lines), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{tenant.slug}-{month}.csv"'})
    return render_template("loyalty/settlement.html", layout=layout, shop=tenant, lines=lines, sums=totals(lines),
                           month=month, endpoint=endpoint, url_args=url_args)


@bp.route("/admin/<shop>/loyalty/settlement")
@staff_required(StaffRole.MANAGER)
def shop_statement(shop: str):
    """What the platform owes this shop for the month's orders (managers and owners)."""
    return _page(g.tenant, "admin_layout.html", "loyalty_settlement.shop_statement", {"shop": shop})


@bp.route("/platform/loyalty/settlement")
@operator_required
def platform_settlement():
    """Every shop's payable for the month, and the points liability of every programme."""
    month, start, end = month_bounds(request.args.get("month"), clock.zone_of(None))
    shops = db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars().all()
    rows = [(tenant, totals(statement(tenant, *month_bounds(month, tenant.timezone)[1:]))) for tenant in shops]
    return render_template("loyalty/platform_settlement.html", rows=rows, month=month, liability=liability())


@bp.route("/platform/loyalty/settlement/<slug>")
@operator_required
def platform_statement(slug: str):
    """One shop's statement, as the operator sees it."""
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none() or abort(404)
    return _page(tenant, "platform_layout.html", "loyalty_settlement.platform_statement", {"slug": slug})
