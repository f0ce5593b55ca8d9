"""Reminder forms: the member's choice of reminders, and the programme editor's `points.reminders` part."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, StringField
from wtforms.validators import Optional

from mall import form_numbers

#: The document's defaults, shown for a programme saved before reminders existed.
DEFAULTS = {"expiry_days": [30, 7], "tier_days": 30}


class ReminderChoiceForm(FlaskForm):
    """Which reminders the member receives."""

    expiry = BooleanField(_l("Points about to expire"),
                          description=_l("For example “120 points expire on Jan 5, 2027.”, some days before "
                                         "points lapse."))
    tier = BooleanField(_l("Keeping and reaching a tier"),
                        description=_l("For example “Keep VIP: spend ¥300.00 more by Dec 31, 2026.” before a level "
                                       "period ends, and “You reached VIP.”"))


class ProgrammeRemindersForm(Form):
    """The programme editor's reminder fields (a sub-form of the programme form, named `reminders`)."""

    expiry_days = StringField(_l("Remind before points expire (days)"), validators=[Optional()],
                              description=_l("Days before, comma-separated (up to five, each 1–365); "
                                             "empty: no expiry reminders."))
    tier_days = StringField(_l("Remind before a tier's period ends (days)"), validators=[Optional()],
                            description=_l("1–365; empty: no keep-tier reminders."))


def fill(form: ProgrammeRemindersForm, document: dict) -> None:
    """Put the document's `points.reminders` into the sub-form."""
    current = {**DEFAULTS, **(document.get("points", {}).get("reminders") or {})}
    form.expiry_days.data = ", ".join(str(d) for d in current.get("expiry_days") or [])
    form.tier_days.data = "" if current.get("tier_days") is None else str(current["tier_days"])


def apply(form: ProgrammeRemindersForm, document: dict) -> None:
    """Write the sub-form into the document as `points.reminders`; the schema judges the numbers."""
    parts = [p.strip() for p in (form.expiry_days.data or "").split(",") if p.strip()]
    tier = (form.tier_days.data or "").strip()
    document.setdefault("points", {})["reminders"] = {
        "expiry_days": [_number(p) for p in parts], "tier_days": _number(tier) if tier else None}


def field_at(form: ProgrammeRemindersForm, parts: list[str]):
    """The field a `points.reminders.…` error belongs on ("expiry_days.1" → the days field)."""
    return getattr(form, parts[0], None) if parts else None


def _number(text: str):
    """A whole number as an int; anything else as typed, for the schema to refuse with its message."""
    return int(text) if form_numbers.is_whole_number(text) else text
