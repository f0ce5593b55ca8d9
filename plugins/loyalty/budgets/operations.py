"""Taking from a budget without ever exceeding it, under any concurrency: one conditional update per take.

Owners: "template:<id>" and "push:<id>" (coupons issued), "rule:<name>" and "rule:<name>:member:<id>" (points
earned under an earning rule), and "cofunding" on the platform programme (the platform's share of co-funded shop
coupons). A coupon costs an amount budget its face value when it is issued (see `face_value`), and a points
budget the points a member pays to claim it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from mall import clock
from mall.extensions import db
from mall.insert_once import insert_once_values
from mall.money import round_half_up
from plugins.loyalty import keys
from plugins.loyalty.budgets.models import BudgetDay, BudgetSpend

ZERO = Decimal("0")
#: The platform programme's owner name for its co-funding budget.
COFUNDING = "cofunding"


def limit_of(budget: dict) -> Decimal:
    """A budget's size: its money amount or its points."""
    return Decimal(str(budget["amount"] if budget.get("amount") is not None else budget["points"]))


def period_of(budget: dict, programme, at: datetime) -> str:
    """The budget period `at` falls in: "campaign", or the month (ISO week, day) in the programme's zone."""
    if budget.get("period") == "campaign":
        return "campaign"
    return _local(programme, at).strftime({"day": "%Y-%m-%d", "week": "%G-W%V"}.get(budget.get("period"), "%Y-%m"))


def _local(programme, at: datetime) -> datetime:
    return clock.as_utc(at).astimezone(ZoneInfo(clock.zone_of(programme.tenant)))


def _row_key(programme, owner: str, period: str) -> str:
    return f"{programme.id}:{owner}:{period}"


def _row(programme, owner: str, period: str) -> str:
    """The key of the spend row of this period, created once (INSERT … ON CONFLICT DO NOTHING)."""
    key = _row_key(programme, owner, period)
    insert_once_values(BudgetSpend.__table__, {"programme_id": programme.id, "owner": owner, "period": period,
                                                "idempotency_key": key, "spent": ZERO, "created_at": clock.now()})
    return key


def _locked_spent(key: str) -> Decimal:
    """The period's spend, its row locked until the transaction ends, so what is left cannot change meanwhile."""
    table = BudgetSpend.__table__
    return Decimal(db.session.execute(db.select(table.c.spent).where(table.c.idempotency_key == key)
                                      .with_for_update()).scalar_one())


def _raise(programme, owner: str, budget: dict, key: str, cost: Decimal, at: datetime) -> bool:
    """Add `cost` to the period's row only while it stays within the limit, and to the day's row; False if not."""
    table = BudgetSpend.__table__
    moved = db.session.execute(update(table).where(table.c.idempotency_key == key,
                                                   table.c.spent + cost <= limit_of(budget))
                               .values(spent=table.c.spent + cost))
    if moved.rowcount != 1:
        return False
    period = key.rsplit(":", 1)[1]
    day = _local(programme, at).date()
    day_key = f"{key}:{day.isoformat()}"
    days = BudgetDay.__table__
    insert_once_values(days, {"programme_id": programme.id, "owner": owner, "period": period, "day": day,
                              "idempotency_key": day_key, "spent": ZERO})
    db.session.execute(update(days).where(days.c.idempotency_key == day_key).values(spent=days.c.spent + cost))
    return True


def take(programme, owner: str, budget: dict | None, cost, at: datetime, partial: bool = False) -> Decimal:
    """Take `cost` from the owner's budget for the period of `at`; what was granted.

    No budget grants everything. Otherwise the whole cost or nothing, or with `partial` as much as is left
    (points earned under a rule near its budget's end). The update only succeeds while the sum stays within
    the limit, so concurrent takers can never overspend it.
    """
    cost = Decimal(str(cost))
    if budget is None or cost <= 0:
        return cost if cost > 0 else ZERO
    key = _row(programme, owner, period_of(budget, programme, at))
    if partial:
        cost = min(cost, limit_of(budget) - _locked_spent(key))
        if cost <= 0:
            return ZERO
    return cost if _raise(programme, owner, budget, key, cost, at) else ZERO


