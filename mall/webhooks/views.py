"""Webhook pages: a shop's endpoints (staff) and the platform's (operators), with each endpoint's delivery log."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mall.boundary import commits
from mall.errors import FieldErrors
from mall.forms import show_field_errors
from mall.pagination import paginate
from mall.tenants.access import actor, operator_required, staff_required
from mall.tenants.models import StaffRole
from mall.webhooks import operations as webhooks
from mall.webhooks.forms import EndpointForm

admin_bp = Blueprint("webhooks_admin", __name__, url_prefix="/admin/<shop>/webhooks")
platform_bp = Blueprint("webhooks_platform", __name__, url_prefix="/platform/webhooks")
SHOP, PLATFORM = "webhooks_admin", "webhooks_platform"


def _owner() -> int | None:
    """The shop of the page (None on the platform's pages)."""
    return g.tenant.id if request.blueprint == SHOP else None


def _url(name: str, **values) -> str:
    if request.blueprint == SHOP:
        values["shop"] = g.tenant.slug
    return url_for(f"{request.blueprint}.{name}", **values)


def _endpoint_or_404(endpoint_id: int):
    endpoint = webhooks.endpoint_of(_owner(), endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


def _render(template: str, status: int = 200, **context):
    return render_template(f"webhooks/{template}", shop=g.get("tenant") if request.blueprint == SHOP else None,
                           url=_url, **context), status


def _index():
    """The owner's endpoints."""
    page = paginate(webhooks.endpoints_select(_owner()))
    return _render("list.html", page=page, revealed=request.args.get("revealed", type=int))


def _new():
    """Add an endpoint."""
    form = EndpointForm()
    if request.method == "POST" and form.validate():
        try:
            endpoint = webhooks.create_endpoint(_owner(), form.values(), actor())
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Endpoint added. Copy its secret now to verify the signatures."), "success")
            return redirect(_url("show", endpoint_id=endpoint.id, revealed=1))
    return _render("form.html", 422 if request.method == "POST" else 200, form=form, endpoint=None)


def _edit(endpoint_id: int):
    """Change an endpoint."""
    endpoint = _endpoint_or_404(endpoint_id)
    form = EndpointForm(obj=endpoint, data={"secret": ""}) if request.method == "GET" else EndpointForm()
    if request.method == "POST" and form.validate():
        try:
            webhooks.change_endpoint(endpoint, form.values())
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Endpoint saved."), "success")
            return redirect(_url("show", endpoint_id=endpoint.id))
    return _render("form.html", 422 if request.method == "POST" else 200, form=form, endpoint=endpoint)


def _show(endpoint_id: int):
    """An endpoint and its delivery log, newest first."""
    endpoint = _endpoint_or_404(endpoint_id)
    page = paginate(webhooks.deliveries_select(endpoint))
    return _render("deliveries.html", endpoint=endpoint, page=page, revealed=request.args.get("revealed") == "1")


def _delete(endpoint_id: int):
    """Delete an endpoint (after the page's confirmation)."""
    webhooks.delete_endpoint(_endpoint_or_404(endpoint_id))
    flash(_("Endpoint deleted with its delivery log."), "success")
    return redirect(_url("index"))


def _test(endpoint_id: int):
    """Send a test event to the endpoint."""
    webhooks.send_test(_endpoint_or_404(endpoint_id), actor())
    flash(_("Test event queued. Its outcome shows in the log below."), "success")
    return redirect(_url("show", endpoint_id=endpoint_id))


def _retry(endpoint_id: int, delivery_id: int):
    """Send a delivery again now."""
    endpoint = _endpoint_or_404(endpoint_id)
    delivery = webhooks.delivery_of(endpoint, delivery_id)
    if delivery is None:
        abort(404)
    if webhooks.retry(delivery):
        flash(_("Delivery queued again."), "success")
    else:
        flash(_("This delivery has already arrived; it is not sent twice."), "info")
    return redirect(_url("show", endpoint_id=endpoint.id))


def _routes(bp: Blueprint, read, write) -> None:
    """The same pages for a shop and for the platform; `read` and `write` say who may use them."""
    bp.add_url_rule("", "index", read(_index))
    bp.add_url_rule("/new", "new", write(commits(_new)), methods=["GET", "POST"])
    bp.add_url_rule("/<int:endpoint_id>", "show", read(_show))
    bp.add_url_rule("/<int:endpoint_id>/edit", "edit", write(commits(_edit)), methods=["GET", "POST"])
    bp.add_url_rule("/<int:endpoint_id>/delete", "delete", write(commits(_delete)), methods=["POST"])
    bp.add_url_rule("/<int:endpoint_id>/test", "test", write(commits(_test)), methods=["POST"])
    bp.add_url_rule("/<int:endpoint_id>/deliveries/<int:delivery_id>/retry", "retry", write(commits(_retry)),
                    methods=["POST"])


def _shop_staff(view):
    """Managers and owners of the URL's shop (the pages show the secret; support staff do not see it)."""
    return staff_required(StaffRole.MANAGER)(_takes_shop(view))


def _takes_shop(view):
    def wrapper(shop: str, **kwargs):
        return view(**kwargs)

    return wraps(view)(wrapper)


_routes(admin_bp, _shop_staff, _shop_staff)
_routes(platform_bp, operator_required, operator_required)
