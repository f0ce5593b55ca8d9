"""The points ledger (lots, pending points, spending, expiry) and what an order earns."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, exists, func, insert, or_, select, update

from mall import clock
from mall.audit.operations import record
from mall.dbtypes import UTCDateTime
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.ledger import Posted, Posting, Then, post, send, taken_in
from mall.money import ZERO, round_half_up
from plugins.loyalty import keys
from plugins.loyalty.members.models import Membership
from plugins.loyalty.points.models import LotUse, PointsEntry, PointsLot
from plugins.loyalty.programmes.operations import rules
from plugins.loyalty.webhooks import operations as hooks

_BALANCES = {"available": Membership.__table__.c.points_available, "pending": Membership.__table__.c.points_pending}
#: A points history reads newest first by when it happened (ids follow insertion, not the moment of a backdated
#: or replayed entry); the id breaks ties within one moment.
HISTORY_ORDER = (PointsEntry.created_at.desc(), PointsEntry.id.desc())
#: Points that lapse within this many days are shown to the member as expiring soon.
EXPIRING_SOON_DAYS = 30


def kept_fraction(line, kept_qty: int) -> Fraction:
    """The share of a line the shopper kept (kept units of its units), exactly; what every kept amount scales by."""
    if kept_qty >= line.qty:
        return Fraction(1)
    return Fraction(max(kept_qty, 0), line.qty)


def kept_paid(line, kept_qty: int) -> Fraction:
    """Money paid for the kept units of a line, exactly."""
    return Fraction(line.paid) * kept_fraction(line, kept_qty)


def kept_quantities(order) -> dict[int, int]:
    """Units of each line not refunded."""
    return {line.id: line.qty - line.refunded_qty for line in order.lines}


def paid_exactly(order, kept: dict[int, int] | None = None) -> Fraction:
    """Money paid for the (kept) goods, no shipping and no points, exactly."""
    return sum((kept_paid(line, line.qty if kept is None else kept.get(line.id, 0)) for line in order.lines),
               Fraction(0))


def paid_goods(order, kept: dict[int, int] | None = None) -> Decimal:
    """Money paid for the (kept) goods, no shipping and no points, rounded half-up to the cent."""
    paid = paid_exactly(order, kept)
    return round_half_up(Decimal(paid.numerator) / Decimal(paid.denominator))


def metric_for(order, rules, kept: dict[int, int] | None = None) -> Decimal:
    """The level metric an order is worth: spend (goods money paid), 1 order, or growth value."""
    paid = paid_exactly(order, kept)
    if rules.metric == "orders":
        return Decimal(1) if paid > 0 else ZERO
    if rules.metric == "growth":
        growth = rules.growth
        value = paid * Fraction(Decimal(growth["points"])) / Fraction(Decimal(growth["per_amount"]))
        return Decimal(math.floor(value))
    return paid_goods(order, kept)


def entry_posting(membership: Membership, bucket: str, delta: int, key: str, kind: str, also: dict | None = None,
                  **values) -> Posting:
    """A points entry and the move of its bucket's cached balance, to send alone or with other writes."""
    values = {"membership_id": membership.id, "bucket": bucket, "delta": delta, "kind": kind,
              "idempotency_key": key, "programme_version": membership.programme.version,
              "created_at": values.pop("created_at", None) or clock.now(), **values}
    return Posting(PointsEntry.__table__, values, _BALANCES[bucket], membership.id, delta, also or {})


def posted(membership: Membership, posting: Posting, result: Posted) -> int | None:
    """Take in what sending a posting did: the entry id (None for a used key); 409 when points were short."""
    return taken_in(membership, posting, result, lambda: Conflict(_("Not enough points."), code="insufficient_points"))


def _post(membership: Membership, bucket: str, delta: int, key: str, kind: str, also: dict | None = None,
          **values) -> int | None:
    """Write one points entry and move the bucket's cached balance with it; the entry id, None for a used key."""
    posting = entry_posting(membership, bucket, delta, key, kind, also, **values)
    return posted(membership, posting, post(posting))


