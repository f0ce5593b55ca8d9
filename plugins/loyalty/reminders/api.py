"""The reminders API: which reminders the caller receives."""

from __future__ import annotations

from flask import jsonify

from mall.api import json_body, write
from mall.api.openapi import documented
from mall.tenants.access import actor, login_required
from plugins.loyalty.reminders import operations
from plugins.loyalty.reminders.schemas import RemindersBody, RemindersReply
from plugins.loyalty.web.api import api_bp


@api_bp.route("/me/reminders", methods=["GET"])
@documented(response=RemindersReply)
@login_required
def my_reminders():
    """The caller's choice of reminders: {"expiry": bool, "tier": bool}."""
    return jsonify(operations.preferences(actor().id))


@api_bp.route("/me/reminders", methods=["PUT"])
@documented(RemindersBody, RemindersReply)
@login_required
@write
def set_my_reminders():
    """Choose the reminders to receive (both fields, true or false; anything else is a 422)."""
    data = RemindersBody().load(json_body())
    return 200, operations.set_preferences(actor().id, data["expiry"], data["tier"])
