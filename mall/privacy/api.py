"""API of the personal-data requests: GET /me/export and POST /me/delete."""

from __future__ import annotations

from mall.api import bp, load, write
from mall.api.openapi import documented
from mall.privacy import operations as privacy
from mall.privacy import schemas
from mall.tenants.access import actor, login_required


@bp.route("/me/export", methods=["GET"])
@documented(response=schemas.EXPORT)
@login_required
@write
def me_export():
    """Everything held about the caller as JSON: account, addresses, orders, after-sales, reviews, inbox, tokens
    and each plugin's part (the request is recorded in the audit log)."""
    return 200, privacy.export(actor(), "api")


@bp.route("/me/delete", methods=["POST"])
@documented(request=schemas.DeleteAccountSchema, response=schemas.DELETED)
@login_required
@write
def me_delete():
    """Delete (anonymise) the caller's account after checking the password: orders and ledgers stay, without
    personal data; every session and token ends. 409 while an order or after-sales request is unsettled."""
    data = load(schemas.DeleteAccountSchema())
    done = privacy.erase(actor(), data["password"], "api")
    return 200, {"deleted": True, "request": {"id": done.id, "created_at": done.created_at.isoformat()}}
