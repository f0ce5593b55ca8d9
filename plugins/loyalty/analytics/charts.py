"""The analytics charts (charts.js specs) and the same figures as CSV tables, one per chart."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _

from plugins.loyalty.analytics.schemas import RFM_SEGMENTS

#: The charts in page order; each has a CSV download of the same figures.
NAMES = ("points", "rates", "forecast", "cohorts", "rfm", "aov", "frequency", "repurchase", "coupons")


def _pct(part, whole):
    return float(Decimal(part) * 100 / Decimal(whole)) if whole else 0


def _share(value):
    """A percentage (Decimal or None) as a chart value."""
    return float(value) if value is not None else 0


def tables(f: dict, tier_names: dict[str, str]) -> dict[str, tuple[list, list[list]]]:
    """Each chart's figures as (header, rows)."""
    months = f["period"].labels()
    pts, owed, coupons = f["points"], f["liability"], f["coupons"]
    rates = [(_pct(r, i) if i else None, _pct(e, i) if i else None)
             for i, r, e in zip(pts["series"]["issued"], pts["series"]["redeemed"], pts["series"]["expired"],
                                strict=True)]
    width = max((len(c["bought"]) for c in f["cohorts"]), default=0)
    names = [tier_names.get(t["tier"], t["tier"]) for t in f["tiers"]]
    return {
        "points": ([_("Month"), _("Issued"), _("Redeemed"), _("Expired")],
                   [[m, *(pts["series"][k][i] for k in ("issued", "redeemed", "expired"))]
                    for i, m in enumerate(months)]),
        "rates": ([_("Month"), _("Redemption rate (%)"), _("Breakage (%)")],
                  [[m, *("" if v is None else f"{v:.1f}" for v in r)] for m, r in zip(months, rates, strict=True)]),
        "forecast": ([_("Month"), _("Points expiring"), _("Points left after the month")],
                     [[row["month"].isoformat()[:7], row["expiring"], row["left"]] for row in owed["forecast"]]),
        "cohorts": ([_("Joined in"), _("Members"), *[_("Month %(n)d (%%)", n=k) for k in range(width)]],
                    [[c["label"], c["members"], *["" if v is None else str(v) for v in c["retention"]]]
                     for c in f["cohorts"]]),
        "rfm": ([_("Segment"), _("Members")], [[str(label), f["rfm"][code]] for code, label, _h in RFM_SEGMENTS]),
        "aov": ([_("Tier"), _("Orders"), _("Revenue (¥)"), _("Average order value (¥)")],
                [[n, t["orders"], str(t["revenue"]), str(t["average_order_value"] or "")]
                 for n, t in zip(names, f["tiers"], strict=True)]),
        "frequency": ([_("Tier"), _("Buyers"), _("Orders"), _("Orders per buyer")],
                      [[n, t["buyers"], t["orders"], str(t["frequency"] or "")]
                       for n, t in zip(names, f["tiers"], strict=True)]),
        "repurchase": ([_("Tier"), _("Members"), _("Buyers"), _("Bought twice or more"), _("Repurchase rate (%)")],
                       [[n, t["members"], t["buyers"], t["repeat_buyers"], str(t["repurchase_rate"] or "")]
                        for n, t in zip(names, f["tiers"], strict=True)]),
        "coupons": ([_("Month"), _("Revenue with a coupon (¥)"), _("Revenue without (¥)")],
                    [[m, str(a), str(b)] for m, a, b in zip(months, coupons["with_coupon"], coupons["without"],
                                                             strict=True)]),
    }


def charts(f: dict, tier_names: dict[str, str]) -> dict[str, dict]:
    """The chart specs charts.js draws."""
    months = f["period"].labels()
    pts, owed, coupons = f["points"], f["liability"], f["coupons"]
    names = [tier_names.get(t["tier"], t["tier"]) for t in f["tiers"]]
    month_axis, points_axis = _("Month"), _("Points")
    rows = tables(f, tier_names)["rates"][1]
    return {
        "points": {"type": "bar", "labels": months, "integer": True, "x": month_axis, "y": points_axis,
                   "series": [{"label": _("Issued"), "data": pts["series"]["issued"]},
                              {"label": _("Redeemed"), "data": pts["series"]["redeemed"]},
                              {"label": _("Expired"), "data": pts["series"]["expired"]}]},
        "rates": {"type": "line", "labels": months, "x": month_axis, "y": "%",
                  "series": [{"label": _("Redemption rate (%)"), "data": [float(r[1] or 0) for r in rows]},
                             {"label": _("Breakage (%)"), "data": [float(r[2] or 0) for r in rows]}]},
        "forecast": {"type": "bar", "labels": [r["month"].isoformat()[:7] for r in owed["forecast"]],
                     "integer": True, "x": month_axis, "y": points_axis,
                     "series": [{"label": _("Points expiring"), "data": [r["expiring"] for r in owed["forecast"]]},
                                {"label": _("Points left after the month"),
                                 "data": [r["left"] for r in owed["forecast"]]}]},
        "cohorts": {"type": "line", "x": _("Months since joining"), "y": _("Bought in the month (%)"),
                    "labels": [str(k) for k in range(max((len(c["bought"]) for c in f["cohorts"]), default=0))],
                    "series": [{"label": c["label"], "data": [_share(v) for v in c["retention"]]}
                               for c in f["cohorts"] if c["members"]]},
        "rfm": {"type": "bar", "labels": [str(label) for _c, label, _h in RFM_SEGMENTS], "integer": True,
                "x": _("Segment"), "y": _("Members"),
                "series": [{"label": _("Members"), "data": [f["rfm"][code] for code, _l, _h in RFM_SEGMENTS]}]},
        "aov": {"type": "bar", "labels": names, "money": True, "x": _("Tier"), "y": _("Average order value (¥)"),
                "series": [{"label": _("Average order value (¥)"),
                            "data": [str(t["average_order_value"] or "0.00") for t in f["tiers"]]}]},
        "frequency": {"type": "bar", "labels": names, "x": _("Tier"), "y": _("Orders per buyer"),
                      "series": [{"label": _("Orders per buyer"), "data": [str(t["frequency"] or "0")
                                                                           for t in f["tiers"]]}]},
        "repurchase": {"type": "bar", "labels": names, "x": _("Tier"), "y": "%",
                       "series": [{"label": _("Repurchase rate (%)"),
                                   "data": [_share(t["repurchase_rate"]) for t in f["tiers"]]}]},
        "coupons": {"type": "bar", "labels": months, "money": True, "stacked": True, "x": month_axis,
                    "y": _("Revenue (¥)"),
                    "series": [{"label": _("With a coupon"), "data": [str(v) for v in coupons["with_coupon"]]},
                               {"label": _("Without a coupon"), "data": [str(v) for v in coupons["without"]]}]},
    }


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula (names are the merchant's own)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def as_csv(header: list, rows: list[list]) -> str:
    """A table as CSV text, UTF-8 with a BOM so that spreadsheets read Chinese."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_cell(h) for h in header])
    writer.writerows([[_cell(v) for v in row] for row in rows])
    return buffer.getvalue()
