"""The analytics API: a shop programme's figures over a date range."""

from __future__ import annotations

from flask import g, jsonify, request

from mall import clock
from mall.api.openapi import documented
from mall.tenants.access import staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.analytics import operations
from plugins.loyalty.analytics import schemas as docs
from plugins.loyalty.analytics.charts import charts
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.web.api import api_bp, programme_or_404


def _plain(value):
    """Decimals as strings, dates as ISO text, the rest as it is (JSON has no exact decimal)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str | float):
        return value
    return str(value)


@api_bp.route("/shops/<shop>/analytics", methods=["GET"])
@documented(response=docs.AnalyticsReply, query=docs.RangeArgs)
@staff_required(StaffRole.SUPPORT)
def shop_analytics(shop: str):
    """The programme's figures from `from` to `to` (default: this month and the five before; 422 when refused)."""
    programme = programme_or_404(g.tenant)
    period = operations.range_of(request.args, clock.zone_of(g.tenant))
    tiers = rules(programme).tiers
    codes = [t.code for t in tiers]
    f = operations.figures(programme, period, codes, operations.cohort_tier_of(request.args, codes))
    return jsonify(_plain({"from": period.first, "to": period.last, "summary": f["summary"], "tiers": f["tiers"],
                           "rfm": f["rfm"], "cohort_tier": f["cohort_tier"],
                           "cohorts": [{k: v for k, v in c.items() if k != "label"} for c in f["cohorts"]],
                           "forecast": f["liability"]["forecast"],
                           "charts": charts(f, {t.code: t.code for t in tiers})}))
