"""The programme API: read and replace a shop's or the platform's programme document."""

from __future__ import annotations

from flask import g, jsonify

from mall.api import json_body, write
from mall.api.openapi import documented
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.programmes import schemas as docs
from plugins.loyalty.programmes.operations import save_document
from plugins.loyalty.rules.operations import shown_rules
from plugins.loyalty.web.api import api_bp, programme_or_404


def _document_reply(programme):
    points = {**programme.document["points"], "rules": shown_rules(programme, programme.document)}
    return {"programme": {**programme.document, "points": points, "version": programme.version}}



@api_bp.route("/shops/<shop>/programme", methods=["GET"])
@documented(response=docs.ProgrammeReply)
@staff_required(StaffRole.SUPPORT)
def shop_programme(shop: str):
    """The shop's programme document."""
    return jsonify(_document_reply(programme_or_404(g.tenant)))


@api_bp.route("/shops/<shop>/programme", methods=["PUT"])
@documented(docs.ProgrammeBody, docs.ProgrammeReply)
@staff_required(StaffRole.MANAGER)
@write
def shop_programme_put(shop: str):
    """Replace the shop's programme document (a new version)."""
    programme = save_document(g.tenant, json_body(), actor())
    return 200, _document_reply(programme)


@api_bp.route("/platform/programme", methods=["GET"])
@documented(response=docs.ProgrammeReply)
@operator_required
def platform_programme_get():
    """The platform programme document."""
    return jsonify(_document_reply(programme_or_404(None)))


@api_bp.route("/platform/programme", methods=["PUT"])
@documented(docs.ProgrammeBody, docs.ProgrammeReply)
@operator_required
@write
def platform_programme_put():
    """Replace the platform programme document (a new version)."""
    return 200, _document_reply(save_document(None, json_body(), actor()))
