"""Settlement pages: a shop's monthly statement (merchant and operator) with CSV, and points liability."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, g, render_template, request
from flask_babel import gettext as _

from mall import clock
from mall.extensions import db
from mall.pagination import page_of, paginate
from mall.tenants.access import operator_required, staff_required
from mall.tenants.models import StaffRole, Tenant
from plugins.loyalty.settlement.operations import as_csv, liability, statement, totals

settlement_bp = Blueprint("loyalty_settlement", __name__)
MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
#: The earliest month a statement covers; the latest is next December (both keep dates well inside the calendar).
FIRST_MONTH = "2000-01"


def chosen_month(raw: str | None, tz: str) -> tuple[str, str | None]:
    """The month asked for ("2026-11") if it is from 2000-01 to next December; else this month and why not."""
    today = clock.now().astimezone(ZoneInfo(tz))
    current, last = today.strftime("%Y-%m"), f"{today.year + 1}-12"
    if not raw:
        return current, None
    found = MONTH.fullmatch(raw)
    if found is None or not 1 <= int(found[2]) <= 12 or not FIRST_MONTH <= raw <= last:
        return current, _("Choose a month from %(first)s to %(last)s; showing %(month)s.", first=FIRST_MONTH,
                          last=last, month=current)
    return raw, None


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """Start and end of a calendar month ("2026-11", as `chosen_month` gives it) in the shop's time zone."""
    first = datetime.strptime(month, "%Y-%m").replace(tzinfo=ZoneInfo(tz))
    after = first.replace(year=first.year + (first.month == 12), month=first.month % 12 + 1)
    return clock.as_utc(first), clock.as_utc(after)


def _month(tz: str, csv: bool = False) -> str:
    """The request's month; one out of range is refused with a message on the page (a CSV just has this month)."""
    month, refused = chosen_month(request.args.get("month"), tz)
    if refused and not csv:
        flash(refused, "error")
    return month


def _page(tenant, layout: str, endpoint: str, url_args: dict):
    csv = request.args.get("format") == "csv"
    month = _month(tenant.timezone, csv)
    lines = statement(tenant, *month_bounds(month, tenant.timezone))
    if csv:
        # The viewer's language names the columns; the file name stays ASCII for every browser.
        return Response(as_csv(lines, tenant.timezone), mimetype="text/csv", content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{tenant.slug}-{month}.csv"'})
    return render_template("loyalty/settlement/settlement.html", layout=layout, shop=tenant, lines=page_of(lines),
                           count=len(lines), sums=totals(lines), month=month, endpoint=endpoint, url_args=url_args)


@settlement_bp.route("/admin/<shop>/loyalty/settlement")
@staff_required(StaffRole.MANAGER)
def shop_statement(shop: str):
    """What the platform owes this shop for the month's orders (managers and owners)."""
    return _page(g.tenant, "admin_layout.html", "loyalty_settlement.shop_statement", {"shop": shop})


@settlement_bp.route("/platform/loyalty/settlement")
@operator_required
def platform_settlement():
    """Every shop's payable for the month, and the points liability of every programme."""
    month = _month(clock.zone_of(None))
    shops = paginate(db.select(Tenant).order_by(Tenant.slug))
    rows = [(tenant, totals(statement(tenant, *month_bounds(month, tenant.timezone)))) for tenant in shops.items]
    return render_template("loyalty/settlement/platform_settlement.html", rows=rows, shops=shops, month=month,
                           liability=liability())


@settlement_bp.route("/platform/loyalty/settlement/<slug>")
@operator_required
def platform_statement(slug: str):
    """One shop's statement, as the operator sees it."""
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none() or abort(404)
    return _page(tenant, "platform_layout.html", "loyalty_settlement.platform_statement", {"slug": slug})
