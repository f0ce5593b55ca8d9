"""The analytics figures of a programme over a range of months, each counted by a few grouped queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from sqlalchemy import case, func, type_coerce

from mall import clock
from mall.dbtypes import Money
from mall.extensions import db
from mall.money import ZERO, round_half_up
from mall.orders.models import Order
from mall.periods import Period, rate
from plugins.loyalty.analytics import rfm
from plugins.loyalty.analytics.schemas import RFM_CODES, RangeArgs
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.dashboards.operations import EXPIRED, ISSUED, REDEEMED
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.points.operations import liability_value
from plugins.loyalty.segments.operations import bought_orders

#: The default range: this month and the five before it.
DEFAULT_MONTHS = 6
#: Months of the liability forecast, this one included.
FORECAST_MONTHS = 12


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Months(Period):
    """A period cut into calendar months (the first and last may be partial), in the programme's zone."""

    def buckets(self) -> list[date]:
        """The first day of each month of the period (the period's own first day for the first month)."""
        starts, month = [self.first], _month_start(self.first)
        while True:
            month = _month_start(month, -1)
            if month > self.last:
                return starts
            starts.append(month)

    def labels(self) -> list[str]:
        """Each month as the reader's language writes it ("Jun 2026", "2026年6月")."""
        return [format_skeleton("yMMM", d, locale=get_locale()) for d in self.buckets()]


def default_range(zone: str, today: date | None = None) -> Months:
    """This month and the five before it, up to today."""
    today = today or clock.local_date(zone)
    return Months(_month_start(today, DEFAULT_MONTHS - 1), today, zone)


def range_of(args, zone: str) -> Months:
    """The range `from` / `to` ask for (ValidationError, a 422, when malformed, reversed or too long)."""
    data = RangeArgs().load({k: args.get(k) for k in ("from", "to") if args.get(k) not in (None, "")})
    default = default_range(zone)
    last = data["last"] or (default.last if data["first"] is None else min(default.last, data["first"]
                                                                           + timedelta(days=365)))
    first = data["first"] or _month_start(last, DEFAULT_MONTHS - 1)
    RangeArgs().load({"from": first.isoformat(), "to": last.isoformat()})  # the bounds of the filled-in range
    return Months(first, last, zone)


def _member_orders(programme, period: Period, *extra):
    """Join conditions: the member's bought orders (in the shop, or every shop for the platform) paid in `period`."""
    return db.and_(*bought_orders(programme, Order.paid_at >= period.start, Order.paid_at < period.end, *extra))


def points(programme, period: Months) -> dict:
    """Points issued, redeemed and expired per month and in all, the redemption rate and breakage."""
    at = period.bucket_of(PointsEntry.created_at)
    kind = case((PointsEntry.kind.in_(REDEEMED), "redeemed"), (PointsEntry.kind.in_(EXPIRED), "expired"),
                (PointsEntry.kind.in_(ISSUED), "issued"), else_="other")
    rows = db.session.execute(db.select(at, kind, func.sum(PointsEntry.delta))
                              .join(Membership, Membership.id == PointsEntry.membership_id)
                              .where(Membership.programme_id == programme.id, PointsEntry.bucket == "available",
                                     PointsEntry.created_at >= period.start, PointsEntry.created_at < period.end)
                              .group_by(at, kind)).all()
    size = len(period.buckets())
    series = {name: [0] * size for name in ("issued", "redeemed", "expired")}
    for bucket, name, total in rows:
        if name in series:
            # Spending and lapsing are negative in the ledger; here they are amounts.
            series[name][int(bucket)] += abs(int(total or 0))
    issued, redeemed, expired = (sum(series[n]) for n in ("issued", "redeemed", "expired"))
    return {"issued": issued, "redeemed": redeemed, "expired": expired, "series": series,
            "redemption_rate": rate(redeemed, issued), "breakage": rate(expired, issued)}


