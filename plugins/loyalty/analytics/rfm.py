"""RFM scores in SQL: recency, frequency and money, 1 to 5 each by NTILE over the members who bought in a range."""

from __future__ import annotations

from sqlalchemy import case, func
from sqlalchemy.orm import aliased

from mall.extensions import db
from mall.orders.models import Order
from plugins.loyalty.members.models import Membership
from plugins.loyalty.segments.operations import BOUGHT


def scored(programme, start, end):
    """A subquery of (membership_id, r, f, m, segment) for the programme's members with a paid order in [start, end).

    NTILE(5) works the same on SQLite and PostgreSQL; ties are broken by membership id so a score never depends
    on the order rows happen to come in. Its own alias of the members, so it can sit inside a member filter.
    """
    member = aliased(Membership)
    where = [Order.user_id == member.user_id, Order.status.in_(BOUGHT), Order.paid_at >= start, Order.paid_at < end]
    if programme.tenant_id is not None:
        where.append(Order.tenant_id == programme.tenant_id)
    per = (db.select(member.id.label("mid"), func.max(Order.paid_at).label("last"),
                     func.count(Order.id).label("n"), func.sum(Order.total - Order.refunded_amount).label("v"))
           .join(Order, db.and_(*where)).where(member.programme_id == programme.id).group_by(member.id).subquery())
    scores = db.select(per.c.mid, func.ntile(5).over(order_by=(per.c.last, per.c.mid)).label("r"),
                       func.ntile(5).over(order_by=(per.c.n, per.c.mid)).label("f"),
                       func.ntile(5).over(order_by=(per.c.v, per.c.mid)).label("m")).subquery()
    return db.select(scores.c.mid.label("membership_id"), scores.c.r, scores.c.f, scores.c.m,
                     segment_of(scores.c.r, scores.c.f + scores.c.m).label("segment")).subquery()


def segment_of(r, fm):
    """The segment (analytics.schemas.RFM_SEGMENTS) of a recency score and the sum of the frequency and money ones."""
    return case((db.and_(r >= 4, fm >= 8), "champions"), (db.and_(r >= 3, fm >= 6), "loyal"),
                (r >= 4, "promising"), (db.and_(r <= 2, fm >= 6), "at_risk"), (r == 3, "needs_attention"),
                else_="hibernating")


def members_in(programme, segment: str, start, end):
    """SQL: the membership ids of one RFM segment over [start, end) (for the segment filter)."""
    rows = scored(programme, start, end)
    return db.select(rows.c.membership_id).where(rows.c.segment == segment)
