"""Merchant admin pages under /admin/<shop>/: dashboard, orders, products, categories, shop settings, staff."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func
from sqlalchemy.orm import selectinload

from mall import clock, periods
from mall.admin import operations as admin_ops
from mall.admin.forms import (
    CategoryForm,
    ProductForm,
    ShopForm,
    StaffForm,
    add_row,
    fill_variants,
    show_variant_errors,
    variant_rows,
)
from mall.boundary import commits
from mall.catalog import operations as catalog
from mall.catalog.models import Category, Product
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.orders import operations as orders
from mall.orders.models import Order, OrderStatus
from mall.orders.timeline import timeline
from mall.pagination import paginate
from mall.tenants import operations as tenants
from mall.tenants.access import actor, get_in_tenant_or_404, scoped, staff_required
from mall.tenants.models import Staff, StaffRole

bp = Blueprint("admin", __name__, url_prefix="/admin/<shop>")


@bp.route("/")
@staff_required(StaffRole.SUPPORT)
def dashboard(shop: str):
    """Sales over the picked period against the one before, order counts by status and today's work."""
    period, problem = periods.parse(request.args, clock.zone_of(g.tenant))
    counts = dict(db.session.execute(
        db.select(Order.status, func.count(Order.id)).where(Order.tenant_id == g.tenant.id).group_by(Order.status)
    ).all())
    to_ship = db.session.execute(
        scoped(Order).where(Order.status == OrderStatus.PAID).order_by(Order.id).limit(10)
    ).scalars().all()
    return render_template("admin/dashboard.html", shop=g.tenant, counts=counts, to_ship=to_ship,
                           statuses=OrderStatus.ALL, period=period, problem=problem, presets=periods.PRESETS,
                           max_days=periods.MAX_DAYS, cards=admin_ops.sales(g.tenant, period),
                           charts=admin_ops.sales_chart(g.tenant, period), has_orders=bool(counts))


@bp.route("/orders")
@staff_required(StaffRole.SUPPORT)
def order_list(shop: str):
    """The shop's orders, filterable by status."""
    select = scoped(Order).order_by(Order.id.desc())
    status = request.args.get("status")
    if status in OrderStatus.ALL:
        select = select.where(Order.status == status)
    return render_template("admin/orders.html", shop=g.tenant, page=paginate(select), status=status,
                           statuses=OrderStatus.ALL)


@bp.route("/orders/<int:order_id>")
@staff_required(StaffRole.SUPPORT)
def order_detail(shop: str, order_id: int):
    """One order with its delivery address, timeline (settlement included) and ship / complete / refund actions."""
    return _order_page(get_in_tenant_or_404(Order, order_id))


def _order_page(order: Order, ship_errors: dict | None = None, typed=None):
    """The merchant's order page; a refused shipment re-shows its form with what was typed and why."""
    return render_template("admin/order.html", shop=g.tenant, order=order, staff_view=True,
                           events=timeline(order, internal=True), carriers=orders.CARRIERS,
                           ship_errors=ship_errors or {}, typed=typed or {})


@bp.route("/orders/<int:order_id>/packing-slip")
@staff_required(StaffRole.SUPPORT)
def packing_slip(shop: str, order_id: int):
    """A printable packing slip: where the parcel goes and what goes in it (no prices)."""
    order = get_in_tenant_or_404(Order, order_id)
    return render_template("admin/packing_slip.html", shop=g.tenant, order=order)


def _done(order: Order, success: str):
    flash(success, "success")
    return redirect(url_for("admin.order_detail", shop=g.tenant.slug, order_id=order.id))