def liability(programme, period: Months, now: datetime | None = None) -> dict:
    """Points spendable at the range's end and their value; the forecast: lots left by the month they expire."""
    now = now or clock.now()
    at_end = db.session.execute(
        db.select(func.coalesce(func.sum(PointsEntry.delta), 0))
        .join(Membership, Membership.id == PointsEntry.membership_id)
        .where(Membership.programme_id == programme.id, PointsEntry.bucket == "available",
               PointsEntry.created_at < period.end)).scalar()
    this_month = _month_start(clock.local_date(period.zone, now))
    months = [_month_start(this_month, -i) for i in range(FORECAST_MONTHS)]
    bounds = [Period(m, m, period.zone).start for m in [*months[1:], _month_start(months[-1], -1)]]
    # Lots already past their expiry but not yet swept by the tick lapse this month.
    bucket = case((PointsLot.expires_at.is_(None), -1),
                  *[(PointsLot.expires_at < b, i) for i, b in enumerate(bounds)], else_=FORECAST_MONTHS)
    rows = dict(db.session.execute(
        db.select(bucket, func.sum(PointsLot.remaining)).join(Membership, Membership.id == PointsLot.membership_id)
        .where(Membership.programme_id == programme.id, PointsLot.remaining > 0).group_by(bucket)).all())
    left = sum(int(v or 0) for v in rows.values())
    forecast = []
    for i, month in enumerate(months):
        expiring = int(rows.get(i) or 0)
        left -= expiring
        forecast.append({"month": month, "expiring": expiring, "left": left})
    return {"points": int(at_end), "value": liability_value(programme, int(at_end)), "forecast": forecast,
            "later": int(rows.get(FORECAST_MONTHS) or 0), "no_expiry": int(rows.get(-1) or 0)}


def _per_member(programme, period: Months):
    """A subquery: each member who bought in the range, with tier, orders and net spend there."""
    net = Order.total - Order.refunded_amount
    return (db.select(Membership.id.label("mid"), Membership.tier_code.label("tier"),
                      func.count(Order.id).label("n"), func.sum(net).label("v"))
            .join(Order, _member_orders(programme, period))
            .where(Membership.programme_id == programme.id).group_by(Membership.id, Membership.tier_code).subquery())


def tiers(programme, period: Months, tier_codes: list[str]) -> list[dict]:
    """Per tier: members (joined by the range's end), buyers, orders, revenue, AOV, frequency and repurchase rate."""
    per = _per_member(programme, period)
    bought = {row[0]: row[1:] for row in db.session.execute(
        db.select(per.c.tier, func.count(), func.count(case((per.c.n >= 2, 1))), func.sum(per.c.n),
                  type_coerce(func.coalesce(func.sum(per.c.v), 0), Money())).group_by(per.c.tier)).all()}
    members = dict(db.session.execute(
        db.select(Membership.tier_code, func.count(Membership.id))
        .where(Membership.programme_id == programme.id, Membership.joined_at < period.end)
        .group_by(Membership.tier_code)).all())
    out = []
    for code in tier_codes + sorted(set(bought) - set(tier_codes)):
        buyers, repeat, orders, revenue = bought.get(code, (0, 0, 0, ZERO))
        buyers, repeat, orders, revenue = int(buyers), int(repeat), int(orders or 0), Decimal(revenue or 0)
        out.append({"tier": code, "members": int(members.get(code, 0)), "buyers": buyers, "repeat_buyers": repeat,
                    "orders": orders, "revenue": revenue,
                    "average_order_value": round_half_up(revenue / orders) if orders else None,
                    "frequency": (Decimal(orders) / buyers).quantize(Decimal("0.01")) if buyers else None,
                    "repurchase_rate": rate(repeat, buyers)})
    return out


def cohort_tier_of(args, tier_codes: list[str]) -> str | None:
    """The tier `tier` narrows the cohorts to (None for every member; a ValidationError, a 422, for another code)."""
    code = (args.get("tier") or "").strip() or None
    if code is not None and code not in tier_codes:
        raise ValidationError({"tier": [_l("Unknown tier: %(code)s.", code=code[:40])]})
    return code


