"""Points earned by an order and the level metric it is worth, exactly as PROGRAMME.md states."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from mall.money import ZERO, round_half_up


def kept_paid(line, kept_qty: int) -> Fraction:
    """Money paid for the kept units of a line, exactly."""
    if kept_qty >= line.qty:
        return Fraction(line.paid)
    return Fraction(line.paid) * kept_qty / line.qty


def method_shares(payments) -> dict[str, Fraction]:
    """Each payment method's share of the money an order was paid with, from its (method, amount) pairs."""
    total = sum((Fraction(amount) for _method, amount in payments), Fraction(0))
    if not total:
        return {}
    shares: dict[str, Fraction] = {}
    for method, amount in payments:
        shares[method] = shares.get(method, Fraction(0)) + Fraction(amount) / total
    return shares


def points_for(order, rules, multiplier: Decimal, kept: dict[int, int] | None = None, payments=None) -> int:
    """Points an order earns in a programme (kept: line id → units still kept; default all).

    `payments` are (method, amount) pairs, by default the order's stored payments. Fractions are
    carried exactly and floored once for the order.
    """
    shares = method_shares(payments if payments is not None else [(p.method, p.amount) for p in order.payments])
    listed = {m: s for m, s in shares.items() if m in rules.method_rates}
    rest = 1 - sum(listed.values(), Fraction(0))
    total = Fraction(0)
    for line in order.lines:
        qty = line.qty if kept is None else kept.get(line.id, 0)
        if qty <= 0:
            continue
        paid = kept_paid(line, qty)
        line_rate = rules.sale_rate if line.sale else rules.rate
        rate = rest * line_rate + sum((s * rules.method_rates[m] for m, s in listed.items()), Fraction(0))
        total += paid * rate / Fraction(rules.per_amount)
    return math.floor(total * Fraction(multiplier))


def kept_quantities(order) -> dict[int, int]:
    """Units of each line not refunded."""
    return {line.id: line.qty - line.refunded_qty for line in order.lines}


def _paid(order, kept) -> Fraction:
    return sum((kept_paid(line, line.qty if kept is None else kept.get(line.id, 0)) for line in order.lines),
               Fraction(0))


def paid_goods(order, kept: dict[int, int] | None = None) -> Decimal:
    """Money paid for the (kept) goods, no shipping and no points, rounded half-up to the cent."""
    paid = _paid(order, kept)
    return round_half_up(Decimal(paid.numerator) / Decimal(paid.denominator))


def metric_for(order, rules, kept: dict[int, int] | None = None) -> Decimal:
    """The level metric an order is worth: spend (goods money paid), 1 order, or growth value."""
    paid = _paid(order, kept)
    if rules.metric == "orders":
        return Decimal(1) if paid > 0 else ZERO
    if rules.metric == "growth":
        growth = rules.growth
        value = paid * Fraction(Decimal(growth["points"])) / Fraction(Decimal(growth["per_amount"]))
        return Decimal(math.floor(value))
    return paid_goods(order, kept)
