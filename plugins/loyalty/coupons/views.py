"""Coupon pages: the member's coupons and coupon centre, the merchant's and platform's templates."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from mall import clock
from mall.audit.operations import record
from mall.boundary import commits
from mall.catalog.models import Category, Product
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors, show_validation_errors
from mall.i18n import localized
from mall.money import format_money
from mall.pagination import paginate
from mall.tenants.access import actor, login_required, operator_required, staff_required
from mall.tenants.models import StaffRole, Tenant, TenantStatus
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budget_ops
from plugins.loyalty.budgets.forms import flat_budget_errors
from plugins.loyalty.centre import operations as centre
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.forms import TemplateEditForm, TemplateForm
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import get_in_programme_or_404, platform_programme
from plugins.loyalty.web.blueprints import member_bp, merchant_bp, platform_bp, shop_programme

EDITABLE = ("name", "name_en", "stock", "per_member_limit", "valid_days", "claimable", "points_price")
TABS = ("available", "used", "expired")


def _edit(programme, tenant, template_id: int, layout: str, back: str, url_args: dict):
    """Show a template's edit form; a valid POST saves the changes (stock first, so it never drops below issued)."""
    template = get_in_programme_or_404(CouponTemplate, template_id, programme)
    window = template.valid_from is not None and template.valid_until is not None
    form = TemplateEditForm(obj=template, issued=template.issued, window=window)
    if request.method == "GET":
        form.fill_budget(template.budget)
    if form.validate_on_submit():
        try:
            coupon_ops.change_stock(template, form.stock.data)
            budget = coupon_ops.change_template(template, {"budget": form.budget_raw(),
                                                           "points_price": form.points_price.data})
        except FieldErrors as exc:
            show_field_errors(form, exc)
        except ValidationError as exc:
            show_validation_errors(form, ValidationError(flat_budget_errors(exc.messages)))
        else:
            _save_changes(template, form, tenant, window, budget)
            flash(_("%(name)s saved.", name=localized(template, "name")), "success")
            return redirect(url_for(back, **url_args))
    status = 422 if request.method == "POST" else 200
    return render_template("loyalty/coupons/merchant_edit.html", layout=layout, shop=tenant, form=form,
                           template=template, back=back, url_args=url_args,
                           warning=coupon_ops.spend_warning(template)), status


def _save_changes(template: CouponTemplate, form: TemplateEditForm, tenant, window: bool, changes: dict) -> None:
    """Copy the edited fields onto the template, audited with each change's old and new value (with `changes`,
    those already made: the budget and points price)."""
    for name in EDITABLE:
        new = getattr(form, name).data
        if name == "valid_days" and window:
            continue  # fixed dates stay fixed
        if new != getattr(template, name):
            changes[name] = [str(getattr(template, name)), str(new)]
            setattr(template, name, new)
    if changes:
        record("coupon_template.changed", template.name, actor=actor(), tenant=tenant, template_id=template.id,
               changes=changes)


@merchant_bp.route("/coupons/<int:template_id>", methods=["GET", "POST"])
@staff_required(StaffRole.MANAGER)
@commits
def edit_template(shop: str, template_id: int):
    """Edit one of the shop's coupon templates (managers)."""
    return _edit(shop_programme(), g.tenant, template_id, "admin_layout.html", "loyalty_merchant.coupon_templates",
                 {"shop": shop})


@platform_bp.route("/platform/loyalty/coupons/<int:template_id>", methods=["GET", "POST"], endpoint="edit")
@operator_required
@commits
def edit_platform_template(template_id: int):
    """Edit one of the platform's coupon templates."""
    return _edit(platform_programme(), None, template_id, "platform_layout.html", "loyalty_platform.coupons", {})


