"""The member events API: a shop's staff (or its server, with a staff account's token) report what a member did."""

from __future__ import annotations

from flask import g

from mall.accounts.models import User
from mall.api import json_body, write
from mall.api.openapi import documented
from mall.api.serializers import iso
from mall.extensions import db
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.events import schemas as docs
from plugins.loyalty.events.models import EventReport
from plugins.loyalty.events.operations import report
from plugins.loyalty.web.api import api_bp, programme_or_404


def report_json(row: EventReport) -> dict:
    """A report as the API answers it (the same body on every replay of its key)."""
    return {"user_id": row.user_id, "event": row.event, "key": row.key, "credited": row.points,
            "reason": row.reason, "reported_at": iso(row.created_at)}


def _reported(programme) -> tuple[int, dict]:
    """Record the body's event in a programme: 201 when it credited points, else 200 (a replay, or the limit)."""
    data = docs.EventReportBody().load(json_body())
    user = db.session.get(User, data["user_id"])
    row, new = report(programme, user, data["event"], data["key"], actor=actor())
    return (201 if new and row.points else 200), report_json(row)


@api_bp.route("/shops/<shop>/events", methods=["POST"])
@documented(docs.EventReportBody, docs.EventReportReply, created=True)
@staff_required(StaffRole.MANAGER)
@write
def shop_event(shop: str):
    """Report a member event to the shop's programme (idempotent by the body's key)."""
    return _reported(programme_or_404(g.tenant))


@api_bp.route("/platform/events", methods=["POST"])
@documented(docs.EventReportBody, docs.EventReportReply, created=True)
@operator_required
@write
def platform_event():
    """Report a member event to the platform programme (idempotent by the body's key)."""
    return _reported(programme_or_404(None))
