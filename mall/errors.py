"""Domain errors and the handlers that turn any failure into a clear answer, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal with a stable code, a human message and optional field messages."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class FieldErrors(DomainError):
    """Valid request, invalid values (422)."""

    status = 422
    code = "invalid"


class Conflict(DomainError):
    """The request conflicts with the current state (409)."""

    status = 409
    code = "conflict"


def is_api_request() -> bool:
    """Whether this request is for the JSON API."""
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, fields: dict | None = None):
    """The API's error body: {"error": {"code", "message", "fields"}}."""
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return jsonify(body), status


_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
    422: "invalid", 429: "rate_limited",
}


def init_app(app: Flask) -> None:
    """Register error handlers for the API (JSON) and the pages (friendly HTML)."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        from mall.extensions import db

        db.session.rollback()
        if is_api_request():
            return api_error(exc.status, exc.code, exc.message, exc.fields)
        return render_template("errors/error.html", status=exc.status, message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        message = _("The form expired or was sent from elsewhere. Please try again.")
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        # Keep what the exception says about itself (Allow on a 405, Retry-After, WWW-Authenticate).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if is_api_request():
            body, status = api_error(status, _HTTP_CODES.get(status, "error"), _friendly(exc))
            return body, status, headers
        if status == 401:
            return redirect(url_for("accounts.login", next=request.full_path))
        return render_template("errors/error.html", status=status, message=_friendly(exc)), status, headers

    @app.errorhandler(DataError)
    def _out_of_range(exc: DataError):
        # The last guard behind the bounds on every input: a total that grew past what its column holds
        # (a balance near 2^31 on PostgreSQL, say) refuses the request instead of failing it.
        log.warning("value out of range on %s %s: %s", request.method, request.path, exc.orig)
        from mall.extensions import db

        db.session.rollback()
        message = _("A number is too large to be stored; nothing was changed.")
        if is_api_request():
            return api_error(422, "out_of_range", message)
        return render_template("errors/error.html", status=422, message=message), 422

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        from mall.extensions import db

        db.session.rollback()
        if is_api_request():
            return api_error(500, "server_error", "Something went wrong on our side; nothing was changed.")
        return render_template("errors/error.html", status=500, message=_friendly_500()), 500


def _friendly(exc: HTTPException) -> str:
    """A translated message: our own description, else one per status (never Werkzeug's or the limiter's text)."""
    messages = {
        403: _("You do not have access to this page."),
        404: _("We could not find that page."),
        405: _("That action is not allowed here."),
        413: _("The request is too large."),
        415: _("This content type is not accepted."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    default = messages.get(exc.code, _("The request could not be completed."))
    if exc.code == 429:
        return default  # the limiter's description is its raw rule, such as "10 per 1 minute"
    # Descriptions we wrote ourselves are translated messages; Werkzeug's defaults are not.
    own = exc.description if exc.description and exc.description != type(exc).description else None
    return own or default


def _friendly_500() -> str:
    return _("Something went wrong on our side; nothing was changed. Please try again.")