@member_bp.route("/member/coupon-centre")
@login_required
def coupon_centre():
    """Coupons anyone may claim (free or for points) from the platform and open shops; sold-out ones last."""
    now = clock.now()
    sold_out = db.and_(CouponTemplate.stock.is_not(None), CouponTemplate.issued >= CouponTemplate.stock)
    select = (
        db.select(CouponTemplate).join(Programme, Programme.id == CouponTemplate.programme_id)
        .outerjoin(Tenant, Tenant.id == Programme.tenant_id)
        .where(CouponTemplate.claimable.is_(True), CouponTemplate.is_active.is_(True),
               db.or_(CouponTemplate.valid_days.is_not(None), CouponTemplate.valid_until > now),
               db.or_(Programme.tenant_id.is_(None), Tenant.status == TenantStatus.ACTIVE))
        .order_by(sold_out, Programme.tenant_id.is_not(None), CouponTemplate.id.desc())
        .options(joinedload(CouponTemplate.programme).joinedload(Programme.tenant))
    )
    page = paginate(select)
    held = centre.held_counts(actor().id, [t.id for t in page.items])
    return render_template("loyalty/coupons/coupon_centre.html", page=page,
                           states={t.id: centre.centre_state(t, held.get(t.id, 0)) for t in page.items})


def _centre_page(**_view_args) -> str:
    """The coupon centre page the shopper claimed from."""
    return url_for("loyalty.coupon_centre", page=request.args.get("page", 1))


@member_bp.route("/member/coupon-centre/<int:template_id>/claim", methods=["POST"])
@login_required
@commits(back=_centre_page)
def claim(template_id: int):
    """Claim a coupon, paying its points price when it has one; a refusal goes back to the centre with its message."""
    template = db.session.get(CouponTemplate, template_id)
    if template is None or (template.programme.tenant and template.programme.tenant.status != TenantStatus.ACTIVE):
        raise NotFound()
    coupon_ops.claim(template.programme, template.id, actor())
    flash(_("%(name)s is in your coupons.", name=localized(template, "name")), "success")
    return redirect(_centre_page())


def coupon_conditions(template: CouponTemplate) -> str:
    """A coupon's terms in plain words."""
    if template.kind == "amount_off":
        text = _("¥%(v)s off", v=format_money(template.value))
    elif template.kind == "percent_off":
        text = _("%(pct)s%% off", pct=format_money((1 - template.value) * 100).rstrip("0").rstrip("."))
        if template.max_discount is not None:
            text += _(", at most ¥%(v)s", v=format_money(template.max_discount))
    else:
        text = _("Free shipping")
    if template.min_spend > 0:
        text += _(" on ¥%(v)s or more", v=format_money(template.min_spend))
    if template.product_ids or template.category_ids:
        text += _(", selected goods only")
    if template.exclude_sale_items:
        text += _(", not on sale items")
    return text


@member_bp.route("/member/coupons")
@login_required
def coupons():
    """The shopper's coupons by tab: available (expiring soon marked), used, expired; with each tab's count."""
    tab = request.args.get("status", "available")
    if tab not in TABS:
        abort(404)
    now = clock.now()
    user_id = actor().id
    select = db.select(Coupon).where(Coupon.user_id == user_id).options(
        joinedload(Coupon.template), joinedload(Coupon.programme).joinedload(Programme.tenant))
    if tab == "used":
        select = select.where(Coupon.used_order_id.is_not(None)).order_by(Coupon.used_at.desc())
    elif tab == "expired":
        select = select.where(Coupon.used_order_id.is_(None), Coupon.valid_until <= now) \
            .order_by(Coupon.valid_until.desc())
    else:
        select = select.where(Coupon.used_order_id.is_(None), Coupon.valid_until > now).order_by(Coupon.valid_until)
    return render_template("loyalty/coupons/coupons.html", tab=tab, tabs=TABS, page=paginate(select),
                           state=centre.coupon_state, usable=centre.usable_coupons(user_id, now))


