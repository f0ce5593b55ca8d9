"""The simulation engine: a programme's rules replayed in memory over past settled orders, in time order.

Every piece of arithmetic is the live code's own pure function: earning (`rules.operations.earning_at` /
`evaluate`), the level metric (`points.operations.metric_for`), upgrades and validity periods
(`members.operations.upgrade_to`, `kept_at_period_end`), lot expiry (`points.operations.expiry_of`,
`inactive_lapsed`), the member price (`checkout.operations.member_tier`, `Tier.price_off`) and the rebate
(`checkout.receivers.rebate_for`). Nothing here writes to the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from mall import clock
from mall.money import ZERO
from plugins.loyalty.checkout.operations import member_tier
from plugins.loyalty.checkout.receivers import rebate_for
from plugins.loyalty.members.operations import kept_at_period_end, upgrade_to
from plugins.loyalty.points.operations import expiry_of, inactive_lapsed, kept_quantities, metric_for, month_key
from plugins.loyalty.rules.operations import categories_of, earning_at, evaluate

#: How many members the result lists as the most affected.
MOST_AFFECTED = 10


@dataclass
class Member:
    """A membership's simulated state: tier, window, lots and what it was given."""

    id: int
    name: str
    joined_at: object
    tier_code: str
    period_start: object = None
    period_end: object = None
    period_metric: Decimal = ZERO
    lifetime_metric: Decimal = ZERO
    credits: list = field(default_factory=list)  # (at, amount) for rolling windows
    lots: list = field(default_factory=list)  # [expires_at or None, remaining]
    last_order_at: object = None
    evaluated_for: str | None = None
    issued: int = 0
    moves: list = field(default_factory=list)  # (from, to, reason)


@dataclass
class History:
    """What a simulation replays, read once: the orders (settled, each with its memberships' redeemed points)
    and the programme's members."""

    programme: object
    orders: list  # Order objects, lines and payments loaded
    members: list  # (membership id, user id, display name, joined_at)
    redeemed: dict  # (order id, membership id) -> points spent
    since: object
    until: object
    mall_variants: dict = field(default_factory=dict)  # order id -> variants bought in a points mall


