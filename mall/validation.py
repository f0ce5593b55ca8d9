"""Bounded marshmallow field types shared by every request schema, and marshmallow's messages in the user's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from mall import clock

#: The largest value an INTEGER column holds (PostgreSQL refuses anything above it).
MAX_INT = 2**31 - 1
#: Points in one request (a balance, a price, a delta): far above any real use, far below MAX_INT.
MAX_POINTS = 100_000_000
#: The largest amount of money a request may carry (the columns hold integer cents in 64 bits).
MAX_MONEY = Decimal("100000000.00")
#: Moments a request may name: converting them between time zones never leaves the calendar.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
#: The earliest birthday an account may give.
FIRST_BIRTHDAY = date(1900, 1, 1)


def two_places(value: Decimal) -> None:
    """Money has at most two decimals."""
    try:
        exact = value == value.quantize(Decimal("0.01"))
    except InvalidOperation:  # too many digits to be an amount at all
        exact = False
    if not exact:
        raise ValidationError([_l("Use at most two decimals.")])


def Int(low: int, high: int, **kwargs):  # noqa: N802 (reads like a field class)
    """A JSON integer from `low` to `high` (strings, floats and booleans are refused)."""
    return fields.Integer(strict=True, validate=validate.Range(min=low, max=high), **kwargs)


def Id(**kwargs):  # noqa: N802
    """The id of a stored row: a whole number an INTEGER column holds."""
    return Int(1, MAX_INT, **kwargs)


def Points(low: int = 0, high: int = MAX_POINTS, **kwargs):  # noqa: N802
    """A number of points."""
    return Int(low, high, **kwargs)


def Money(low: Decimal | int = 0, high: Decimal = MAX_MONEY, **kwargs):  # noqa: N802
    """An amount with at most two decimals from `low` to `high`, given as a number or a string."""
    validators = [validate.Range(min=Decimal(low), max=Decimal(high)), two_places]
    return fields.Decimal(as_string=True, allow_nan=False, validate=validators, **kwargs)


def Text(high: int, low: int = 0, **kwargs):  # noqa: N802
    """A string of `low` to `high` characters."""
    return fields.String(validate=validate.Length(min=low, max=high), **kwargs)


def moment_problem(value: datetime):
    """Why a moment cannot be meant (before 1970 or after 2100; a naive one is read as UTC), or None."""
    if EARLIEST <= (value if value.tzinfo else value.replace(tzinfo=UTC)) <= LATEST:
        return None
    return _l("Give a moment from %(low)s to %(high)s.", low=EARLIEST.date().isoformat(),
              high=LATEST.date().isoformat())


def _in_range(value: datetime) -> None:
    if (problem := moment_problem(value)) is not None:
        raise ValidationError([problem])


def Moment(**kwargs):  # noqa: N802
    """An ISO 8601 date and time with its offset, between 1970 and 2100."""
    return fields.AwareDateTime(validate=_in_range, **kwargs)


def birthday_problem(value: date):
    """Why a birthday cannot be right (before 1900-01-01 or after today, the platform's calendar), or None."""
    if FIRST_BIRTHDAY <= value <= clock.local_date(clock.PLATFORM_ZONE):
        return None
    return _l("Give a birthday from %(low)s to today.", low=FIRST_BIRTHDAY.isoformat())


def check_birthday(value: date) -> None:
    """A birthday in a request body (see birthday_problem)."""
    problem = birthday_problem(value)
    if problem is not None:
        raise ValidationError([problem])  # a list: a lazy string would be taken for a list of characters


def Birthday(**kwargs):  # noqa: N802
    """A birthday (YYYY-MM-DD), not before 1900 and not in the future."""
    return fields.Date(validate=check_birthday, **kwargs)


#: marshmallow's fixed messages (4.x wording) and their translatable equivalents.
_FIXED = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field may not be empty."),
    "Invalid value.": _l("Invalid value."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid utf-8 string.": _l("Enter text."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Not a valid number.": _l("Enter a number."),
    "Number too large.": _l("This number is too large."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Enter a number."),
    "Not a valid boolean.": _l("Enter true or false."),
    "Not a valid list.": _l("Enter a list."),
    "Not a valid mapping type.": _l("Enter an object."),
    "Invalid type.": _l("Enter an object."),
    "Invalid input type.": _l("Enter an object."),
    "Unknown field.": _l("Unknown field."),
    "Not a valid email address.": _l("Enter a valid e-mail address."),
    "Not a valid datetime.": _l("Enter a date and time (ISO 8601)."),
    "Not a valid date.": _l("Enter a date (YYYY-MM-DD)."),
    "Not a valid aware datetime.": _l("Enter a date and time with its offset (ISO 8601)."),
}

#: marshmallow's messages that carry values: (pattern, translated template).
_WITH_VALUES = [
    (re.compile(r"^Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     lambda m: _("Must be between %(min)s and %(max)s.", min=m["min"], max=m["max"])),
    (re.compile(r"^Must be greater than (?P<min>\S+) and less than or equal to (?P<max>\S+)\.$"),
     lambda m: _("Must be above %(min)s and at most %(max)s.", min=m["min"], max=m["max"])),
    (re.compile(r"^Must be greater than or equal to (?P<n>\S+)\.$"), lambda m: _("Must be at least %(n)s.", n=m["n"])),
    (re.compile(r"^Must be greater than (?P<n>\S+)\.$"), lambda m: _("Must be above %(n)s.", n=m["n"])),
    (re.compile(r"^Must be less than or equal to (?P<n>\S+)\.$"), lambda m: _("Must be at most %(n)s.", n=m["n"])),
    (re.compile(r"^Must be one of: (?P<choices>.+)\.$"), lambda m: _("Must be one of: %(choices)s.",
                                                                     choices=m["choices"])),
    (re.compile(r"^Length must be between (?P<min>\d+) and (?P<max>\d+)\.$"),
     lambda m: _("Must be %(min)s to %(max)s characters (or items) long.", min=m["min"], max=m["max"])),
    (re.compile(r"^Shorter than minimum length (?P<n>\d+)\.$"),
     lambda m: _("Must be at least %(n)s characters (or items) long.", n=m["n"])),
    (re.compile(r"^Longer than maximum length (?P<n>\d+)\.$"),
     lambda m: _("Must be at most %(n)s characters (or items) long.", n=m["n"])),
]


def translate_message(message) -> str:
    """One message in the current language: marshmallow's own, or ours (lazy strings) as they are."""
    text = str(message)
    if text in _FIXED:
        return str(_FIXED[text])
    for pattern, render in _WITH_VALUES:
        found = pattern.match(text)
        if found:
            return render(found)
    return text


def translate_messages(messages):
    """A ValidationError's messages (nested dicts and lists) with every message translated."""
    if isinstance(messages, dict):
        return {str(key): translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(value) for value in messages]
    return translate_message(messages)
