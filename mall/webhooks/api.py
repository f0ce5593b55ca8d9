"""Webhooks API: a shop's endpoints (managers) and the platform's (operators), and each one's deliveries."""

from __future__ import annotations

from flask import abort, g, jsonify

from mall.api import bp, load, write
from mall.api.openapi import PAGE_PARAMETER, documented
from mall.extensions import db
from mall.pagination import page_number
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from mall.webhooks import operations as webhooks
from mall.webhooks import schemas as docs

PAGE = 50


def _create(tenant_id: int | None):
    endpoint = webhooks.create_endpoint(tenant_id, load(docs.WebhookBody()), actor())
    return 201, {"webhook": docs.webhook_json(endpoint, with_secret=True)}


def _index(tenant_id: int | None):
    rows = db.session.execute(webhooks.endpoints_select(tenant_id).limit(PAGE)
                              .offset((page_number() - 1) * PAGE)).scalars()
    return jsonify({"items": [docs.webhook_json(e) for e in rows]})


def _deliveries(tenant_id: int | None, webhook_id: int):
    endpoint = webhooks.endpoint_of(tenant_id, webhook_id)
    if endpoint is None:
        abort(404)
    rows = db.session.execute(webhooks.deliveries_select(endpoint).limit(PAGE)
                              .offset((page_number() - 1) * PAGE)).scalars()
    return jsonify({"items": [docs.delivery_json(d) for d in rows]})


@bp.route("/shops/<shop>/webhooks", methods=["POST"])
@documented(docs.WebhookBody, docs.WebhookReply, created=True)
@staff_required(StaffRole.MANAGER)
@write
def shop_webhook_create(shop: str):
    """Add a webhook endpoint to the shop; the reply holds its secret (made when none is given)."""
    return _create(g.tenant.id)


@bp.route("/shops/<shop>/webhooks", methods=["GET"])
@documented(response=docs.WebhooksReply, query=[PAGE_PARAMETER])
@staff_required(StaffRole.MANAGER)
def shop_webhook_index(shop: str):
    """The shop's webhook endpoints (?page=)."""
    return _index(g.tenant.id)


@bp.route("/shops/<shop>/webhooks/<int:webhook_id>/deliveries", methods=["GET"])
@documented(response=docs.DeliveriesReply, query=[PAGE_PARAMETER])
@staff_required(StaffRole.MANAGER)
def shop_webhook_deliveries(shop: str, webhook_id: int):
    """An endpoint's deliveries, newest first, with each one's last response (?page=)."""
    return _deliveries(g.tenant.id, webhook_id)


@bp.route("/platform/webhooks", methods=["POST"])
@documented(docs.WebhookBody, docs.WebhookReply, created=True)
@operator_required
@write
def platform_webhook_create():
    """Add a platform webhook endpoint (events of the platform programme); the reply holds its secret."""
    return _create(None)


@bp.route("/platform/webhooks", methods=["GET"])
@documented(response=docs.WebhooksReply, query=[PAGE_PARAMETER])
@operator_required
def platform_webhook_index():
    """The platform's webhook endpoints (?page=)."""
    return _index(None)


@bp.route("/platform/webhooks/<int:webhook_id>/deliveries", methods=["GET"])
@documented(response=docs.DeliveriesReply, query=[PAGE_PARAMETER])
@operator_required
def platform_webhook_deliveries(webhook_id: int):
    """A platform endpoint's deliveries, newest first (?page=)."""
    return _deliveries(None, webhook_id)
