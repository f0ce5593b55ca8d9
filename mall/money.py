"""Decimal money helpers: half-up rounding, flooring, and exact pro-rata spreading."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_decimal(value) -> Decimal:
    """Convert a str / int / Decimal to Decimal, refusing floats so they never touch money."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc


def round_half_up(value) -> Decimal:
    """Round to the cent, halves away from zero."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def floor_to_cent(value) -> Decimal:
    """Round down to the cent (toward negative infinity)."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_FLOOR)


def spread_pro_rata(total, weights: Sequence) -> list[Decimal]:
    """Split `total` over `weights` in proportion, each share rounded half-up to the cent.

    The rounding remainder goes to the largest weight (the first one on ties), so the
    shares always sum to exactly `total`.
    """
    total = round_half_up(total)
    weights = [to_decimal(w) for w in weights]
    if not weights:
        if total != ZERO:
            raise ValueError("cannot spread a non-zero amount over nothing")
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    whole = sum(weights, ZERO)
    if whole == 0:
        shares = [ZERO] * len(weights)
        largest = 0
    else:
        shares = [round_half_up(total * w / whole) for w in weights]
        largest = max(range(len(weights)), key=lambda i: (weights[i], -i))
    shares[largest] += total - sum(shares, ZERO)
    return shares


def format_money(value) -> str:
    """Two-decimal string, the API's money format."""
    return f"{round_half_up(value):.2f}"
