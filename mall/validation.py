"""marshmallow's field messages in the user's language, translated where a ValidationError becomes a 422."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
