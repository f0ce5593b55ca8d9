"""After-sales pages: the shopper asks, follows and sends a return back; the shop decides and receives."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mall import idempotency
from mall.aftersales import operations as aftersales
from mall.aftersales.forms import AfterSaleForm, RejectForm, ReturnShippedForm
from mall.aftersales.models import AfterSale, AfterSaleStatus
from mall.boundary import commits
from mall.checkout.quote import MAX_QTY
from mall.errors import FieldErrors
from mall.extensions import db
from mall.form_numbers import whole_number
from mall.forms import show_field_errors
from mall.media.views import takes_image
from mall.orders.views import own_order_or_404
from mall.pagination import paginate
from mall.tenants.access import actor, get_in_tenant_or_404, login_required, scoped, staff_required
from mall.tenants.models import StaffRole

bp = Blueprint("aftersales", __name__)
admin_bp = Blueprint("aftersales_admin", __name__, url_prefix="/admin/<shop>")


def own_after_sale_or_404(after_sale_id: int) -> AfterSale:
    """The signed-in shopper's request; anyone else's is a 404."""
    after_sale = db.session.get(AfterSale, after_sale_id)
    if after_sale is None or after_sale.user_id != actor().id:
        abort(404)
    return after_sale


def _back_to_form(order_id: int, **_ignored) -> str:
    return url_for("aftersales.new", order_id=order_id)


@bp.route("/orders/<int:order_id>/after-sales/new", methods=["GET", "POST"])
@takes_image(count=aftersales.MAX_PHOTOS, back=_back_to_form)
@login_required
@commits(back="orders.detail")
def new(order_id: int):
    """Apply for after-sales on an order: refund or return, which units, and why."""
    order = own_order_or_404(order_id)
    if not aftersales.can_ask(order):
        flash(_("This order can no longer take an after-sales request."), "info")
        return redirect(url_for("orders.detail", order_id=order.id))
    form = AfterSaleForm().offer(aftersales.kinds_allowed(order))
    line_errors: dict[int, list[str]] = {}
    if request.method == "POST":
        try:
            lines = _lines_from(order, line_errors)
            if form.validate() and not line_errors:
                after_sale_id = _ask_once(order, form, lines)
                flash(_("Your request is with the shop. We will tell you in your inbox when it answers."), "success")
                return redirect(url_for("aftersales.detail", after_sale_id=after_sale_id))
        except FieldErrors as exc:
            _place_errors(form, exc, lines, line_errors)
    status = 422 if request.method == "POST" else 200
    return render_template("aftersales/new.html", order=order, form=form, left=aftersales.available(order),
                           line_errors=line_errors, idempotency_key=str(uuid.uuid4())), status


def _lines_from(order, line_errors: dict) -> list[dict]:
    """The quantities typed per line (blank or 0 asks for none of it)."""
    lines = []
    for line in order.lines:
        raw = request.form.get(f"qty_{line.id}", "").strip()
        if raw in ("", "0"):
            continue
        try:
            lines.append({"line_id": line.id, "qty": whole_number(raw, f"qty_{line.id}", 1, MAX_QTY)})
        except FieldErrors as exc:
            line_errors[line.id] = [exc.message]
    return lines


def _place_errors(form, exc: FieldErrors, lines: list[dict], line_errors: dict) -> None:
    """An operation's messages: a line's beside that line, the others on the form."""
    rest = {}
    for key, messages in exc.fields.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(lines):
            line_errors.setdefault(lines[int(parts[1])]["line_id"], []).extend(messages)
        else:
            rest[key] = messages
    show_field_errors(form, FieldErrors(exc.message, rest))


def _ask_once(order, form, lines: list[dict]) -> int:
    """Open the request once per page key: a second submit of the same form shows the first request."""
    user = actor()
    payload = {"order": order.id, "kind": form.kind.data, "lines": lines, "reason_code": form.reason_code.data,
               "reason": form.reason.data}

    photos = [f for f in request.files.getlist("photos") if f and f.filename]

    def work(_operation_key: str):
        after_sale = aftersales.request_after_sale(order, user, form.kind.data, lines, form.reason_code.data,
                                                   form.reason.data or "", photos)
        return 201, {"id": after_sale.id}

    return idempotency.run_form_once(user.id, payload, work)["id"]


@bp.route("/after-sales")
@login_required
def index():
    """The shopper's after-sales requests, newest first."""
    page = paginate(db.select(AfterSale).where(AfterSale.user_id == actor().id).order_by(AfterSale.id.desc()))
    return render_template("aftersales/list.html", page=page)


