"""The loyalty dashboard's figures: each KPI defined once, counted with a fixed number of aggregate queries."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, type_coerce

from mall import clock
from mall.dbtypes import Money
from mall.extensions import db
from mall.i18n import localized
from mall.orders.models import Order
from mall.periods import Period, change, rate
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.points.operations import liability_value
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.segments.operations import BOUGHT, activity

#: Points entries that give points, take spent points, or let them lapse.
ISSUED = ("earn", "join", "check_in", "review", "birthday", "referral", "referee", "return", "adjust", "event")
REDEEMED = ("redeem", "exchange", "mall")
EXPIRED = ("expire",)
#: Each KPI's name and how it is counted: the card's label and its help text.
KPIS = {
    "members": (_l("Members"), _l("Members who had joined by the end of the period.")),
    "active_rate": (_l("Active rate"), _l("Members with at least one paid order in the period, out of all members.")),
    "repurchase_rate": (_l("Repurchase rate"),
                        _l("Members with two or more paid orders in the period, out of members with at least one.")),
    "liability": (_l("Points liability"), _l("Points members could spend at the end of the period, and what they "
                                             "are worth at the programme's redemption rate.")),
    "coupon_rate": (_l("Coupon redemption rate"),
                    _l("Coupons issued in the period that were used by its end, out of all issued in it.")),
    "revenue": (_l("Revenue from members"), _l("Paid orders of members in the period, less refunds.")),
}


def _paid_in(period: Period):
    return db.and_(Order.paid_at >= period.start, Order.paid_at < period.end)


def _members(programme, now: Period, before: Period) -> tuple[int, int]:
    row = db.session.execute(db.select(
        func.count(case((Membership.joined_at < now.end, 1))),
        func.count(case((Membership.joined_at < before.end, 1))),
    ).where(Membership.programme_id == programme.id)).one()
    return int(row[0]), int(row[1])


def _buyers(programme, tenant, now: Period, before: Period) -> dict:
    """Per member, orders and net spend in each period (one subquery), summed into buyers, repeat buyers, revenue."""
    net = Order.total - Order.refunded_amount
    per = {}
    for key, p in (("now", now), ("before", before)):
        inside = db.and_(_paid_in(p), Membership.joined_at < p.end)
        per[key] = (func.count(case((inside, Order.id))).label(f"n_{key}"),
                    func.coalesce(func.sum(case((inside, net), else_=literal(0))), 0).label(f"v_{key}"))
    sub = (db.select(Membership.id, *per["now"], *per["before"])
           .join(Order, db.and_(Order.user_id == Membership.user_id, Order.tenant_id == tenant.id))
           .where(Membership.programme_id == programme.id, Order.status.in_(BOUGHT),
                  Order.paid_at >= before.start, Order.paid_at < now.end)
           .group_by(Membership.id).subquery())
    row = db.session.execute(db.select(
        func.count(case((sub.c.n_now >= 1, 1))), func.count(case((sub.c.n_now >= 2, 1))),
        type_coerce(func.coalesce(func.sum(sub.c.v_now), 0), Money()),
        func.count(case((sub.c.n_before >= 1, 1))), func.count(case((sub.c.n_before >= 2, 1))),
        type_coerce(func.coalesce(func.sum(sub.c.v_before), 0), Money()),
    )).one()
    return {"now": (int(row[0]), int(row[1]), row[2] or Decimal(0)),
            "before": (int(row[3]), int(row[4]), row[5] or Decimal(0))}


def _points_left(programme, now: Period, before: Period) -> tuple[int, int]:
    # The ledger, not the cached balances, so the previous period's end can be read too.
    row = db.session.execute(db.select(
        func.coalesce(func.sum(case((PointsEntry.created_at < now.end, PointsEntry.delta), else_=0)), 0),
        func.coalesce(func.sum(case((PointsEntry.created_at < before.end, PointsEntry.delta), else_=0)), 0),
    ).join(Membership, Membership.id == PointsEntry.membership_id)
        .where(Membership.programme_id == programme.id, PointsEntry.bucket == "available")).one()
    return int(row[0]), int(row[1])


def _coupons(programme, now: Period, before: Period) -> dict:
    cols = []
    for p in (now, before):
        issued = db.and_(Coupon.created_at >= p.start, Coupon.created_at < p.end)
        cols += [func.count(case((issued, 1))), func.count(case((db.and_(issued, Coupon.used_at < p.end), 1)))]
    row = db.session.execute(db.select(*cols).where(Coupon.programme_id == programme.id,
                                                    Coupon.created_at >= before.start,
                                                    Coupon.created_at < now.end)).one()
    return {"now": (int(row[0]), int(row[1])), "before": (int(row[2]), int(row[3]))}


def kpis(programme, tenant, period: Period) -> list[dict]:
    """The KPI cards for `period`, each with the previous period's figure and the change against it."""
    before = period.previous()
    members = _members(programme, period, before)
    buyers = _buyers(programme, tenant, period, before)
    points = _points_left(programme, period, before)
    coupons = _coupons(programme, period, before)
    figures = {
        "members": members,
        "active_rate": (rate(buyers["now"][0], members[0]), rate(buyers["before"][0], members[1])),
        "repurchase_rate": (rate(buyers["now"][1], buyers["now"][0]), rate(buyers["before"][1], buyers["before"][0])),
        "liability": points,
        "coupon_rate": (rate(coupons["now"][1], coupons["now"][0]), rate(coupons["before"][1], coupons["before"][0])),
        "revenue": (buyers["now"][2], buyers["before"][2]),
    }
    details = {"active_rate": (buyers["now"][0], members[0]), "repurchase_rate": buyers["now"][:2][::-1],
               "coupon_rate": coupons["now"][::-1]}
    cards = []
    for key, (label, help_text) in KPIS.items():
        value, previous = figures[key]
        cards.append({"key": key, "label": label, "help": help_text, "value": value, "previous": previous,
                      "change": change(value, previous), "of": details.get(key),
                      "money": liability_value(programme, value) if key == "liability" else None})
    return cards