def cohorts(programme, period: Months, tier: str | None = None) -> list[dict]:
    """Members who joined in each month of the range (those now in `tier` only, when given), and how many of them
    bought in each month since."""
    size = len(period.buckets())
    joined = period.bucket_of(Membership.joined_at)
    in_range = db.and_(Membership.joined_at >= period.start, Membership.joined_at < period.end,
                       Membership.tier_code == tier if tier else db.true())
    sizes = dict(db.session.execute(db.select(joined, func.count(Membership.id))
                                    .where(Membership.programme_id == programme.id, in_range).group_by(joined)).all())
    paid = period.bucket_of(Order.paid_at)
    active = db.session.execute(
        db.select(joined, paid, func.count(func.distinct(Membership.id)))
        .join(Order, _member_orders(programme, period, Order.paid_at >= Membership.joined_at))
        .where(Membership.programme_id == programme.id, in_range).group_by(joined, paid)).all()
    out = [{"month": period.buckets()[i], "label": period.labels()[i], "members": int(sizes.get(i, 0)),
            "bought": [0] * (size - i)} for i in range(size)]
    for j, p, n in active:
        if int(p) >= int(j):
            out[int(j)]["bought"][int(p) - int(j)] = int(n)
    for row in out:
        row["retention"] = [rate(n, row["members"]) for n in row["bought"]]
    return out


def rfm_counts(programme, period: Months) -> dict[str, int]:
    """Members in each RFM segment over the range (members without an order there are not scored)."""
    rows = rfm.scored(programme, period.start, period.end)
    counts = dict(db.session.execute(db.select(rows.c.segment, func.count()).group_by(rows.c.segment)).all())
    return {code: int(counts.get(code, 0)) for code in RFM_CODES}


def coupon_revenue(programme, period: Months) -> dict:
    """Member revenue per month with and without one of the programme's coupons, and the totals."""
    used = db.select(Coupon.id).where(Coupon.used_order_id == Order.id, Coupon.programme_id == programme.id) \
        .correlate(Order).exists()
    at = period.bucket_of(Order.paid_at)
    rows = db.session.execute(
        db.select(at, used.label("used"), type_coerce(func.sum(Order.total - Order.refunded_amount), Money()),
                  func.count(Order.id))
        .join(Membership, _member_orders(programme, period)).where(Membership.programme_id == programme.id)
        .group_by(at, used)).all()
    size = len(period.buckets())
    series = {True: [ZERO] * size, False: [ZERO] * size}
    orders = {True: 0, False: 0}
    for bucket, with_coupon, revenue, n in rows:
        series[bool(with_coupon)][int(bucket)] += Decimal(revenue or 0)
        orders[bool(with_coupon)] += int(n)
    with_coupon, without = sum(series[True], ZERO), sum(series[False], ZERO)
    return {"with_coupon": series[True], "without": series[False], "coupon_revenue": with_coupon,
            "revenue": with_coupon + without, "coupon_orders": orders[True], "orders": orders[True] + orders[False],
            "coupon_share": rate(with_coupon, with_coupon + without)}


def figures(programme, period: Months, tier_codes: list[str], cohort_tier: str | None = None) -> dict:
    """Every figure of the range, for the page, its CSV files and the API."""
    pts, coupons, by_tier = points(programme, period), coupon_revenue(programme, period), \
        tiers(programme, period, tier_codes)
    owed = liability(programme, period)
    buyers, repeat = sum(t["buyers"] for t in by_tier), sum(t["repeat_buyers"] for t in by_tier)
    summary = {"issued": pts["issued"], "redeemed": pts["redeemed"], "expired": pts["expired"],
               "redemption_rate": pts["redemption_rate"], "breakage": pts["breakage"],
               "liability": owed["points"], "liability_value": owed["value"], "buyers": buyers,
               "repeat_buyers": repeat, "repurchase_rate": rate(repeat, buyers), "revenue": coupons["revenue"],
               "coupon_revenue": coupons["coupon_revenue"], "coupon_share": coupons["coupon_share"]}
    return {"period": period, "summary": summary, "points": pts, "liability": owed, "tiers": by_tier,
            "cohorts": cohorts(programme, period, cohort_tier), "cohort_tier": cohort_tier,
            "rfm": rfm_counts(programme, period), "coupons": coupons}
