"""Merchant loyalty dashboard: members by tier and activity, weekly points and coupons, revenue by tier."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import g, render_template
from flask_babel import gettext as _
from sqlalchemy import func, type_coerce

from mall import clock
from mall.dbtypes import Money
from mall.extensions import db
from mall.orders.models import Order
from plugins.loyalty.merchant_members import bp, shop_programme
from plugins.loyalty.models import Coupon, Membership, PointsEntry
from plugins.loyalty.programmes import rules
from plugins.loyalty.segments import BOUGHT, activity
from tenants.access import staff_required
from tenants.models import StaffRole

WEEKS = 12
ISSUED = ("earn", "join", "check_in", "review", "birthday", "referral", "return")


def _day(value) -> date:
    """SQLite gives dates as text, PostgreSQL as dates."""
    return value if isinstance(value, date) else datetime.strptime(str(value)[:10], "%Y-%m-%d").date()


def _weeks(at) -> list[date]:
    """Mondays of the last WEEKS weeks, oldest first."""
    monday = at.date() - timedelta(days=at.weekday())
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


def _weekly(rows, starts: list[date]) -> list[int]:
    """Sum (day, n) rows into the weeks starting on `starts`."""
    totals = [0] * len(starts)
    for day, n in rows:
        d = _day(day)
        for i in range(len(starts) - 1, -1, -1):
            if d >= starts[i]:
                totals[i] += int(n or 0)
                break
    return totals


@bp.route("/dashboard")
@staff_required(StaffRole.SUPPORT)
def dashboard(shop: str):
    """Charts a merchant would rather look at than read."""
    programme = shop_programme()
    r = rules(programme)
    at = clock.now()
    tiers = dict(db.session.execute(
        db.select(Membership.tier_code, func.count(Membership.id)).where(Membership.programme_id == programme.id)
        .group_by(Membership.tier_code)).all())
    activity_case = activity(programme, at)
    by_activity = dict(db.session.execute(
        db.select(activity_case, func.count(Membership.id)).where(Membership.programme_id == programme.id)
        .group_by(activity_case)).all())
    starts = _weeks(at)
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=at.tzinfo)
    member_ids = db.select(Membership.id).where(Membership.programme_id == programme.id).scalar_subquery()
    day = func.date(PointsEntry.created_at)

    def points(kinds, sign):
        rows = db.session.execute(
            db.select(day, func.sum(PointsEntry.delta)).where(
                PointsEntry.membership_id.in_(member_ids), PointsEntry.bucket == "available",
                PointsEntry.kind.in_(kinds), PointsEntry.created_at >= since).group_by(day)).all()
        return [sign * n for n in _weekly(rows, starts)]

    def coupons(column, *where):
        d = func.date(column)
        rows = db.session.execute(db.select(d, func.count(Coupon.id)).where(
            Coupon.programme_id == programme.id, column >= since, *where).group_by(d)).all()
        return _weekly(rows, starts)

    revenue = dict(db.session.execute(
        db.select(Membership.tier_code, type_coerce(func.sum(Order.total - Order.refunded_amount), Money()))
        .join(Membership, db.and_(Membership.user_id == Order.user_id, Membership.programme_id == programme.id))
        .where(Order.tenant_id == g.tenant.id, Order.status.in_(BOUGHT)).group_by(Membership.tier_code)).all())
    labels = [s.strftime("%m-%d") for s in starts]
    earned = [t for t in r.tiers if not t.is_paid]
    charts = {
        "tiers": {"type": "doughnut", "labels": [t.name for t in earned],
                  "series": [{"label": _("Members"), "data": [tiers.get(t.code, 0) for t in earned]}]},
        "activity": {"type": "bar", "labels": [_("Active"), _("Intermittent"), _("Sleeping")],
                     "series": [{"label": _("Members"), "data": [by_activity.get(k, 0) for k in
                                                                 ("active", "intermittent", "sleeping")]}]},
        "points": {"type": "bar", "labels": labels, "series": [
            {"label": _("Issued"), "data": points(ISSUED + ("adjust",), 1)},
            {"label": _("Redeemed"), "data": points(("redeem", "exchange"), -1)},
            {"label": _("Expired"), "data": points(("expire",), -1)}]},
        "coupons": {"type": "line", "labels": labels, "series": [
            {"label": _("Issued"), "data": coupons(Coupon.created_at)},
            {"label": _("Used"), "data": coupons(Coupon.used_at, Coupon.used_at.is_not(None))}]},
        "revenue": {"type": "bar", "labels": [t.name for t in earned],
                    "series": [{"label": _("Revenue (¥)"), "data": [str(revenue.get(t.code) or 0) for t in earned]}]},
    }
    totals = {"members": sum(tiers.values()), "points": db.session.execute(
        db.select(func.coalesce(func.sum(Membership.points_available), 0))
        .where(Membership.programme_id == programme.id)).scalar()}
    return render_template("loyalty/merchant/dashboard.html", shop=g.tenant, charts=charts, totals=totals,
                           has_data=totals["members"] > 0)
