"""Analytics pages: the shop's programme for its staff, the platform programme for operators; a CSV per chart."""

from __future__ import annotations

from flask import Response, abort, g, render_template, request
from marshmallow import ValidationError

from mall import clock
from mall.extensions import db
from mall.i18n import localized
from mall.tenants.access import operator_required, staff_required
from mall.tenants.models import StaffRole
from mall.validation import translate_messages
from plugins.loyalty.analytics import charts as drawn
from plugins.loyalty.analytics import operations
from plugins.loyalty.analytics.schemas import RFM_SEGMENTS
from plugins.loyalty.members.models import Membership
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.web.blueprints import merchant_bp, platform_bp, platform_programme_or_404, shop_programme


def _asked(zone: str, codes: list[str]):
    """The range and cohort tier asked for, or the default range and every tier with the messages saying why the
    asked ones were refused."""
    try:
        return operations.range_of(request.args, zone), operations.cohort_tier_of(request.args, codes), None
    except ValidationError as exc:
        messages = translate_messages(exc.messages)
        return operations.default_range(zone), None, " ".join(" ".join(map(str, v)) for v in messages.values())


def _tier_names(programme) -> tuple[list[str], dict[str, str]]:
    tiers = rules(programme).tiers
    return [t.code for t in tiers], {t.code: localized(t, "name") for t in tiers}


def _page(programme, layout: str, endpoint: str, args: dict):
    """The analytics page of a programme: a 422 with the default range when the asked range is refused."""
    codes, names = _tier_names(programme)
    period, tier, problem = _asked(clock.zone_of(programme.tenant), codes)
    has_data = db.session.execute(db.select(Membership.id).where(
        Membership.programme_id == programme.id).limit(1)).first() is not None
    f = operations.figures(programme, period, codes, tier) if has_data else None
    csv_args = {**args, "from": period.first.isoformat(), "to": period.last.isoformat(), "tier": tier}
    return render_template("loyalty/analytics/analytics.html", layout=layout, endpoint=endpoint, args=args,
                           shop=g.get("tenant") if args.get("shop") else None,
                           programme=programme, period=period, problem=problem, f=f, tier_names=names,
                           charts=drawn.charts(f, names) if f else None, segments=RFM_SEGMENTS,
                           members_link=args.get("shop") is not None, csv_args=csv_args), 422 if problem else 200


def _csv(programme, name: str):
    """One chart's figures (`?chart=`, the first chart when not given) as a CSV download (a 404 for a chart the page
    has not got)."""
    chart = request.args.get("chart") or drawn.NAMES[0]
    if chart not in drawn.NAMES:
        abort(404)
    codes, names = _tier_names(programme)
    period, tier, problem = _asked(clock.zone_of(programme.tenant), codes)
    if problem:
        abort(422, description=problem)
    header, rows = drawn.tables(operations.figures(programme, period, codes, tier), names)[chart]
    filename = f"{name}-{chart}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    return Response(drawn.as_csv(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@merchant_bp.route("/analytics")
@staff_required(StaffRole.SUPPORT)
def analytics(shop: str):
    """The shop programme's analytics over a range of months: points, liability, cohorts, RFM, tiers, coupons."""
    return _page(shop_programme(), "admin_layout.html", "loyalty_merchant.analytics", {"shop": g.tenant.slug})


@merchant_bp.route("/analytics.csv")
@staff_required(StaffRole.SUPPORT)
def analytics_csv(shop: str):
    """One of the shop's analytics charts as CSV."""
    return _csv(shop_programme(), g.tenant.slug)


@platform_bp.route("/platform/loyalty/analytics", endpoint="analytics")
@operator_required
def platform_analytics():
    """The platform programme's analytics over a range of months."""
    return _page(platform_programme_or_404(), "platform_layout.html", "loyalty_platform.analytics", {})


@platform_bp.route("/platform/loyalty/analytics.csv", endpoint="analytics_csv")
@operator_required
def platform_analytics_csv():
    """One of the platform programme's analytics charts as CSV."""
    return _csv(platform_programme_or_404(), "platform")