class Replay:
    """One side of a simulation: a programme's rules over the history."""

    def __init__(self, history: History, r):
        self.h, self.r = history, r
        self.zone = clock.zone_of(history.programme.tenant)
        self.members = {}
        for member_id, user_id, name, joined_at in history.members:
            m = Member(member_id, name, joined_at, r.lowest.code, period_start=max(joined_at, history.since))
            if r.window["kind"] == "rolling":
                m.evaluated_for = month_key(max(joined_at, history.since), self.zone, r.window.get("evaluate", "month"))
            self.members[user_id] = m
        self.paid: dict = {}  # order id -> (multiplier, rules in force, pending)
        self.discount = ZERO
        self.rebates = ZERO

    # --- time passing -------------------------------------------------------------------------------------
    def advance(self, m: Member, at) -> None:
        """Everything the tick would do for a member up to `at`: period ends, rolling reviews, expiry."""
        r = self.r
        while r.window["kind"] == "validity" and m.period_end is not None and m.period_end <= at:
            end = m.period_end
            kept = kept_at_period_end(r, m.tier_code, m.period_metric)
            if kept.code != m.tier_code:
                m.moves.append((m.tier_code, kept.code, "down"))
            m.tier_code, m.period_metric, m.period_start = kept.code, ZERO, end
            m.period_end = None if kept.rank == r.lowest.rank else end + timedelta(days=r.window["days"])
        if r.window["kind"] == "rolling":
            key = month_key(at, self.zone, r.window.get("evaluate", "month"))
            if key != m.evaluated_for:
                m.evaluated_for = key
                tier = r.reached(self.rolling(m, at))
                if tier.code != m.tier_code:
                    up = tier.rank > r.tier(m.tier_code).rank
                    m.moves.append((m.tier_code, tier.code, "up" if up else "down"))
                    m.tier_code = tier.code
        m.lots = [lot for lot in m.lots if lot[0] is None or lot[0] > at]
        if inactive_lapsed(r.expiry, m.last_order_at or m.joined_at, at):
            m.lots = []

    def rolling(self, m: Member, at) -> Decimal:
        """The metric over the rolling window ending at `at`."""
        start = at - timedelta(days=self.r.window["days"])
        return sum((amount for when, amount in m.credits if start < when <= at), ZERO)

    # --- points and level ---------------------------------------------------------------------------------
    def credit(self, m: Member, points: int, at) -> None:
        """A new lot with the policy's expiry."""
        if points > 0:
            m.lots.append([expiry_of(self.r.expiry, at, self.zone), points])

    def spend(self, m: Member, points: int) -> None:
        """Spend from the earliest-expiring lots (undated last), never below zero."""
        m.lots.sort(key=lambda lot: (lot[0] is None, lot[0] or 0))
        for lot in m.lots:
            take = min(lot[1], points)
            lot[1] -= take
            points -= take
        m.lots = [lot for lot in m.lots if lot[1] > 0]

    def count(self, m: Member, amount: Decimal, at) -> None:
        """Level metric in (or out); an upgrade at once, a validity period restarting with it."""
        r = self.r
        m.lifetime_metric = max(m.lifetime_metric + amount, ZERO)
        m.period_metric = max(m.period_metric + amount, ZERO)
        m.credits.append((at, amount))
        if amount <= 0:
            return
        kind = r.window["kind"]
        metric = (m.lifetime_metric if kind == "lifetime" else self.rolling(m, at) if kind == "rolling"
                  else m.period_metric)
        target = upgrade_to(r, m.tier_code, metric)
        if target is None:
            return
        m.moves.append((m.tier_code, target, "up"))
        m.tier_code = target
        if kind == "validity":
            m.period_start, m.period_end = at, at + timedelta(days=r.window["days"])
            if r.reset_on_change:
                m.period_metric = ZERO

    # --- the order events ---------------------------------------------------------------------------------
    def on_paid(self, order, m: Member) -> None:
        """Payment: points spent, the member price the tier gives, pending points, last order, metric."""
        r, at = self.r, order.paid_at
        self.spend(m, self.h.redeemed.get((order.id, m.id), 0))
        tier = r.tier(m.tier_code)
        for line in order.lines:
            if line.variant_id in self.h.mall_variants.get(order.id, ()):
                continue  # bought for points: no member price, as at checkout
            best = member_tier(line.sale, [(tier, r)])
            if best is not None:
                self.discount -= best.price_off(line.base)
        earning = earning_at(order, self.h.programme, r, tier, at)
        pending = earning.base + sum(e.asked for e in earning.extras)
        # A refund re-evaluates the rules that gave something at payment (as the live refund reads its grants).
        self.paid[order.id] = (tier.points_multiplier, [(e.position, e.rule) for e in earning.extras], pending)
        m.last_order_at = max(m.last_order_at, at) if m.last_order_at else at
        if r.count_at == "payment":
            self.count(m, metric_for(order, r), at)

    def on_settled(self, order, m: Member) -> None:
        """Settlement: the kept lines' points become available, the metric counts, the tier's rebate."""
        r, at = self.r, order.settled_at
        multiplier, found, pending = self.paid[order.id]
        kept = kept_quantities(order)
        if any(line.refunded_qty for line in order.lines):
            earning = evaluate(order, r, multiplier, found, kept=kept, categories=categories_of(order, found))
            pending = min(pending, earning.base + sum(e.asked for e in earning.extras))
        self.credit(m, pending, at)
        m.issued += pending
        if r.count_at == "settlement":
            self.count(m, metric_for(order, r, kept), at)
        elif kept != {line.id: line.qty for line in order.lines}:
            self.count(m, metric_for(order, r, kept) - metric_for(order, r), at)
        self.rebates += rebate_for(order, r.tier(m.tier_code))

    def run(self, progress=None) -> dict:
        """Replay every event in time order and sum up the side."""
        r = self.r
        events = []
        for order in self.h.orders:
            events.append((order.paid_at, 0, order.id, order))
            events.append((order.settled_at, 1, order.id, order))
        for m in self.members.values():
            if m.joined_at >= self.h.since:
                self.credit(m, r.bonuses.get("join", 0), m.joined_at)
        events.sort(key=lambda e: (e[0], e[1], e[2]))
        for done, (at, kind, _id, order) in enumerate(events, 1):
            m = self.members[order.user_id]
            self.advance(m, at)
            (self.on_paid if kind == 0 else self.on_settled)(order, m)
            if progress is not None and done % 200 == 0:
                progress(done, len(events))
        for m in self.members.values():
            self.advance(m, self.h.until)
        return self.summary()

    def summary(self) -> dict:
        """The side's figures, JSON-ready (money as strings)."""
        by_tier = {t.code: 0 for t in self.r.earned_tiers}
        moves = {"up": 0, "down": 0}
        for m in self.members.values():
            by_tier[m.tier_code] = by_tier.get(m.tier_code, 0) + 1
            for _from, _to, reason in m.moves:
                moves[reason] += 1
        return {
            "points_issued": sum(m.issued for m in self.members.values()),
            "discount_cost": str(self.discount), "rebates": str(self.rebates),
            "members_by_tier": by_tier, "tier_moves": moves,
            "liability": sum(lot[1] for m in self.members.values() for lot in m.lots),
            "tiers": {t.code: {"name": t.name, "name_en": t.name_en} for t in self.r.earned_tiers},
        }


