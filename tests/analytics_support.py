"""Rows for analytics and holdout tests: members in bulk, and paid orders at chosen moments with chosen totals."""

from __future__ import annotations

import itertools
from decimal import Decimal

from sqlalchemy import insert

from mall.accounts.models import User
from mall.extensions import db
from mall.orders.models import Checkout, Order, OrderStatus
from plugins.loyalty.members.models import Membership
from plugins.loyalty.programmes.operations import rules

_seq = itertools.count(1)


def bulk_members(programme, n: int, joined_at, tier: str | None = None, prefix: str = "m") -> list[int]:
    """`n` shoppers who joined `programme` at `joined_at` (one INSERT for users, one for members): user ids."""
    start = next(_seq) * 100000
    rows = [{"email": f"{prefix}{start + i}@example.com", "password_hash": "x", "name": f"Member {start + i}",
             "referral_code": f"R{start + i}", "consent_email": False, "consent_sms": False, "is_operator": False,
             "is_disabled": False, "created_at": joined_at} for i in range(n)]
    db.session.execute(insert(User), rows)
    ids = db.session.execute(db.select(User.id).where(User.email.like(f"{prefix}%"), User.id.not_in(
        db.select(Membership.user_id).where(Membership.programme_id == programme.id)))
        .order_by(User.id)).scalars().all()
    code = tier or rules(programme).tiers[0].code
    db.session.execute(insert(Membership), [
        {"programme_id": programme.id, "user_id": uid, "tier_code": code, "points_available": 0,
         "points_pending": 0, "streak": 0, "period_metric": Decimal(0), "lifetime_metric": Decimal(0),
         "joined_at": joined_at} for uid in ids])
    db.session.commit()
    return list(ids)


def paid_order(user_id: int, tenant_id: int, total: str, paid_at, refunded: str = "0",
               status: str = OrderStatus.COMPLETED) -> Order:
    """A paid order of `total` yuan at `paid_at` (its checkout too), added and flushed, not committed."""
    amount = Decimal(total)
    checkout = Checkout(user_id=user_id, total=amount, created_at=paid_at)
    db.session.add(checkout)
    db.session.flush()
    order = Order(tenant_id=tenant_id, user_id=user_id, checkout_id=checkout.id, status=status, goods=amount,
                  total=amount, refunded_amount=Decimal(refunded), created_at=paid_at, paid_at=paid_at)
    db.session.add(order)
    db.session.flush()
    return order
