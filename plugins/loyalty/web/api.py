"""The loyalty API's blueprint under /api/v1 and what its endpoints share: keys, paging, finding programmes."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, request
from flask_babel import gettext as _

from mall import idempotency
from mall.api import authenticate
from mall.errors import FieldErrors
from mall.tenants.access import actor, resolve_tenant
from plugins.loyalty.programmes.models import PLATFORM
from plugins.loyalty.programmes.operations import programme_for

api_bp = Blueprint("loyalty_api", __name__, url_prefix="/api/v1")
PAGE = 50
api_bp.before_request(authenticate)


def request_key() -> str:
    """The operation's key for ledgers and the gateway: the Idempotency-Key scoped to caller and endpoint.

    Without the header (or a caller) every call is a new operation.
    """
    key = request.headers.get("Idempotency-Key")
    user = actor()
    if key is None or user is None:
        return uuid.uuid4().hex
    return idempotency.operation_key(user.id, idempotency.check_key(key), request.endpoint)


def programme_or_404(tenant):
    """The tenant's programme (None: the platform's), or a 404 when it has none."""
    programme = programme_for(tenant)
    if programme is None:
        abort(404, description=_("This shop has no loyalty programme."))
    return programme


def programme_by_name(name):
    """The programme a name stands for: a shop's slug or "platform"; None when there is none."""
    if name == PLATFORM:
        return programme_for(None)
    if not isinstance(name, str):
        return None
    tenant = resolve_tenant(name)
    return programme_for(tenant)


def programme_of_body(data: dict):
    """The programme a request body names ("programme": a shop's slug or "platform", the default); 422 if none."""
    programme = programme_by_name(data.get("programme", PLATFORM))
    if programme is None:
        raise FieldErrors(_("No such programme."), {"programme": [_("Give a shop's slug or platform.")]})
    return programme
