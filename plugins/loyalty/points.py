"""The points ledger: credits as lots, pending points, earliest-expiring-first spending, expiry."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from mall import clock
from mall.errors import Conflict
from mall.extensions import db
from mall.insert_once import insert_once
from plugins.loyalty.models import LotUse, Membership, PointsEntry, PointsLot
from plugins.loyalty.programmes import rules


def _move_balance(membership: Membership, bucket: str, delta: int) -> None:
    """Change a cached balance with one conditional update that refuses to go below zero."""
    column = Membership.points_available if bucket == "available" else Membership.points_pending
    balance = db.session.execute(
        update(Membership).where(Membership.id == membership.id, column + delta >= 0)
        .values({column.key: column + delta}).returning(column).execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if balance is None:
        raise Conflict(_("Not enough points."), code="insufficient_points")
    # The database's new balance, without reloading the whole row.
    set_committed_value(membership, column.key, balance)


def lot_expiry(membership: Membership, available_at: datetime):
    """When a lot that becomes available at this moment lapses under the programme's policy."""
    policy = rules(membership.programme).expiry
    if policy["policy"] == "fixed":
        return available_at + timedelta(days=policy["days"])
    if policy["policy"] == "year_end":
        tz = ZoneInfo(clock.zone_of(membership.programme.tenant))
        year = available_at.astimezone(tz).year + policy["years_after"]
        return clock.as_utc(datetime(year + 1, 1, 1, tzinfo=tz))
    return None


def credit(membership: Membership, points: int, kind: str, key: str, *, order_id=None, reason=None, actor=None,
           funded_by=None, expires_at=None, at=None) -> PointsEntry | None:
    """Add available points as a new lot; None when `key` was credited before."""
    if points <= 0:
        return None
    at = at or clock.now()
    expires_at = expires_at if expires_at is not None else lot_expiry(membership, at)
    entry = PointsEntry(membership_id=membership.id, bucket="available", delta=points, kind=kind, order_id=order_id,
                        expires_at=expires_at, programme_version=membership.programme.version, idempotency_key=key,
                        reason=reason, actor_id=getattr(actor, "id", None), funded_by=funded_by, created_at=at)
    entry = insert_once(entry)
    if entry is None:
        return None
    lot = PointsLot(membership_id=membership.id, amount=points, remaining=points, expires_at=expires_at, created_at=at)
    db.session.add(lot)
    db.session.flush()
    entry.lot_id = lot.id
    _move_balance(membership, "available", points)
    return entry


def add_pending(membership: Membership, points: int, kind: str, key: str, *, order_id=None,
                available_at=None) -> PointsEntry | None:
    """Record pending points (positive) or cancel some (negative) in the pending bucket."""
    if points == 0:
        return None
    entry = PointsEntry(membership_id=membership.id, bucket="pending", delta=points, kind=kind, order_id=order_id,
                        available_at=available_at, programme_version=membership.programme.version,
                        idempotency_key=key, created_at=clock.now())
    entry = insert_once(entry)
    if entry is None:
        return None
    _move_balance(membership, "pending", points)
    return entry


def spendable_lots(membership: Membership, at=None):
    """Lots with points left that have not lapsed, earliest-expiring first (no expiry last)."""
    at = at or clock.now()
    return db.session.execute(
        db.select(PointsLot).where(
            PointsLot.membership_id == membership.id, PointsLot.remaining > 0,
            db.or_(PointsLot.expires_at.is_(None), PointsLot.expires_at > at),
        ).order_by(PointsLot.expires_at.is_(None), PointsLot.expires_at, PointsLot.id)
    ).scalars().all()


