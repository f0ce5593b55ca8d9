"""Helpers shared by page forms."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.validators import NumberRange, StopValidation

from mall.errors import FieldErrors
from mall.form_numbers import plain_amount
from mall.validation import moment_problem, translate_messages


def plausible_moment(form, field) -> None:
    """WTForms validator: a date and time between 1970 and 2100, so converting it between zones never fails."""
    if field.data is not None and (problem := moment_problem(field.data)) is not None:
        raise StopValidation(str(problem))


def local_midnight(day: date, tz: str) -> str:
    """The start of a day typed into a page, at the clock of a zone (a shop's), as ISO 8601 with its offset.

    A day outside 1971–2099 stays in UTC: shifting it by a zone could leave the calendar, and the schema
    that reads it refuses it with its own message.
    """
    zone = ZoneInfo(tz) if 1971 <= day.year <= 2099 else ZoneInfo("UTC")
    return datetime.combine(day, time(), zone).isoformat()


class MoneyField(DecimalField):
    """An amount typed into a page: ASCII digits with at most two decimals, never NaN, infinity or an exponent.

    WTForms' DecimalField hands any `Decimal()` literal on ("sNaN", "1e400", "12.345"), which later
    comparisons either crash on or round silently.
    """

    def process_formdata(self, valuelist):
        """Read the typed text; anything but a plain amount is this field's error."""
        raw = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        self.data = plain_amount(raw) if raw else None
        if raw and self.data is None:
            raise ValueError(self._rule())

    def validate(self, form, extra_validators=()):
        """A value that is not an amount shows only the amount rule (not also "required" or a range)."""
        if self.process_errors:
            self.errors = list(self.process_errors)
            return False
        return super().validate(form, extra_validators)

    def _rule(self) -> str:
        """The amount rule in words, naming the field's upper bound when it has one."""
        highest = next((v.max for v in self.validators if isinstance(v, NumberRange) and v.max is not None), None)
        if highest is None:
            return str(_l("Enter an amount with at most two decimals, such as 12.50."))
        return _("Enter an amount up to %(max)s with at most two decimals.", max=f"{Decimal(str(highest)):.2f}")


def show_field_errors(form, exc: FieldErrors) -> None:
    """Attach an operation's field messages to the form (others go to the form's top)."""
    _place(form, exc.fields)
    if not exc.fields:
        form.form_errors.append(exc.message)


def show_validation_errors(form, exc) -> None:
    """Attach a marshmallow ValidationError's messages, translated, to the form's fields (others to its top)."""
    _place(form, translate_messages(exc.messages))


def _place(form, fields: dict) -> None:
    form.form_errors = list(getattr(form, "form_errors", []))
    for name, messages in fields.items():
        field = getattr(form, name.split(".")[0], None)
        if isinstance(messages, dict):  # a nested object's fields: "filter.lifecycle: …" at the top
            form.form_errors.extend(f"{name}.{path}: {text}" for path, text in _flat(messages))
        elif field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)


def _flat(messages: dict, prefix: str = ""):
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flat(value, f"{path}.")
        else:
            yield path, " ".join(map(str, value)) if isinstance(value, list) else str(value)