def lot_expiry(membership: Membership, available_at: datetime):
    """When a lot that becomes available at this moment lapses under the programme's policy."""
    return expiry_of(rules(membership.programme).expiry, available_at, clock.zone_of(membership.programme.tenant))


def expiry_of(policy: dict, available_at: datetime, zone: str):
    """When a lot available at this moment lapses under an expiry policy (None: no date of its own)."""
    if policy["policy"] == "fixed":
        return available_at + timedelta(days=policy["days"])
    if policy["policy"] == "year_end":
        tz = ZoneInfo(zone)
        year = available_at.astimezone(tz).year + policy["years_after"]
        return clock.as_utc(datetime(year + 1, 1, 1, tzinfo=tz))
    return None


def inactive_lapsed(policy: dict, since: datetime, at: datetime) -> bool:
    """Whether, under the inactivity policy, everything lapsed by `at` (the last paid order, or joining, `since`)."""
    return policy["policy"] == "inactivity" and since + timedelta(days=policy["days"]) <= at


def credit(membership: Membership, points: int, kind: str, key: str, *, order_id=None, reason=None, actor=None,
           funded_by=None, expires_at=None, at=None) -> int | None:
    """Add available points as a new lot; the entry id, or None when `key` was credited before."""
    if points <= 0:
        return None
    at = at or clock.now()
    expires_at = expires_at if expires_at is not None else lot_expiry(membership, at)
    entry_id = _post(membership, "available", points, key, kind, order_id=order_id, expires_at=expires_at,
                     reason=reason, actor_id=getattr(actor, "id", None), funded_by=funded_by, created_at=at)
    if entry_id is None:
        return None
    lots, entries = PointsLot.__table__, PointsEntry.__table__
    lot_id = db.session.execute(
        insert(lots).values(membership_id=membership.id, amount=points, remaining=points, expires_at=expires_at,
                            created_at=at).returning(lots.c.id)).scalar_one()
    db.session.execute(update(entries).where(entries.c.id == entry_id).values(lot_id=lot_id))
    hooks.points_credited(membership, entry_id, points, kind, expires_at, order_id)
    return entry_id


def add_pending(membership: Membership, points: int, kind: str, key: str, *, order_id=None,
                available_at=None) -> int | None:
    """Record pending points (positive) or cancel some (negative) in the pending bucket."""
    if points == 0:
        return None
    return _post(membership, "pending", points, key, kind, order_id=order_id, available_at=available_at)


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
          at=None) -> int | None:
    """Take available points from the earliest-expiring lots; the entry id (None for a used key); 409 if short."""
    if points <= 0:
        return None
    parts = debit_parts(membership, points, kind, key, order_id=order_id, reason=reason, actor=actor, at=at)
    return debited(membership, parts, send(parts))


def debit_parts(membership: Membership, points: int, kind: str, key: str, *, order_id=None, reason=None,
                actor=None, at=None, joint: tuple = (), also: dict | None = None) -> list:
    """The batch parts of a debit: the entry with its balance move, then the lots it spends.

    `joint` postings (pending points) and `also` columns move with the same update of the membership.
    """
    at = at or clock.now()
    posting = replace(entry_posting(membership, "available", -points, key, kind, also, order_id=order_id,
                                    reason=reason, actor_id=getattr(actor, "id", None), created_at=at), joint=joint)
    return [posting, Then(posting, _spend_lots_statement, {"member": membership.id, "points": points, "at": at},
                          lambda entry_id: _spend_lots_one_by_one(membership, points, at, entry_id))]


