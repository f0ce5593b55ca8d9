"""Ledger invariants: balances equal their ledgers, nothing negative, coupons within stock and limits."""

from __future__ import annotations

from sqlalchemy import func, type_coerce

from mall.dbtypes import Money
from mall.extensions import db
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.models import PointsEntry, PointsLot
from plugins.loyalty.wallet.models import Wallet, WalletEntry


def violations() -> list[str]:
    """Every broken invariant, one readable line each (empty when all hold)."""
    found: list[str] = []
    found += _points()
    found += _wallets()
    found += _coupons()
    return found


def _points() -> list[str]:
    out = []
    sums = {
        (mid, bucket): total
        for mid, bucket, total in db.session.execute(
            db.select(PointsEntry.membership_id, PointsEntry.bucket, func.sum(PointsEntry.delta))
            .group_by(PointsEntry.membership_id, PointsEntry.bucket)
        )
    }
    lots = dict(db.session.execute(
        db.select(PointsLot.membership_id, func.sum(PointsLot.remaining)).group_by(PointsLot.membership_id)
    ).all())
    for m in db.session.execute(db.select(Membership).order_by(Membership.id)).scalars():
        available, pending = sums.get((m.id, "available"), 0) or 0, sums.get((m.id, "pending"), 0) or 0
        if m.points_available != available:
            out.append(f"membership {m.id}: available {m.points_available} != ledger {available}")
        if m.points_pending != pending:
            out.append(f"membership {m.id}: pending {m.points_pending} != ledger {pending}")
        if m.points_available < 0 or m.points_pending < 0:
            out.append(f"membership {m.id}: negative points")
        if (lots.get(m.id) or 0) != m.points_available:
            out.append(f"membership {m.id}: lots hold {lots.get(m.id) or 0} != available {m.points_available}")
    return out


def _wallets() -> list[str]:
    out = []
    sums = {
        (wid, balance): total
        for wid, balance, total in db.session.execute(
            db.select(WalletEntry.wallet_id, WalletEntry.balance,
                      type_coerce(func.sum(WalletEntry.delta), Money()))
            .group_by(WalletEntry.wallet_id, WalletEntry.balance)
        )
    }
    for w in db.session.execute(db.select(Wallet).order_by(Wallet.id)).scalars():
        for name in ("cash", "bonus"):
            ledger = sums.get((w.id, name)) or 0
            if getattr(w, name) != ledger:
                out.append(f"wallet {w.id}: {name} {getattr(w, name)} != ledger {ledger}")
            if getattr(w, name) < 0:
                out.append(f"wallet {w.id}: negative {name}")
    return out


def _coupons() -> list[str]:
    out = []
    counts = dict(db.session.execute(
        db.select(Coupon.template_id, func.count(Coupon.id)).group_by(Coupon.template_id)
    ).all())
    for t in db.session.execute(db.select(CouponTemplate).order_by(CouponTemplate.id)).scalars():
        n = counts.get(t.id, 0)
        if n != t.issued:
            out.append(f"coupon template {t.id}: issued {t.issued} != coupons {n}")
        if t.stock is not None and n > t.stock:
            out.append(f"coupon template {t.id}: {n} coupons over stock {t.stock}")
    over = db.session.execute(
        db.select(Coupon.template_id, Coupon.user_id, func.count(Coupon.id))
        .join(CouponTemplate, CouponTemplate.id == Coupon.template_id)
        .where(Coupon.source.in_(("claim", "exchange")))
        .group_by(Coupon.template_id, Coupon.user_id, CouponTemplate.per_member_limit)
        .having(func.count(Coupon.id) > CouponTemplate.per_member_limit)
    ).all()
    out += [f"coupon template {t}: user {u} holds {n}, over the per-member limit" for t, u, n in over]
    return out