def _series(rows, size: int) -> list[int]:
    """(bucket, n) rows as a list of `size` counts."""
    out = [0] * size
    for bucket, n in rows:
        out[int(bucket)] += int(n or 0)
    return out


def charts(programme, tenant, period: Period) -> dict:
    """The charts: members by tier and activity now, points and coupons per bucket, revenue by tier in the period."""
    r = rules(programme)
    at = clock.now()
    earned = [t for t in r.tiers if not t.is_paid]
    tiers = dict(db.session.execute(db.select(Membership.tier_code, func.count(Membership.id)).where(
        Membership.programme_id == programme.id).group_by(Membership.tier_code)).all())
    act = activity(programme, at)
    by_activity = dict(db.session.execute(db.select(act, func.count(Membership.id)).where(
        Membership.programme_id == programme.id).group_by(act)).all())
    size, labels = len(period.buckets()), period.labels()
    at_bucket = period.bucket_of(PointsEntry.created_at)
    kind = case((PointsEntry.kind.in_(REDEEMED), "redeemed"), (PointsEntry.kind.in_(EXPIRED), "expired"),
                (PointsEntry.kind.in_(ISSUED), "issued"), else_="other")
    flows = db.session.execute(db.select(at_bucket, kind, func.sum(PointsEntry.delta))
                               .join(Membership, Membership.id == PointsEntry.membership_id)
                               .where(Membership.programme_id == programme.id, PointsEntry.bucket == "available",
                                      PointsEntry.created_at >= period.start, PointsEntry.created_at < period.end)
                               .group_by(at_bucket, kind)).all()

    def flow(name, sign):
        return _series([(b, sign * n) for b, k, n in flows if k == name], size)

    def coupons(column):
        b = period.bucket_of(column)
        return _series(db.session.execute(db.select(b, func.count(Coupon.id)).where(
            Coupon.programme_id == programme.id, column >= period.start, column < period.end).group_by(b)).all(),
            size)

    revenue = dict(db.session.execute(
        db.select(Membership.tier_code, type_coerce(func.sum(Order.total - Order.refunded_amount), Money()))
        .join(Membership, db.and_(Membership.user_id == Order.user_id, Membership.programme_id == programme.id))
        .where(Order.tenant_id == tenant.id, Order.status.in_(BOUGHT), _paid_in(period))
        .group_by(Membership.tier_code)).all())
    names = [localized(t, "name") for t in earned]
    members, pts = _("Members"), _("Points")
    return {
        "tiers": {"type": "doughnut", "labels": names, "unit": members,
                  "series": [{"label": members, "data": [tiers.get(t.code, 0) for t in earned]}]},
        "activity": {"type": "bar", "labels": [_("Active"), _("Intermittent"), _("Sleeping")], "integer": True,
                     "x": _("Activity"), "y": members,
                     "series": [{"label": members, "data": [by_activity.get(k, 0) for k in
                                                            ("active", "intermittent", "sleeping")]}]},
        # Points going out are drawn below the axis, stacked with those coming in: one bar a day reads at a glance.
        "points": {"type": "bar", "labels": labels, "integer": True, "stacked": True, "x": _("Period starting"),
                   "y": pts,
                   "series": [{"label": _("Issued"), "data": flow("issued", 1)},
                              {"label": _("Redeemed"), "data": flow("redeemed", 1)},
                              {"label": _("Expired"), "data": flow("expired", 1)}]},
        "coupons": {"type": "bar", "labels": labels, "integer": True, "x": _("Period starting"), "y": _("Coupons"),
                    "series": [{"label": _("Issued"), "data": coupons(Coupon.created_at)},
                               {"label": _("Used"), "data": coupons(Coupon.used_at)}]},
        "revenue": {"type": "bar", "labels": names, "money": True, "x": _("Tier"), "y": _("Revenue (¥)"),
                    "series": [{"label": _("Revenue (¥)"),
                                "data": [str(revenue.get(t.code) or "0.00") for t in earned]}]},
    }
