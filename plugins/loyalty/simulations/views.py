"""Simulation pages: run a draft from the programme editor, watch its progress, compare both sides, list past runs."""

from __future__ import annotations

from decimal import Decimal

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.i18n import localized
from mall.pagination import paginate
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from mall.validation import translate_messages
from plugins.loyalty.programmes.operations import get_in_programme_or_404, programme_for
from plugins.loyalty.rules.operations import check_references
from plugins.loyalty.simulations.models import Simulation
from plugins.loyalty.simulations.operations import start
from plugins.loyalty.simulations.schemas import MAX_MONTHS, MIN_MONTHS
from plugins.loyalty.web.blueprints import merchant_bp, platform_bp, shop_programme

#: The months the editor offers first.
DEFAULT_MONTHS = 6


def months_of(text) -> int | None:
    """The months asked for in the editor, or None when it is not a whole number from 1 to 24."""
    text = (text or "").strip()
    if not text.isdigit() or len(text) > 3:
        return None
    months = int(text)
    return months if MIN_MONTHS <= months <= MAX_MONTHS else None


def simulate_from_editor(page, form, current: dict):
    """The editor's "Simulate" button: the form's programme as a draft, replayed on the queue; the editor is shown
    again with its messages when the draft or the months are refused."""
    from plugins.loyalty.programmes.forms import document_from, place_errors
    from plugins.loyalty.programmes.schemas import validate_document

    programme = programme_for(page.tenant)
    months = months_of(request.form.get("simulate_months"))
    if programme is None:
        form.form_errors = [_("Save the programme once before simulating a change to it.")]
        return page.show(form, status=422)
    if months is None:
        form.form_errors = [_("Simulate over 1 to 24 months.")]
        return page.show(form, status=422, simulate_months=request.form.get("simulate_months", "")[:8])
    document, rows = document_from(form, current)
    try:
        document = validate_document(document)
        check_references(document, page.tenant)
    except ValidationError as exc:
        place_errors(form, translate_messages(exc.messages), rows)
    except FieldErrors as exc:
        show_field_errors(form, exc)
    else:
        row = start(programme, document, months, actor())
        flash(_("The simulation is queued."), "success")
        endpoint = "loyalty_merchant.simulation" if page.tenant else "loyalty_platform.platform_simulation"
        return redirect(url_for(endpoint, simulation_id=row.id, **page.url_args))
    return page.show(form, status=422)


def _state(row: Simulation) -> dict:
    return {"id": row.id, "status": row.status, "progress": row.progress}


def _list(programme, layout: str, endpoint: str, **args):
    page = paginate(db.select(Simulation).where(Simulation.programme_id == programme.id)
                    .order_by(Simulation.id.desc()))
    return render_template("loyalty/simulations/simulations.html", page=page, layout=layout, endpoint=endpoint,
                           programme=programme, args=args, shop=g.get("tenant"))


def _show(row: Simulation, layout: str, endpoints: tuple[str, str], **args):
    return render_template("loyalty/simulations/simulation.html", sim=row, result=row.result or {}, layout=layout,
                           list_endpoint=endpoints[0], state_endpoint=endpoints[1], args=args, chart=_chart(row),
                           diff=_money_differences(row), shop=g.get("tenant"),
                           names=tier_names(row.result) if row.status == "done" else {})


def _money_differences(row: Simulation) -> dict:
    """Draft minus current for the money figures, exactly."""
    result = row.result or {}
    if row.status != "done" or not result:
        return {}
    return {k: Decimal(result["draft"][k]) - Decimal(result["current"][k]) for k in ("discount_cost", "rebates")}


def tier_names(result: dict) -> dict:
    """Tier code → its name in the viewer's language, from either side's document (the draft's wins)."""
    tiers = {**result["current"].get("tiers", {}), **result["draft"].get("tiers", {})}
    return {code: localized(names, "name") for code, names in tiers.items()}


def _chart(row: Simulation) -> dict | None:
    """The members-per-tier bar chart: both sides over the tiers either side has."""
    result = row.result or {}
    if row.status != "done" or not result:
        return None
    current, draft = result["current"], result["draft"]
    codes = list(dict.fromkeys([*current["members_by_tier"], *draft["members_by_tier"]]))
    names = tier_names(result)
    return {"type": "bar", "integer": True, "labels": [names.get(c, c) for c in codes], "y": _("Members"),
            "series": [{"label": _("Current version"), "data": [current["members_by_tier"].get(c, 0) for c in codes]},
                       {"label": _("Draft"), "data": [draft["members_by_tier"].get(c, 0) for c in codes]}]}


@merchant_bp.route("/simulations")
@staff_required(StaffRole.SUPPORT)
def simulations(shop: str):
    """The shop's past programme simulations, newest first."""
    return _list(shop_programme(), "admin_layout.html", "loyalty_merchant.simulations", shop=shop)


@merchant_bp.route("/simulations/<int:simulation_id>")
@staff_required(StaffRole.SUPPORT)
def simulation(shop: str, simulation_id: int):
    """One simulation: its progress while it runs, then the current version and the draft side by side."""
    row = get_in_programme_or_404(Simulation, simulation_id, shop_programme())
    return _show(row, "admin_layout.html", ("loyalty_merchant.simulations", "loyalty_merchant.simulation_state"),
                 shop=shop)


@merchant_bp.route("/simulations/<int:simulation_id>.json")
@staff_required(StaffRole.SUPPORT)
def simulation_state(shop: str, simulation_id: int):
    """A simulation's status and progress for its page to poll."""
    return jsonify(_state(get_in_programme_or_404(Simulation, simulation_id, shop_programme())))


def _platform():
    from flask import abort

    return programme_for(None) or abort(404)


@platform_bp.route("/platform/loyalty/simulations")
@operator_required
def platform_simulations():
    """The platform programme's past simulations."""
    return _list(_platform(), "platform_layout.html", "loyalty_platform.platform_simulations")


@platform_bp.route("/platform/loyalty/simulations/<int:simulation_id>")
@operator_required
def platform_simulation(simulation_id: int):
    """One simulation of the platform programme."""
    return _show(get_in_programme_or_404(Simulation, simulation_id, _platform()), "platform_layout.html",
                 ("loyalty_platform.platform_simulations", "loyalty_platform.platform_simulation_state"))


@platform_bp.route("/platform/loyalty/simulations/<int:simulation_id>.json")
@operator_required
def platform_simulation_state(simulation_id: int):
    """A platform simulation's status and progress for its page to poll."""
    return jsonify(_state(get_in_programme_or_404(Simulation, simulation_id, _platform())))