def debit(membership: Membership, points: int, kind: str, key: str, *, order_id=None, reason=None, actor=None,
          at=None) -> PointsEntry | None:
    """Take available points from the earliest-expiring lots; 409 when there are not enough."""
    if points <= 0:
        return None
    at = at or clock.now()
    entry = PointsEntry(membership_id=membership.id, bucket="available", delta=-points, kind=kind, order_id=order_id,
                        programme_version=membership.programme.version, idempotency_key=key, reason=reason,
                        actor_id=getattr(actor, "id", None), created_at=at)
    entry = insert_once(entry)
    if entry is None:
        return None
    _move_balance(membership, "available", -points)
    left = points
    for lot in spendable_lots(membership, at):
        take = min(left, lot.remaining)
        result = db.session.execute(
            update(PointsLot).where(PointsLot.id == lot.id, PointsLot.remaining >= take)
            .values(remaining=PointsLot.remaining - take).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise Conflict(_("Your points changed meanwhile; please try again."), code="points_conflict")
        db.session.add(LotUse(entry_id=entry.id, lot_id=lot.id, points=take))
        left -= take
        if left == 0:
            break
    if left:
        raise Conflict(_("Not enough points."), code="insufficient_points")
    db.session.flush()
    return entry


def return_to_lots(membership: Membership, redeem_entry: PointsEntry, points: int, key: str, order_id=None) -> int:
    """Put redeemed points back into the lots they came from (original expiry), newest use first."""
    if points <= 0:
        return 0
    uses = db.session.execute(
        db.select(LotUse).filter_by(entry_id=redeem_entry.id).order_by(LotUse.id.desc())
    ).scalars().all()
    entry = PointsEntry(membership_id=membership.id, bucket="available", delta=points, kind="return",
                        order_id=order_id, programme_version=membership.programme.version, idempotency_key=key,
                        created_at=clock.now())
    entry = insert_once(entry)
    if entry is None:
        return 0
    left = points
    for use in uses:
        lot = db.session.get(PointsLot, use.lot_id)
        room = min(left, lot.amount - lot.remaining, use.points)
        if room <= 0:
            continue
        db.session.execute(update(PointsLot).where(PointsLot.id == lot.id)
                           .values(remaining=PointsLot.remaining + room).execution_options(synchronize_session=False))
        left -= room
        if left == 0:
            break
    if left:
        # Defensive: lots can always take back what they gave, but never lose points silently.
        db.session.add(PointsLot(membership_id=membership.id, amount=left, remaining=left,
                                 expires_at=lot_expiry(membership, clock.now())))
    _move_balance(membership, "available", points)
    return points


def take_back(membership: Membership, points: int, key: str, order_id=None) -> tuple[int, int]:
    """Claw back earned points after a refund, never below zero; returns (taken, shortfall)."""
    taken = min(points, membership.points_available)
    if taken > 0:
        debit(membership, taken, "clawback", key, order_id=order_id)
    return taken, points - taken


def expire_due(membership: Membership, at: datetime, dry_run: bool = False) -> int:
    """Lapse what the expiry policy says has lapsed by `at`; returns the points expired."""
    policy = rules(membership.programme).expiry["policy"]
    lots_q = db.select(PointsLot).where(PointsLot.membership_id == membership.id, PointsLot.remaining > 0)
    if policy == "inactivity":
        days = rules(membership.programme).expiry["days"]
        since = membership.last_order_at or membership.joined_at
        if since + timedelta(days=days) > at:
            return 0
    elif policy in ("fixed", "year_end"):
        lots_q = lots_q.where(PointsLot.expires_at.is_not(None), PointsLot.expires_at <= at)
    else:
        return 0
    total = 0
    for lot in db.session.execute(lots_q.order_by(PointsLot.id)).scalars().all():
        points = lot.remaining
        if dry_run:
            total += points
            continue
        result = db.session.execute(
            update(PointsLot).where(PointsLot.id == lot.id, PointsLot.remaining == points)
            .values(remaining=0).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        entry = PointsEntry(membership_id=membership.id, bucket="available", delta=-points, kind="expire",
                            lot_id=lot.id, programme_version=membership.programme.version,
                            idempotency_key=f"expire:{lot.id}:{lot.amount}:{points}:{at.isoformat()}", created_at=at)
        db.session.add(entry)
        _move_balance(membership, "available", -points)
        total += points
    return total


def month_key(moment: datetime, tz: str, every: str = "month") -> str:
    """The calendar period of a moment in a timezone: "2026-11" or "2026-Q4"."""
    local = moment.astimezone(ZoneInfo(tz))
    if every == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year}-{local.month:02d}"
