"""Helpers shared by page forms."""

from __future__ import annotations

from mall.errors import FieldErrors


def show_field_errors(form, exc: FieldErrors) -> None:
    """Attach an operation's field messages to the form (others go to the form's top)."""
    form.form_errors = list(getattr(form, "form_errors", []))
    for name, messages in exc.fields.items():
        field = getattr(form, name.split(".")[0], None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
    if not exc.fields:
        form.form_errors.append(exc.message)
