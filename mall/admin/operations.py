"""The shop overview's figures: sales KPIs against the previous period, and sales per day, week or month."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, type_coerce

from mall.dbtypes import Money
from mall.extensions import db
from mall.money import round_half_up
from mall.orders.models import Order, OrderStatus
from mall.periods import Period, change

#: Orders that were paid for (whatever happened to them later, except a full refund or cancellation).
PAID = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.SETTLED,
        OrderStatus.PARTIALLY_REFUNDED)
#: Each KPI's name and how it is counted.
KPIS = {
    "revenue": (_l("Revenue"), _l("Paid orders in the period, less refunds.")),
    "orders": (_l("Paid orders"), _l("Orders paid in the period and not cancelled or fully refunded.")),
    "buyers": (_l("Buyers"), _l("Shoppers with at least one paid order in the period.")),
    "average": (_l("Average order"), _l("Revenue divided by paid orders.")),
}


def _in(period: Period):
    return db.and_(Order.paid_at >= period.start, Order.paid_at < period.end)


def sales(tenant, period: Period) -> list[dict]:
    """The KPI cards for `period` with the previous period's figures, from one aggregate query."""
    before = period.previous()
    net = Order.total - Order.refunded_amount
    cols = []
    for p in (period, before):
        cols += [type_coerce(func.coalesce(func.sum(case((_in(p), net), else_=literal(0))), 0), Money()),
                 func.count(case((_in(p), Order.id))), func.count(func.distinct(case((_in(p), Order.user_id))))]
    row = db.session.execute(db.select(*cols).where(
        Order.tenant_id == tenant.id, Order.status.in_(PAID), Order.paid_at >= before.start,
        Order.paid_at < period.end)).one()
    figures = {}
    for i, key in ((0, "now"), (3, "before")):
        revenue, orders, buyers = Decimal(row[i] or 0), int(row[i + 1]), int(row[i + 2])
        figures[key] = {"revenue": revenue, "orders": orders, "buyers": buyers,
                        "average": round_half_up(revenue / orders) if orders else None}
    return [{"key": key, "label": label, "help": help_text, "value": figures["now"][key],
             "previous": figures["before"][key], "change": change(figures["now"][key], figures["before"][key])}
            for key, (label, help_text) in KPIS.items()]


def sales_chart(tenant, period: Period) -> dict:
    """Paid orders and revenue per bucket of the period, as one chart each."""
    bucket = period.bucket_of(Order.paid_at)
    rows = db.session.execute(
        db.select(bucket, func.count(Order.id), type_coerce(func.sum(Order.total - Order.refunded_amount), Money()))
        .where(Order.tenant_id == tenant.id, Order.status.in_(PAID), _in(period)).group_by(bucket)).all()
    size, labels = len(period.buckets()), period.labels()
    counts, money = [0] * size, [Decimal(0)] * size
    for b, n, total in rows:
        counts[int(b)] += int(n)
        money[int(b)] += total or Decimal(0)
    return {
        "orders": {"type": "bar", "labels": labels, "integer": True, "x": _("Period starting"), "y": _("Orders"),
                   "series": [{"label": _("Paid orders"), "data": counts}]},
        "revenue": {"type": "line", "labels": labels, "money": True, "x": _("Period starting"),
                    "y": _("Revenue (¥)"), "series": [{"label": _("Revenue (¥)"), "data": [str(m) for m in money]}]},
    }