def debited(membership: Membership, parts: list, results: list) -> int | None:
    """Take in a sent debit: the entry id (None for a used key); 409 when points were short or lots changed."""
    entry_id = posted(membership, parts[0], results[0])
    if entry_id is not None and results[1] != -parts[0].delta:
        raise Conflict(_("Your points changed meanwhile; please try again."), code="points_conflict")
    return entry_id


def _spend_lots_statement(prefix: str, entry_id, moved):
    """Earliest-expiring lots first (no expiry last), each giving what the lots before it left: the points taken.

    Runs in the debit's statement after its balance update, which locks the member's row so spenders of
    one member take turns. The lots are read FOR UPDATE: under READ COMMITTED that returns their newest
    versions even though the statement's snapshot is older, so a spender that waited sees what the
    one before it took; a lot changed anyway fails its `remaining >= take` guard and the total comes up short.
    """
    lots, uses = PointsLot.__table__.alias("l"), LotUse.__table__
    member, points = bindparam(f"{prefix}member"), bindparam(f"{prefix}points", type_=Integer())
    at = bindparam(f"{prefix}at", type_=UTCDateTime())
    locked = (select(lots.c.id, lots.c.remaining, lots.c.expires_at)
              .where(lots.c.membership_id == member, lots.c.remaining > 0,
                     or_(lots.c.expires_at.is_(None), lots.c.expires_at > at), exists(select(moved)))
              .with_for_update().cte(f"{prefix}l"))
    # Lots in spending order; `before` (what the lots ahead hold) rises along it, so it orders the uses too.
    window = {"order_by": (locked.c.expires_at.is_(None), locked.c.expires_at, locked.c.id)}
    candidates = select(locked.c.id, locked.c.remaining,
                        (func.sum(locked.c.remaining).over(**window) - locked.c.remaining).label("before")
                        ).cte(f"{prefix}c")
    takes = (select(candidates.c.id, candidates.c.before,
                    func.least(candidates.c.remaining, points - candidates.c.before).label("take"))
             .where(candidates.c.before < points).cte(f"{prefix}t"))
    spent = (update(lots).where(lots.c.id == takes.c.id, lots.c.remaining >= takes.c.take)
             .values(remaining=lots.c.remaining - takes.c.take)
             .returning(lots.c.id, takes.c.take, takes.c.before).cte(f"{prefix}s"))
    used = (insert(uses).from_select(["entry_id", "lot_id", "points"],
                                     select(entry_id, spent.c.id, spent.c.take).order_by(spent.c.before))
            .returning(uses.c.points).cte(f"{prefix}u"))
    return select(func.coalesce(func.sum(used.c.points), 0)).scalar_subquery()


