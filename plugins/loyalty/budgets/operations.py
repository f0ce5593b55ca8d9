"""Taking from a budget without ever exceeding it, under any concurrency: one conditional update per take."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update

from mall import clock
from mall.extensions import db
from mall.insert_once import insert_once_values
from plugins.loyalty.budgets.models import BudgetSpend

ZERO = Decimal("0")


def limit_of(budget: dict) -> Decimal:
    """A budget's size: its money amount or its points."""
    return Decimal(str(budget["amount"] if budget.get("amount") is not None else budget["points"]))


def period_of(budget: dict, programme, at: datetime) -> str:
    """The budget period `at` falls in: "campaign", or the month (ISO week, day) in the programme's zone."""
    if budget.get("period") == "campaign":
        return "campaign"
    local = clock.as_utc(at).astimezone(ZoneInfo(clock.zone_of(programme.tenant)))
    return local.strftime({"day": "%Y-%m-%d", "week": "%G-W%V"}.get(budget.get("period"), "%Y-%m"))


def _row_key(programme, owner: str, period: str) -> str:
    return f"{programme.id}:{owner}:{period}"


def _row(programme, owner: str, period: str) -> str:
    """The key of the spend row of this period, created once (INSERT … ON CONFLICT DO NOTHING)."""
    key = _row_key(programme, owner, period)
    insert_once_values(BudgetSpend.__table__, {"programme_id": programme.id, "owner": owner, "period": period,
                                                "idempotency_key": key, "spent": ZERO, "created_at": clock.now()})
    return key


def take(programme, owner: str, budget: dict | None, cost, at: datetime, partial: bool = False) -> Decimal:
    """Take `cost` from the owner's budget for the period of `at`; what was granted.

    No budget grants everything. Otherwise the whole cost or nothing, or with `partial` as much as is left
    (points earned under a rule near its budget's end). The update only succeeds while the sum stays within
    the limit, so concurrent takers can never overspend it.
    """
    cost = Decimal(str(cost))
    if budget is None or cost <= 0:
        return cost if cost > 0 else ZERO
    limit, table = limit_of(budget), BudgetSpend.__table__
    key = _row(programme, owner, period_of(budget, programme, at))
    if partial:
        # The row is locked first, so what is left cannot change before the conditional update below.
        spent = db.session.execute(db.select(table.c.spent).where(table.c.idempotency_key == key)
                                   .with_for_update()).scalar_one()
        cost = min(cost, limit - Decimal(spent))
        if cost <= 0:
            return ZERO
    moved = db.session.execute(update(table).where(table.c.idempotency_key == key, table.c.spent + cost <= limit)
                               .values(spent=table.c.spent + cost))
    return cost if moved.rowcount == 1 else ZERO


def give_back(programme, owner: str, budget: dict | None, amount, at: datetime) -> None:
    """Return part of a take to the period of `at` (a per-member cap when the rule's budget granted less)."""
    amount = Decimal(str(amount))
    if budget is None or amount <= 0:
        return
    table = BudgetSpend.__table__
    key = _row_key(programme, owner, period_of(budget, programme, at))
    db.session.execute(update(table).where(table.c.idempotency_key == key, table.c.spent >= amount)
                       .values(spent=table.c.spent - amount))


def spent(programme, owner: str, budget: dict | None, at: datetime) -> Decimal:
    """What the owner's budget has given in the period of `at` (zero before its first take)."""
    if budget is None:
        return ZERO
    key = _row_key(programme, owner, period_of(budget, programme, at))
    value = db.session.execute(db.select(BudgetSpend.spent).where(BudgetSpend.idempotency_key == key)).scalar()
    return Decimal(value or 0)


def shown(programme, owner: str, budget: dict | None, at: datetime) -> dict | None:
    """The budget as the API shows it: {"amount" | "points", "period", "spent"}."""
    if budget is None:
        return None
    used = spent(programme, owner, budget, at)
    if budget.get("amount") is not None:
        return {"amount": f"{Decimal(str(budget['amount'])):.2f}", "period": budget["period"], "spent": f"{used:.2f}"}
    return {"points": int(budget["points"]), "period": budget["period"], "spent": int(used)}