def compare(history: History, current, draft, progress=None) -> dict:
    """Both sides over one history, and the members whose points differ most."""
    half = (lambda done, total: progress(done, total * 2)) if progress else None
    later = (lambda done, total: progress(total + done, total * 2)) if progress else None
    a, b = Replay(history, current), Replay(history, draft)
    out = {"current": a.run(half), "draft": b.run(later), "orders": len(history.orders),
           "members": len(history.members), "since": history.since.isoformat(), "until": history.until.isoformat()}
    rows = []
    for user_id, ma in a.members.items():
        mb = b.members[user_id]
        rows.append({"membership_id": ma.id, "name": ma.name, "current_points": ma.issued, "draft_points": mb.issued,
                     "difference": mb.issued - ma.issued, "current_tier": ma.tier_code, "draft_tier": mb.tier_code})
    rows.sort(key=lambda row: (-abs(row["difference"]), row["membership_id"]))
    out["most_affected"] = [row for row in rows if row["difference"] or row["current_tier"] != row["draft_tier"]
                            ][:MOST_AFFECTED]
    return out


def months_before(at, months: int):
    """The same moment `months` calendar months earlier (the day clamped to the shorter month's end)."""
    import calendar

    index = at.year * 12 + at.month - 1 - months
    year, month = divmod(index, 12)
    day = min(at.day, calendar.monthrange(year, month + 1)[1])
    return at.replace(year=year, month=month + 1, day=day)


def start(programme, document: dict, months: int, actor=None):
    """Record a queued simulation of a (validated) draft and queue its job after commit; the caller commits."""
    from mall import jobs
    from mall.extensions import db
    from plugins.loyalty.simulations.jobs import run_simulation
    from plugins.loyalty.simulations.models import Simulation

    row = Simulation(programme_id=programme.id, status="queued", progress=0, months=months, document=document,
                     version=programme.version, created_by=getattr(actor, "id", None), created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    jobs.enqueue(run_simulation, row.id, idempotency_key=f"loyalty:simulation:{row.id}")
    return row