def _spend_lots_one_by_one(membership: Membership, points: int, at, entry_id: int) -> int:
    """The same spending as _spend_lots_statement, a conditional update per lot (no writable CTEs)."""
    left = points
    for lot in spendable_lots(membership, at):
        take = min(left, lot.remaining)
        result = db.session.execute(
            update(PointsLot).where(PointsLot.id == lot.id, PointsLot.remaining >= take)
            .values(remaining=PointsLot.remaining - take).execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            break
        db.session.add(LotUse(entry_id=entry_id, lot_id=lot.id, points=take))
        left -= take
        if left == 0:
            break
    db.session.flush()
    return points - left


def return_to_lots(membership: Membership, redeem_entry: PointsEntry, points: int, key: str, order_id=None) -> int:
    """Put redeemed points back into the lots they came from (original expiry), newest use first."""
    if points <= 0:
        return 0
    uses = db.session.execute(
        db.select(LotUse).filter_by(entry_id=redeem_entry.id).order_by(LotUse.id.desc())
    ).scalars().all()
    if _post(membership, "available", points, key, "return", order_id=order_id) is None:
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
        if not inactive_lapsed(rules(membership.programme).expiry, membership.last_order_at or membership.joined_at,
                               at):
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
        if _expire_lot(membership, lot, points, at):
            total += points
    return total


class _LotChanged(Exception):
    """A lot changed between reading it and lapsing it; its expiry is left to the next run."""


def _expire_lot(membership: Membership, lot: PointsLot, points: int, at: datetime) -> bool:
    """Lapse one lot's remaining points: the entry and balance first (the membership row lock, the same
    order a debit takes), then the lot; a replayed key or a lot changed meanwhile lapses nothing."""
    key = keys.expire(lot.id, lot.amount, points, at)
    try:
        with db.session.begin_nested():
            entry_id = _post(membership, "available", -points, key, "expire", lot_id=lot.id, created_at=at)
            if entry_id is None:
                return False
            result = db.session.execute(
                update(PointsLot).where(PointsLot.id == lot.id, PointsLot.remaining == points)
                .values(remaining=0).execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise _LotChanged
    except _LotChanged:
        return False
    hooks.points_expired(membership, entry_id, points, at)
    return True


def month_key(moment: datetime, tz: str, every: str = "month") -> str:
    """The calendar period of a moment in a timezone: "2026-11" or "2026-Q4"."""
    local = moment.astimezone(ZoneInfo(tz))
    if every == "quarter":
        return f"{local.year}-Q{(local.month - 1) // 3 + 1}"
    return f"{local.year}-{local.month:02d}"


def adjust(membership: Membership, delta: int, reason: str, key: str, actor, tenant) -> None:
    """A manager adds (or with a negative delta takes) points with a reason, audited; the page and the API use it.

    Taking more than is available is a field error on `delta`, and nothing is written.
    """
    if delta < 0 and -delta > membership.points_available:
        raise FieldErrors(_("Not enough points."), {"delta": [
            _("The member has %(n)d points available.", n=membership.points_available)]})
    if delta > 0:
        credit(membership, delta, "adjust", key, reason=reason, actor=actor, funded_by="shop")
    else:
        debit(membership, -delta, "adjust", key, reason=reason, actor=actor)
    record("points.adjusted", membership.user.email, actor=actor, tenant=tenant, delta=delta, reason=reason,
           membership_id=membership.id)


def expiring_soon(members: list[Membership], at: datetime, days: int) -> dict[int, list[tuple[datetime, int]]]:
    """What lapses within `days` of `at`, per membership: [(when, points)] soonest first, in one query for all.

    Lots with their own expiry (fixed, year_end) are summed by date; under the inactivity policy every
    available point lapses together `days` after the last paid order, unless another order renews it.
    """
    out: dict[int, list[tuple[datetime, int]]] = {m.id: [] for m in members}
    until = at + timedelta(days=days)
    dated = [m.id for m in members if rules(m.programme).expiry["policy"] in ("fixed", "year_end")]
    if dated:
        rows = db.session.execute(
            db.select(PointsLot.membership_id, PointsLot.expires_at, func.sum(PointsLot.remaining))
            .where(PointsLot.membership_id.in_(dated), PointsLot.remaining > 0, PointsLot.expires_at > at,
                   PointsLot.expires_at <= until)
            .group_by(PointsLot.membership_id, PointsLot.expires_at).order_by(PointsLot.expires_at)
        ).all()
        for member_id, when, points in rows:
            out[member_id].append((when, int(points)))
    for m in members:
        expiry = rules(m.programme).expiry
        if expiry["policy"] == "inactivity" and m.points_available > 0:
            lapses = (m.last_order_at or m.joined_at) + timedelta(days=expiry["days"])
            if at < lapses <= until:
                out[m.id].append((lapses, m.points_available))
    return out


def liability_value(programme, points: int) -> Decimal | None:
    """What `points` owe in money at the programme's redemption rate, rounded half up to the cent (the points
    liability of dashboards and settlement); None when the programme's points cannot be spent."""
    redeem = rules(programme).redeem
    if not redeem:
        return None
    return round_half_up(Decimal(int(points)) / Decimal(redeem["points_per_unit"]))