def _templates_page(programme, tenant, layout: str, endpoint: str, url_args: dict, can_edit: bool):
    """List a programme's templates with their return on investment, and create new ones from the form."""
    form = _template_form(tenant)
    status = 200
    if form.validate_on_submit() and can_edit:
        try:
            template = coupon_ops.create_template(programme, form.raw(clock.zone_of(tenant)))
        except ValidationError as exc:
            show_validation_errors(form, ValidationError(flat_budget_errors(exc.messages)))
            status = 422
        else:
            record("coupon_template.created", template.name, actor=actor(), tenant=tenant, template_id=template.id)
            flash(_("Coupon %(name)s created.", name=localized(template, "name")), "success")
            if warning := coupon_ops.spend_warning(template):
                flash(warning, "info")
            return redirect(url_for(endpoint, **url_args))
    elif request.method == "POST":
        status = 422
    page = paginate(db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id)
                    .order_by(CouponTemplate.is_active.desc(), CouponTemplate.id.desc()))
    now = clock.now()
    shown = {t.id: budget_ops.shown(programme, keys.template_budget(t.id), t.budget, now) for t in page.items}
    return render_template("loyalty/coupons/merchant_templates.html", layout=layout, shop=tenant, form=form, page=page,
                           roi=coupon_ops.roi_of([t.id for t in page.items]), conditions=coupon_conditions,
                           budgets=shown, endpoint=endpoint, url_args=url_args, can_edit=can_edit), status


#: Products a coupon's scope picker lists (by name); a bigger catalogue scopes by category.
PICKER_LIMIT = 500


def _template_form(tenant) -> TemplateForm:
    """The new-coupon form; a shop's offers its own categories and products by name to scope the coupon to."""
    form = TemplateForm()
    form.category_ids.choices, form.product_ids.choices = [], []
    if tenant is not None:
        form.category_ids.choices = [(c.id, localized(c, "name")) for c in db.session.execute(
            db.select(Category).where(Category.tenant_id == tenant.id).order_by(Category.name)).scalars()]
        form.product_ids.choices = [(p.id, localized(p, "name")) for p in db.session.execute(
            db.select(Product).where(Product.tenant_id == tenant.id, Product.is_active.is_(True))
            .order_by(Product.name).limit(PICKER_LIMIT)).scalars()]
    return form


@merchant_bp.route("/coupons", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
@commits
def coupon_templates(shop: str):
    """The shop's coupon templates with issued / stock / used; managers create new ones."""
    can_edit = g.staff_role in (StaffRole.MANAGER, StaffRole.OWNER) and g.tenant.is_active
    return _templates_page(shop_programme(), g.tenant, "admin_layout.html", "loyalty_merchant.coupon_templates",
                           {"shop": shop}, can_edit)


@platform_bp.route("/platform/loyalty/coupons", methods=["GET", "POST"], endpoint="coupons")
@operator_required
@commits
def platform_coupon_templates():
    """The platform's coupon templates (platform-funded or co-funded with the shops)."""
    programme = platform_programme() or abort(404, description=_("The platform has no programme yet."))
    return _templates_page(programme, None, "platform_layout.html", "loyalty_platform.coupons", {}, True)


@platform_bp.route("/platform/loyalty/coupons/<int:template_id>/stop", methods=["POST"], endpoint="stop")
@operator_required
@commits
def platform_stop_template(template_id: int):
    """Stop issuing a platform template."""
    return _stop(platform_programme(), None, template_id, "loyalty_platform.coupons", {})


@merchant_bp.route("/coupons/<int:template_id>/stop", methods=["POST"])
@staff_required(StaffRole.MANAGER)
@commits
def stop_template(shop: str, template_id: int):
    """Stop issuing a template; coupons already issued stay usable until they expire."""
    return _stop(shop_programme(), g.tenant, template_id, "loyalty_merchant.coupon_templates", {"shop": shop})


def _stop(programme, tenant, template_id: int, endpoint: str, url_args: dict):
    template = get_in_programme_or_404(CouponTemplate, template_id, programme)
    if template.is_active:
        template.is_active = False
        record("coupon_template.stopped", template.name, actor=actor(), tenant=tenant, template_id=template.id)
        flash(_("%(name)s is stopped: no more will be issued.", name=localized(template, "name")), "success")
    return redirect(url_for(endpoint, **url_args))
