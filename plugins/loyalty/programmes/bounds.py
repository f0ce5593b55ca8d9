"""Bounded fields of the programme document and of the documents beside it (budgets, rules, events, reminders):
each number is held to what its column holds and what a real programme would set."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from marshmallow import RAISE, Schema, ValidationError, fields, validate

ONE = Decimal("1")
#: Bounds of the document's numbers: what the columns hold and what a real programme would set.
MAX_BONUS = 100_000  # points given at once: joining, a check-in, a review, a birthday, a referral
MAX_POINTS_PER_YUAN = 100  # earning rate, before a tier's multiplier
MAX_MULTIPLIER = 10
MAX_METRIC = Decimal("1000000000")  # tier thresholds, in yuan, orders or growth value
MAX_PER_AMOUNT = Decimal("100000")
MAX_RATE = 100_000  # points for every per_amount, and no more than MAX_POINTS_PER_YUAN a yuan
MAX_MIN_POINTS = 10_000_000
MAX_REFERRALS_A_MONTH = 1000
DEFAULT_REFERRALS_A_MONTH = 10
MAX_RULES = 20
MAX_RULE_ITEMS = 200  # categories or products one earning rule names
MAX_EVENTS = 30
MAX_EVENT_TIMES = 1000
MAX_BUDGET_AMOUNT = Decimal("100000000")
MAX_BUDGET_POINTS = 1_000_000_000
NON_NEGATIVE = validate.Range(min=0, error=_l("Must be zero or more."))
FRACTION = validate.Range(min=0, max=1, min_inclusive=False, error=_l("Must be above 0 and at most 1."))


class Places(validate.Validator):
    """At most so many decimal places: a rate of 1E-999999 would be exact but absurd, and slow to compute with."""

    def __init__(self, places: int):
        self.places = places

    def __call__(self, value: Decimal) -> Decimal:
        if value.as_tuple().exponent < -self.places:
            raise ValidationError([_l("Use at most %(n)d decimal places.", n=self.places)])
        return value


def bounds(low, high) -> list:
    """Separate checks of the least and the largest value, so each message names the bound that was missed."""
    return [NON_NEGATIVE if low == 0 else validate.Range(min=low), validate.Range(max=high)]


def decimal_field(low=0, high=1, places=2, **kwargs):
    """A decimal field bounded to [low, high] with at most `places` decimals."""
    checks = bounds(Decimal(str(low)), Decimal(str(high)))
    return fields.Decimal(as_string=True, allow_nan=False, validate=[*checks, Places(places)], **kwargs)


def fraction_field(**kwargs):
    """A factor above 0 and at most 1 (a price factor, the share of an order points may pay)."""
    return fields.Decimal(as_string=True, allow_nan=False, validate=[FRACTION, Places(4)], **kwargs)


def int_field(low=0, high=MAX_BONUS, **kwargs):
    """A whole-number field bounded to [low, high]."""
    return fields.Integer(validate=bounds(low, high), **kwargs)


def rate_field(**kwargs):
    """Points for every `per_amount` yuan."""
    return decimal_field(0, MAX_RATE, places=4, **kwargs)


def check_per_yuan(data: dict, names) -> None:
    """Refuse a rate above MAX_POINTS_PER_YUAN points a yuan (the rate over per_amount)."""
    per_amount = data.get("per_amount")
    errors = {}
    for name in names:
        rates = data.get(name)
        for key, rate in (rates.items() if isinstance(rates, dict) else [(None, rates)]):
            if per_amount and rate is not None and rate / per_amount > MAX_POINTS_PER_YUAN:
                path = name if key is None else f"{name}.{key}"
                errors[path] = [_l("At most %(n)d points a yuan.", n=MAX_POINTS_PER_YUAN)]
    if errors:
        raise ValidationError(errors)


class Strict(Schema):
    """Unknown keys are errors, so a typo never silently does nothing."""

    class Meta:
        unknown = RAISE
