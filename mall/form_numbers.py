"""Numbers typed into page forms and query strings: ASCII digits only, within bounds, money to the cent.

`str.isdigit` and `int()` accept superscripts and other scripts' digits, and `Decimal` takes exponents,
NaN and any number of places; a page reads its numbers here instead, and a value outside the rule
is a field message, never an exception.
"""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _

from mall.errors import FieldErrors
from mall.validation import MAX_INT, MAX_MONEY

_WHOLE = re.compile(r"[0-9]+")
_AMOUNT = re.compile(r"-?[0-9]+(?:\.[0-9]{1,2})?")
#: More digits than any bound has: refused before converting, so a long string costs nothing.
_MOST_DIGITS = 20


def is_whole_number(text) -> bool:
    """True for a string of ASCII digits only (`str.isdigit` also takes "²" and "١", which `int()` refuses)."""
    return isinstance(text, str) and _WHOLE.fullmatch(text) is not None


def object_id(text) -> int | None:
    """An id named in a form or query string, or None when it is not one any row can have (1 to 2³¹−1)."""
    raw = text.strip() if isinstance(text, str) else ""
    if not is_whole_number(raw) or len(raw) > _MOST_DIGITS or not 1 <= int(raw) <= MAX_INT:
        return None
    return int(raw)


def whole_number(text, field: str, low: int = 0, high: int = MAX_INT) -> int:
    """A whole number from `low` to `high` written in ASCII digits; FieldErrors naming `field` otherwise."""
    raw = text.strip() if isinstance(text, str) else ""
    if not is_whole_number(raw):
        message = _("Enter a whole number.")
    elif len(raw) > _MOST_DIGITS or not low <= int(raw) <= high:
        message = _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)
    else:
        return int(raw)
    raise FieldErrors(message, {field: [message]})


def plain_amount(text) -> Decimal | None:
    """An amount written plainly (ASCII digits, an optional minus, at most two decimals), or None."""
    raw = text.strip() if isinstance(text, str) else ""
    if not _AMOUNT.fullmatch(raw) or len(raw) > _MOST_DIGITS:
        return None
    return Decimal(raw)


def amount(text, field: str, low: Decimal = Decimal("0"), high: Decimal = MAX_MONEY) -> Decimal:
    """An amount of money from `low` to `high` with at most two decimals (ASCII digits, no exponent)."""
    value = plain_amount(text)
    if value is not None and low <= value <= high:
        return value.quantize(Decimal("0.01"))
    message = _("Enter an amount from %(low)s to %(high)s with at most two decimals.", low=low, high=high)
    raise FieldErrors(message, {field: [message]})
