"""Helpers shared by page forms."""

from __future__ import annotations

from mall.errors import FieldErrors
from mall.validation import translate_messages


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
