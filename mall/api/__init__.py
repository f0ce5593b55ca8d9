"""JSON API v1: token auth, JSON parsing without floats, idempotent writes, error format."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import wraps

from flask import Blueprint, Flask, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import ValidationError

from mall import idempotency
from mall.accounts.models import ApiToken
from mall.errors import api_error
from mall.extensions import csrf, db
from mall.validation import translate_messages

bp = Blueprint("api", __name__, url_prefix="/api/v1")
#: Endpoints that need no token.
OPEN_ENDPOINTS = {"api.register", "api.token", "api.openapi", "api.product_search"}
#: Endpoints a signed-in browser may also call with its session and the page's CSRF token (X-CSRFToken):
#: they change nothing, so the checkout page can refresh its quote in place.
SESSION_ENDPOINTS = {"api.checkout_quote"}


@bp.before_request
def authenticate() -> None:
    """Find the caller from the Bearer token, or answer 401; a plugin's API blueprint runs it before each request."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = ApiToken.find(header[7:].strip())
        if token is None:
            abort(401, description=_("Invalid, expired or revoked token."))
        if token.mark_used():
            # The one commit outside the request's own boundary, at most once a minute per token: the last
            # use must be recorded even when the request itself then fails and rolls back.
            db.session.commit()
        g.api_user = token.user
    elif request.endpoint in SESSION_ENDPOINTS and current_user.is_authenticated:
        # The blueprint is exempt from the pages' CSRF check (tokens cannot be forged cross-site; a cookie can).
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        g.api_user = current_user._get_current_object()
    elif request.endpoint not in OPEN_ENDPOINTS:
        abort(401, description=_("Send Authorization: Bearer <token>."))


def json_body() -> dict:
    """The request's JSON object; numbers with a fraction become Decimal, never float."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if not request.is_json:
        abort(415, description=_("Send the body as JSON with Content-Type: application/json."))
    try:
        data = loads_json(raw)
    except json.JSONDecodeError as exc:
        abort(400, description=_("The body is not valid JSON: %(problem)s at line %(line)d column %(column)d.",
                                 problem=exc.msg, line=exc.lineno, column=exc.colno))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        abort(400, description=_("The body is not valid JSON: %(problem)s.", problem=str(exc)[:200]))
    if not isinstance(data, dict):
        abort(400, description=_("The body must be a JSON object."))
    return data


def loads_json(raw):
    """JSON text (str or bytes) as Python values, numbers with a fraction as Decimal, never float.

    Anything that is not JSON raises ValueError: bad syntax or UTF-8, NaN / Infinity, and nesting
    too deep for the parser (a RecursionError otherwise), so every caller refuses it the same way.
    """
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _refuse_constant(name):
    raise ValueError(f"{name} is not allowed")


def load(schema, data: dict | None = None) -> dict:
    """Validate the body with a marshmallow schema (422 with field messages on failure)."""
    return schema.load(json_body() if data is None else data)


def write(view):
    """An API write: the view returns (status, body); commit once, honour Idempotency-Key per caller and endpoint."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        json_body()  # a malformed body is a 400 even where the endpoint takes none
        key = request.headers.get("Idempotency-Key")
        if key is None or "api_user" not in g:
            status, body = view(*args, **kwargs)
            db.session.commit()
            return jsonify(body), status
        key = idempotency.check_key(key)
        digest = idempotency.fingerprint(request.method, request.path, json_body())

        def work():
            status, body = view(*args, **kwargs)
            return status, json.loads(json.dumps(body, default=str))

        status, body = idempotency.run_once(g.api_user.id, key, digest, work, scope=request.endpoint)
        return jsonify(body), status

    wrapper.idempotent_write = True
    return wrapper


def init_app(app: Flask) -> None:
    """Register the API blueprint and its error handlers."""
    from mall.addresses import api as addresses  # noqa: F401  (routes)
    from mall.aftersales import api as aftersales_api  # noqa: F401  (routes)
    from mall.api import accounts, openapi, platform, shop, shopper  # noqa: F401  (routes)
    from mall.catalog import api as catalog_api  # noqa: F401  (routes)
    from mall.media import api as media_api  # noqa: F401  (routes)
    from mall.notifications import api as inbox_api  # noqa: F401  (routes)
    from mall.privacy import api as privacy_api  # noqa: F401  (routes)
    from mall.webhooks import api as webhooks_api  # noqa: F401  (routes)

    csrf.exempt(bp)
    app.register_blueprint(bp)

    @app.errorhandler(ValidationError)
    def _invalid(exc: ValidationError):
        db.session.rollback()
        fields = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return api_error(422, "invalid", _("Some values are invalid."), translate_messages(fields))
