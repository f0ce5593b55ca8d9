"""API for operators: tenants."""

from flask import abort, jsonify

from mall.api import bp, load, write
from mall.api.schemas import TenantSchema
from mall.api.serializers import tenant_json
from mall.extensions import db
from mall.tenants import operations as tenants
from mall.tenants.access import operator_required
from mall.tenants.models import Tenant


@bp.route("/platform/tenants", methods=["GET"])
@operator_required
def tenant_index():
    """Every shop."""
    rows = db.session.execute(db.select(Tenant).order_by(Tenant.id)).scalars()
    return jsonify({"items": [tenant_json(t) for t in rows]})


@bp.route("/platform/tenants", methods=["POST"])
@operator_required
@write
def tenant_create():
    """Create a shop owned by an existing user."""
    data = load(TenantSchema())
    tenant = tenants.create_tenant(
        data["slug"], data["name"], data["owner_email"], return_window_days=data["return_window_days"],
        shipping_fee=data["shipping_fee"], free_shipping_threshold=data["free_shipping_threshold"],
        timezone=data["timezone"], name_en=data["name_en"], description=data["description"],
        description_en=data["description_en"])
    return 201, {"tenant": tenant_json(tenant)}


def _tenant_or_404(slug: str) -> Tenant:
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none()
    if tenant is None:
        abort(404)
    return tenant


@bp.route("/platform/tenants/<slug>/suspend", methods=["POST"])
@operator_required
@write
def tenant_suspend(slug: str):
    """Suspend a shop."""
    return 200, {"tenant": tenant_json(tenants.suspend(_tenant_or_404(slug)))}


@bp.route("/platform/tenants/<slug>/reopen", methods=["POST"])
@operator_required
@write
def tenant_reopen(slug: str):
    """Reopen a suspended shop."""
    return 200, {"tenant": tenant_json(tenants.reopen(_tenant_or_404(slug)))}