def take_units(charges: list[tuple], n: int, at: datetime) -> int:
    """How many of `n` equal issues every budget allows, taken from each at once; 0 when any is spent.

    `charges` are (programme, owner, budget, cost of one issue). The rows are locked in one fixed order (by
    key), so two issuers never wait for each other crosswise; each is then raised by a conditional update.
    """
    charges = [c for c in charges if c[2] is not None and c[3] > 0]
    if not charges or n <= 0:
        return max(n, 0)
    keyed = sorted(((_row(p, owner, period_of(b, p, at)), p, owner, b, Decimal(str(unit)))
                    for p, owner, b, unit in charges), key=lambda c: c[0])
    fits = n
    for key, _p, _o, budget, unit in keyed:
        fits = min(fits, int((limit_of(budget) - _locked_spent(key)) // unit))
    if fits <= 0:
        return 0
    for key, programme, owner, budget, unit in keyed:
        if not _raise(programme, owner, budget, key, unit * fits, at):
            raise RuntimeError("a budget changed under its lock")  # rolls the issue back
    return fits


def give_back(programme, owner: str, budget: dict | None, amount, at: datetime) -> None:
    """Return part of a take to the period of `at` (a per-member cap when the rule's budget granted less)."""
    amount = Decimal(str(amount))
    if budget is None or amount <= 0:
        return
    table, days = BudgetSpend.__table__, BudgetDay.__table__
    key = _row_key(programme, owner, period_of(budget, programme, at))
    db.session.execute(update(table).where(table.c.idempotency_key == key, table.c.spent >= amount)
                       .values(spent=table.c.spent - amount))
    # The burn-down shows the return on the day it happened, when that day has given as much.
    day_key = f"{key}:{_local(programme, at).date().isoformat()}"
    db.session.execute(update(days).where(days.c.idempotency_key == day_key, days.c.spent >= amount)
                       .values(spent=days.c.spent - amount))


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


def stored(budget: dict | None) -> dict | None:
    """A loaded budget (BudgetSchema) as a column keeps it: the amount as a string with cents, points an int."""
    if not budget:
        return None
    if budget.get("amount") is not None:
        return {"amount": f"{Decimal(str(budget['amount'])):.2f}", "period": budget["period"]}
    return {"points": int(budget["points"]), "period": budget["period"]}


def face_value(template) -> Decimal:
    """What one coupon costs an amount budget: an amount-off coupon its value, a percent-off one its largest
    discount (required with such a budget), free shipping nothing (its budget is in points)."""
    if template.kind == "amount_off":
        return Decimal(template.value)
    if template.kind == "percent_off" and template.max_discount is not None:
        return Decimal(template.max_discount)
    return ZERO


def platform_share(template) -> Decimal:
    """The platform's share of a coupon's discount: all of a platform-funded one, its share of a split one."""
    if template.funded_by == "platform":
        return Decimal("1")
    return Decimal(template.platform_share or 0) if template.funded_by == "split" else ZERO


def issue_charges(template, *, paid_points: bool = False, push=None) -> list[tuple]:
    """The budgets one coupon of `template` draws on: its own, the push's, and for a co-funded shop coupon the
    platform's co-funding budget (its share of the face value, rounded to the cent)."""
    from plugins.loyalty.programmes.operations import platform_programme

    programme, charges = template.programme, []
    if template.budget:
        unit = face_value(template) if template.budget.get("amount") is not None else \
            Decimal(template.points_price or 0) if paid_points else ZERO
        charges.append((programme, keys.template_budget(template.id), template.budget, unit))
    if push is not None and push.budget:
        charges.append((programme, keys.push_budget(push.id), push.budget, face_value(template)))
    share = platform_share(template)
    if share > 0 and not programme.is_platform:
        platform = platform_programme()
        if platform is not None and platform.cofunding_budget:
            charges.append((platform, COFUNDING, platform.cofunding_budget,
                            round_half_up(face_value(template) * share)))
    return [c for c in charges if c[3] > 0]


def take_for_issue(template, n: int, at: datetime, *, paid_points: bool = False, push=None) -> int:
    """How many of `n` coupons of the template the budgets let issue now, taken from them (n when unbudgeted)."""
    return take_units(issue_charges(template, paid_points=paid_points, push=push), n, at)


def room_for_one(template, at: datetime) -> bool:
    """Whether the budgets a claim of the template draws on have room for one more coupon now (a read, for the
    coupon centre; the claim itself takes with take_for_issue)."""
    return all(spent(p, owner, budget, at) + unit <= limit_of(budget)
               for p, owner, budget, unit in issue_charges(template, paid_points=bool(template.points_price)))


#: How many budgets of each kind the budgets page reads (newest first).
PAGE_LIMIT = 50


def owned_budgets(programme) -> list[dict]:
    """Every budget of a programme, newest first: its templates', its pushes', its earning rules' (from the
    document) and, on the platform programme, the co-funding budget. Each as {kind, owner, budget, object}."""
    from plugins.loyalty.coupons.models import CouponTemplate
    from plugins.loyalty.programmes.operations import rules
    from plugins.loyalty.pushes.models import Push

    out = []
    if programme.is_platform and programme.cofunding_budget:
        out.append({"kind": "cofunding", "owner": COFUNDING, "budget": programme.cofunding_budget, "object": None})
    templates = db.session.execute(db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id)
                                   .order_by(CouponTemplate.is_active.desc(), CouponTemplate.id.desc())
                                   .limit(PAGE_LIMIT * 4)).scalars()
    out += [{"kind": "template", "owner": keys.template_budget(t.id), "budget": t.budget, "object": t}
            for t in templates if t.budget][:PAGE_LIMIT]
    pushes = db.session.execute(db.select(Push).where(Push.programme_id == programme.id)
                                .order_by(Push.id.desc()).limit(PAGE_LIMIT * 4)).scalars()
    out += [{"kind": "push", "owner": keys.push_budget(p.id), "budget": p.budget, "object": p}
            for p in pushes if p.budget][:PAGE_LIMIT]
    out += [{"kind": "rule", "owner": keys.rule_budget(rule["name"]), "budget": rule["budget"], "object": rule}
            for rule in rules(programme).earning_rules if rule.get("budget")]
    return out


def burn_down(programme, owner: str, budget: dict, at: datetime) -> dict:
    """The budget's current period as figures and as a chart (the dashboards' chart spec): what it had given by
    the end of each day of the period so far, against its limit."""
    period, limit = period_of(budget, programme, at), limit_of(budget)
    today = _local(programme, at).date()
    days = dict(db.session.execute(db.select(BudgetDay.day, BudgetDay.spent).where(
        BudgetDay.programme_id == programme.id, BudgetDay.owner == owner, BudgetDay.period == period)).all())
    first = today.replace(day=1) if period != "campaign" else min([today, *days])
    first = max(first, today - timedelta(days=365))  # a long campaign shows its last year
    labels, data = [], []
    total = sum((Decimal(v) for d, v in days.items() if d < first), ZERO)
    for n in range((today - first).days + 1):
        day = first + timedelta(days=n)
        total += Decimal(days.get(day, 0))
        labels.append(day.strftime("%m-%d"))
        data.append(str(total) if budget.get("amount") is not None else int(total))
    used = spent(programme, owner, budget, at)
    money = budget.get("amount") is not None
    line = [str(limit) if money else int(limit)] * len(data)
    return {"key": period, "limit": limit, "spent": used, "left": max(limit - used, ZERO), "money": money,
            "percent": int(used * 100 / limit) if limit else 0, "period": budget.get("period"),
            "chart": {"type": "line", "labels": labels, "money": money, "integer": not money,
                      "x": str(_l("Day")), "y": None if money else str(_l("Points")),
                      "series": [{"label": str(_l("Spent so far")), "data": data},
                                 {"label": str(_l("Budget")), "data": line}]}}