@bp.route("/after-sales/<int:after_sale_id>")
@login_required
def detail(after_sale_id: int):
    """One request with its steps, and the form to send an approved return back."""
    after_sale = own_after_sale_or_404(after_sale_id)
    return render_template("aftersales/detail.html", after_sale=after_sale, form=ReturnShippedForm())


@bp.route("/after-sales/<int:after_sale_id>/return-shipped", methods=["POST"])
@login_required
@commits(back="aftersales.detail")
def return_shipped(after_sale_id: int):
    """Record the parcel an approved return was sent back in."""
    after_sale = own_after_sale_or_404(after_sale_id)
    form = ReturnShippedForm()
    if form.validate():
        try:
            aftersales.return_shipped(after_sale, form.carrier_name(), form.tracking_no.data)
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Thank you: the shop will refund you once the goods arrive."), "success")
            return redirect(url_for("aftersales.detail", after_sale_id=after_sale.id))
    return render_template("aftersales/detail.html", after_sale=after_sale, form=form), 422


@admin_bp.route("/after-sales")
@staff_required(StaffRole.SUPPORT)
def admin_list(shop: str):
    """The shop's after-sales requests, filterable by status."""
    select = scoped(AfterSale).order_by(AfterSale.id.desc())
    status = request.args.get("status")
    if status in AfterSaleStatus.ALL:
        select = select.where(AfterSale.status == status)
    else:
        status = None
    return render_template("aftersales/admin_list.html", shop=g.tenant, page=paginate(select), status=status,
                           statuses=AfterSaleStatus.ALL)


@admin_bp.route("/after-sales/<int:after_sale_id>")
@staff_required(StaffRole.SUPPORT)
def admin_detail(shop: str, after_sale_id: int):
    """One request with approve, decline and receive."""
    after_sale = get_in_tenant_or_404(AfterSale, after_sale_id)
    return render_template("aftersales/admin_detail.html", shop=g.tenant, after_sale=after_sale, form=RejectForm())


def _done(after_sale: AfterSale, success: str):
    flash(success, "success")
    return redirect(url_for("aftersales_admin.admin_detail", shop=g.tenant.slug, after_sale_id=after_sale.id))


@admin_bp.route("/after-sales/<int:after_sale_id>/approve", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="aftersales_admin.admin_detail")
def approve(shop: str, after_sale_id: int):
    """Approve: a refund only is refunded now; a return waits for the goods."""
    after_sale = aftersales.approve(get_in_tenant_or_404(AfterSale, after_sale_id), actor())
    if after_sale.status == AfterSaleStatus.REFUNDED:
        return _done(after_sale, _("Approved and refunded."))
    return _done(after_sale, _("Return approved. The buyer has been asked to send the goods back."))


@admin_bp.route("/after-sales/<int:after_sale_id>/reject", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="aftersales_admin.admin_detail")
def reject(shop: str, after_sale_id: int):
    """Decline with a reason the shopper reads."""
    after_sale = get_in_tenant_or_404(AfterSale, after_sale_id)
    form = RejectForm()
    if form.validate():
        try:
            aftersales.reject(after_sale, actor(), form.reason.data)
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            return _done(after_sale, _("Request declined. The buyer has been told why."))
    return render_template("aftersales/admin_detail.html", shop=g.tenant, after_sale=after_sale, form=form), 422


@admin_bp.route("/after-sales/<int:after_sale_id>/receive", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="aftersales_admin.admin_detail")
def receive(shop: str, after_sale_id: int):
    """Confirm the returned goods arrived: they are refunded."""
    after_sale = aftersales.receive(get_in_tenant_or_404(AfterSale, after_sale_id), actor())
    return _done(after_sale, _("Goods received and refunded."))


@admin_bp.url_value_preprocessor
def _require_shop(endpoint, values):
    if values is None or "shop" not in values:
        abort(404)