@bp.route("/orders/<int:order_id>/ship", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="admin.order_detail")
def ship(shop: str, order_id: int):
    """Mark an order shipped with its carrier (one from the list, or another typed in) and tracking number."""
    order = get_in_tenant_or_404(Order, order_id)
    form = request.form
    other = form.get("carrier") == "other"
    carrier = form.get("carrier_other", "") if other else form.get("carrier", "")
    try:
        values, errors = orders.shipment(carrier or None, form.get("tracking_no") or None), {}
    except FieldErrors as exc:
        values, errors = {}, dict(exc.fields)
    if other and not carrier.strip():
        errors["carrier"] = [_("Type the carrier's name.")]
    if errors:
        return _order_page(order, errors, form), 422
    orders.ship(order, actor(), **values)
    return _done(order, _("Order shipped."))


@bp.route("/orders/<int:order_id>/complete", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="admin.order_detail")
def complete(shop: str, order_id: int):
    """Mark an order completed."""
    order = get_in_tenant_or_404(Order, order_id)
    orders.complete(order, actor())
    return _done(order, _("Order completed."))


@bp.route("/orders/<int:order_id>/refund", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits(back="admin.order_detail")
def refund(shop: str, order_id: int):
    """Refund the whole order or the quantities entered per line."""
    order = get_in_tenant_or_404(Order, order_id)
    if request.form.get("full"):
        orders.refund(order, actor(), full=True)
        return _done(order, _("Order refunded."))
    lines = []
    for line in order.lines:
        qty = request.form.get(f"qty_{line.id}", type=int)
        if qty:
            lines.append({"line_id": line.id, "qty": qty})
    orders.refund(order, actor(), lines=lines)
    return _done(order, _("Refund recorded."))


@bp.route("/products")
@staff_required(StaffRole.SUPPORT)
def product_list(shop: str):
    """The shop's products."""
    select = scoped(Product).options(selectinload(Product.images), selectinload(Product.variants)).order_by(Product.id)
    return render_template("admin/products.html", shop=g.tenant, page=paginate(select))


def _to_utc(value):
    if value is None:
        return None
    return value.replace(tzinfo=ZoneInfo(g.tenant.timezone)).astimezone(ZoneInfo("UTC"))


def _to_local(value):
    if value is None:
        return None
    return value.astimezone(ZoneInfo(g.tenant.timezone)).replace(tzinfo=None)


@bp.route("/products/new", methods=["GET", "POST"], defaults={"product_id": None})
@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
@staff_required(StaffRole.MANAGER)
@commits
def product_edit(shop: str, product_id: int | None):
    """Create or edit a product and its variants ("Add a row" shows one more blank variant row)."""
    product = get_in_tenant_or_404(Product, product_id) if product_id else None
    if request.method == "POST":
        form = ProductForm()
        if request.form.get("action") == "add_row":
            add_row(form)
            return _product_form(form, product, 200)
    else:
        form = ProductForm(obj=product)
        if product is not None:  # set after: `obj` would win over keywords, and these differ from the columns
            form.category.data = product.category.name if product.category else ""
            form.category_en.data = product.category.name_en if product.category else ""
            form.sale_starts_at.data = _to_local(product.sale_starts_at)
            form.sale_ends_at.data = _to_local(product.sale_ends_at)
        fill_variants(form, product)
    chosen = variant_rows(form) if form.validate_on_submit() else None
    if chosen is not None:
        values = {name: getattr(form, name).data for name in (
            "name", "name_en", "category", "category_en", "sale", "description", "description_en", "is_active")}
        values.update(sale_starts_at=_to_utc(form.sale_starts_at.data), sale_ends_at=_to_utc(form.sale_ends_at.data),
                      variants=chosen[0])
        try:
            saved = catalog.save_product(g.tenant, product, values)
        except FieldErrors as exc:
            show_variant_errors(form, exc, chosen[1])
        else:
            flash(_("Product saved."), "success")
            return redirect(url_for("admin.product_list", shop=g.tenant.slug, _anchor=f"p{saved.id}"))
    return _product_form(form, product, 422 if request.method == "POST" else 200)


def _product_form(form: ProductForm, product: Product | None, status: int):
    return render_template("admin/product_form.html", shop=g.tenant, form=form, product=product), status


@bp.route("/products/<int:product_id>/delete", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def product_delete(shop: str, product_id: int):
    """Delete a product never ordered; archive one that was (orders keep their lines)."""
    product = get_in_tenant_or_404(Product, product_id)
    if catalog.delete_product(product):
        flash(_("The product has orders, so it was archived instead of deleted."), "info")
    else:
        flash(_("Product deleted."), "success")
    return redirect(url_for("admin.product_list", shop=g.tenant.slug))


@bp.route("/categories")
@staff_required(StaffRole.SUPPORT)
def category_list(shop: str):
    """The shop's categories with their Chinese and English names."""
    categories = db.session.execute(scoped(Category).order_by(Category.position, Category.name)).scalars().all()
    forms = {c.id: CategoryForm(obj=c, prefix=f"c{c.id}") for c in categories}
    return render_template("admin/categories.html", shop=g.tenant, categories=categories, forms=forms)


@bp.route("/categories/<int:category_id>", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def category_edit(shop: str, category_id: int):
    """Rename a category in Chinese and English; a bad name re-shows the list with the message on that row."""
    category = get_in_tenant_or_404(Category, category_id)
    form = CategoryForm(prefix=f"c{category.id}")
    if form.validate_on_submit():
        try:
            catalog.rename_category(category, form.name.data, form.name_en.data or "")
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Category saved."), "success")
            return redirect(url_for("admin.category_list", shop=g.tenant.slug, _anchor=f"c{category.id}"))
    categories = db.session.execute(scoped(Category).order_by(Category.position, Category.name)).scalars().all()
    forms = {c.id: form if c.id == category.id else CategoryForm(obj=c, prefix=f"c{c.id}") for c in categories}
    return render_template("admin/categories.html", shop=g.tenant, categories=categories, forms=forms), 422


@bp.route("/settings", methods=["GET", "POST"])
@staff_required(StaffRole.OWNER)
@commits
def settings(shop: str):
    """The shop's name and description in Chinese and English (owners only)."""
    form = ShopForm(obj=g.tenant)
    if form.validate_on_submit():
        try:
            tenants.update_texts(g.tenant, form.name.data, form.name_en.data or "", form.description.data or "",
                                 form.description_en.data or "")
        except FieldErrors as exc:
            show_field_errors(form, exc)
        else:
            flash(_("Shop details saved."), "success")
            return redirect(url_for("admin.settings", shop=g.tenant.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/settings.html", shop=g.tenant, form=form), status


@bp.route("/staff", methods=["GET", "POST"])
@staff_required(StaffRole.OWNER)
@commits
def staff(shop: str):
    """List, add, re-role and remove staff (owners only)."""
    form = StaffForm()
    status = 200
    if form.validate_on_submit():
        try:
            tenants.add_staff(g.tenant, form.email.data, form.role.data, actor())
        except FieldErrors as exc:
            show_field_errors(form, exc)
            status = 422
        else:
            flash(_("Staff member added."), "success")
            return redirect(url_for("admin.staff", shop=g.tenant.slug))
    elif request.method == "POST":
        status = 422
    members = db.session.execute(scoped(Staff).order_by(Staff.id)).scalars().all()
    return render_template("admin/staff.html", shop=g.tenant, form=form, members=members,
                           roles=StaffRole.ORDER), status


@bp.route("/staff/<int:staff_id>", methods=["POST"])
@staff_required(StaffRole.OWNER)
@commits(back="admin.staff")
def staff_update(shop: str, staff_id: int):
    """Change a staff member's role or remove them."""
    member = get_in_tenant_or_404(Staff, staff_id)
    if request.form.get("remove"):
        tenants.remove_staff(member, actor())
    else:
        tenants.change_role(member, request.form.get("role"), actor())
    flash(_("Staff updated."), "success")
    return redirect(url_for("admin.staff", shop=g.tenant.slug))


@bp.url_value_preprocessor
def _require_shop(endpoint, values):
    if values is None or "shop" not in values:
        abort(404)
