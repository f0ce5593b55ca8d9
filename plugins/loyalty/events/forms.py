"""The programme editor's Events rows: one row per event, read from and written to `points.events`."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, FieldList, Form, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from mall import form_numbers

TIMES = "times"
PREFIX = "points.events."


class EventForm(Form):
    """One event: its code, what members read, its points and how often it pays; a row without a code is left out."""

    code = StringField(_l("Event code"), validators=[Optional()])
    name = StringField(_l("Name in Chinese"), validators=[Optional()])
    name_en = StringField(_l("Name in English (optional)"), validators=[Optional()])
    points = StringField(_l("Points"), validators=[Optional()])
    limit = SelectField(_l("How often"), default="once", choices=[
        SelectChoice("once", _l("Once per member")), SelectChoice("daily", _l("Once a day")),
        SelectChoice("weekly", _l("Once a week")), SelectChoice(TIMES, _l("A number of times"))])
    times = StringField(_l("Times"), validators=[Optional()])
    remove = BooleanField(_l("Remove"))


class EventRows(FieldList):
    """The event rows: always one empty row at the end to add an event by filling it, and no code twice."""

    def process(self, formdata, data=None, extra_filters=None):
        """Read the rows as usual, then leave one empty row at the end."""
        super().process(formdata, data if data is not None else [], extra_filters)
        pad_events(self)

    def validate(self, form, extra_validators=()):
        """Each row's own checks, and a code given on two rows is refused on the second."""
        ok = super().validate(form, extra_validators)
        seen = set()
        for entry in _rows(self):
            code = _code(entry)
            if code in seen:
                entry.form.code.errors = [*entry.form.code.errors, _("This event is given twice.")]
                ok = False
            seen.add(code)
        return ok


def _code(entry) -> str:
    return (entry.form.code.data or "").strip()


def _blank(entry) -> bool:
    return not any((getattr(entry.form, name).data or "").strip() for name in ("code", "name", "points"))


def _rows(rows: EventRows) -> list:
    """The rows that make events: those with a code, not marked for removal."""
    return [entry for entry in rows.entries if _code(entry) and not entry.form.remove.data]


def pad_events(rows: EventRows) -> None:
    """One empty row at the end, so a page without a script can add an event by filling it in."""
    if not rows.entries or not _blank(rows.entries[-1]):
        rows.append_entry()


def fill_events(rows: EventRows, document: dict) -> None:
    """Put the document's events into the rows (then the empty row)."""
    while rows.entries:
        rows.pop_entry()
    for code, spec in sorted((document["points"].get("events") or {}).items()):
        limit = spec.get("limit", "once")
        rows.append_entry({"code": code, "name": spec.get("name"), "name_en": spec.get("name_en"),
                           "points": str(spec.get("points", "")), "limit": TIMES if isinstance(limit, int) else limit,
                           "times": str(limit) if isinstance(limit, int) else ""})
    pad_events(rows)


def _number(raw):
    """A whole number as int, anything else as typed (the document's check names what is wrong)."""
    raw = (raw or "").strip()
    return int(raw) if form_numbers.is_whole_number(raw) else raw


def events_of(rows: EventRows) -> dict:
    """The `points.events` the rows describe."""
    events = {}
    for entry in _rows(rows):
        row = entry.form
        spec = {"points": _number(row.points.data) if (row.points.data or "").strip() else None,
                "limit": _number(row.times.data) if row.limit.data == TIMES else row.limit.data}
        spec.update({k: v.strip() for k in ("name", "name_en") if (v := getattr(row, k).data or "").strip()})
        events[_code(entry)] = {k: v for k, v in spec.items() if v is not None}
    return events


def event_field(rows: EventRows, path: str):
    """The box a document message about an event belongs beside ("points.events.share.limit"), or None."""
    code, _dot, name = path[len(PREFIX):].partition(".")
    for entry in _rows(rows):
        if _code(entry) == code:
            if name == "limit" and entry.form.limit.data == TIMES:
                return entry.form.times
            return getattr(entry.form, name) if name in ("points", "name", "name_en", "limit") else entry.form.code
    return None
