"""The simulation API: queue a draft's replay over past orders, then read both sides."""

from __future__ import annotations

from flask import g, jsonify

from mall.api import json_body, write
from mall.api.openapi import documented
from mall.api.serializers import iso
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from plugins.loyalty.programmes.operations import get_in_programme_or_404
from plugins.loyalty.rules.operations import check_references
from plugins.loyalty.simulations import schemas as docs
from plugins.loyalty.simulations.models import Simulation
from plugins.loyalty.simulations.operations import start
from plugins.loyalty.web.api import api_bp, programme_or_404


def simulation_json(row: Simulation) -> dict:
    """A simulation as the API answers it: status and progress, and both sides once done."""
    result = row.result or {}
    return {"simulation": {"id": row.id, "status": row.status, "progress": row.progress, "months": row.months,
                           "version": row.version, "created_at": iso(row.created_at),
                           "current": result.get("current"), "draft": result.get("draft"),
                           "most_affected": result.get("most_affected", [])}}


def _simulate(tenant) -> tuple[int, dict]:
    programme = programme_or_404(tenant)
    document, months = docs.load_body(json_body())
    check_references(document, tenant)
    row = start(programme, document, months, actor())
    return 202, {"simulation": {"id": row.id, "status": row.status}}


@api_bp.route("/shops/<shop>/programme/simulate", methods=["POST"])
@documented(docs.SimulateBody, docs.SimulationReply, status=202)
@staff_required(StaffRole.MANAGER)
@write
def shop_simulate(shop: str):
    """Queue a simulation of a draft programme over the shop's settled orders of the last `months` months."""
    return _simulate(g.tenant)


@api_bp.route("/shops/<shop>/programme/simulations/<int:simulation_id>", methods=["GET"])
@documented(response=docs.SimulationReply)
@staff_required(StaffRole.SUPPORT)
def shop_simulation(shop: str, simulation_id: int):
    """A simulation of the shop's programme: status, progress and, when done, the current version and the draft."""
    row = get_in_programme_or_404(Simulation, simulation_id, programme_or_404(g.tenant))
    return jsonify(simulation_json(row))


@api_bp.route("/platform/programme/simulate", methods=["POST"])
@documented(docs.SimulateBody, docs.SimulationReply, status=202)
@operator_required
@write
def platform_simulate():
    """Queue a simulation of a draft platform programme over every shop's settled orders."""
    return _simulate(None)


@api_bp.route("/platform/programme/simulations/<int:simulation_id>", methods=["GET"])
@documented(response=docs.SimulationReply)
@operator_required
def platform_simulation(simulation_id: int):
    """A simulation of the platform programme."""
    row = get_in_programme_or_404(Simulation, simulation_id, programme_or_404(None))
    return jsonify(simulation_json(row))
