"""The one transaction boundary of a page request: commit once on success, roll back on anything else.

Operations only add, flush and send signals; the page's `@commits` decides. A response below 400
commits; a re-shown form (422) or any other refusal rolls back, so a half-done write never lands.
A DomainError raised by the view is rolled back and, where the view names a page to go `back` to,
flashed there; otherwise the error page shows it (the handlers in `mall.errors`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mall.errors import Conflict, DomainError, FieldErrors
from mall.extensions import db

Back = str | Callable[..., str] | None


def commits(view=None, *, back: Back = None):
    """Decorate a page view: one commit when it answers below 400, a rollback otherwise.

    `back` is where a refused action (a DomainError the view did not handle itself) goes with its
    message flashed: an endpoint, filled from the view's own URL arguments, or a callable taking
    them and returning a URL. Without it the refusal is shown on the error page.
    """
    if view is None:
        return lambda actual: commits(actual, back=back)

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            response = view(*args, **kwargs)
        except DomainError as exc:
            db.session.rollback()
            if back is None:
                raise
            flash(refusal_text(exc), "error")
            return redirect(_back_url(back, kwargs))
        except BaseException:
            db.session.rollback()
            raise
        status = current_app.make_response(response).status_code
        if status >= 400:
            db.session.rollback()
            return response
        commit()
        return response

    wrapper.commits = True
    return wrapper


def commit() -> None:
    """Commit the request's transaction; a constraint lost to a concurrent request is a 409, not a 500."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Someone changed this at the same moment; nothing was saved. Please try again."),
                       code="conflict") from None


def refusal_text(exc: DomainError) -> str:
    """A refusal as one line: its message and, for field errors, each field's messages."""
    if isinstance(exc, FieldErrors):
        details = " ".join(m for messages in exc.fields.values() for m in messages)
        return f"{exc.message} {details}".strip()
    return exc.message


def _back_url(back: Back, view_args: dict) -> str:
    if callable(back):
        return back(**view_args)
    rule = next(iter(current_app.url_map.iter_rules(back)))
    return url_for(back, **{k: v for k, v in view_args.items() if k in rule.arguments})
