"""Merchant loyalty admin: coupon templates with stock and use statistics; create and stop them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from sqlalchemy import func
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from mall.audit.operations import record
from mall.extensions import db
from mall.forms import MoneyField, show_validation_errors
from mall.pagination import paginate
from plugins.loyalty import coupons as coupon_ops
from plugins.loyalty.member_pages import coupon_conditions
from plugins.loyalty.merchant_members import bp, shop_programme
from plugins.loyalty.models import Coupon, CouponTemplate
from plugins.loyalty.programmes import platform_programme
from tenants.access import actor, operator_required, staff_required
from tenants.models import StaffRole

platform_bp = Blueprint("loyalty_platform", __name__)


class TemplateForm(FlaskForm):
    """A coupon template as a merchant fills it in; the template schema checks the combination."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("amount_off", _l("Amount off")),
                                            SelectChoice("percent_off", _l("Percent off (factor paid)")),
                                            SelectChoice("free_shipping", _l("Free shipping"))])
    value = MoneyField(_l("Amount off, or factor paid (0.80 = 20 percent off)"), places=2, validators=[Optional()])
    min_spend = MoneyField(_l("Minimum spend"), places=2, default=0, validators=[Optional()])
    max_discount = MoneyField(_l("Largest discount (percent off)"), places=2, validators=[Optional()])
    exclude_sale_items = BooleanField(_l("Not on sale items"))
    stock = IntegerField(_l("Stock (empty = unlimited)"), validators=[Optional()])
    per_member_limit = IntegerField(_l("Per member"), default=1, validators=[InputRequired()])
    valid_days = IntegerField(_l("Valid for days after issue"), default=30, validators=[InputRequired()])
    claimable = BooleanField(_l("Shoppers may claim it in the coupon centre"))
    points_price = IntegerField(_l("Points price (empty = free)"), validators=[Optional()])
    funded_by = SelectField(_l("Who pays for the discount"), choices=[
        SelectChoice("", _l("This programme's owner")), SelectChoice("shop", _l("The shop")),
        SelectChoice("platform", _l("The platform")), SelectChoice("split", _l("Shared"))], validators=[Optional()])
    platform_share = MoneyField(_l("Platform's share when shared (0–1)"), places=2, validators=[Optional()])

    def raw(self) -> dict:
        """The form as the template schema takes it (decimals as strings, empty optionals left out)."""
        raw = {"name": self.name.data, "kind": self.kind.data, "exclude_sale_items": self.exclude_sale_items.data,
               "per_member_limit": self.per_member_limit.data, "valid_days": self.valid_days.data,
               "claimable": self.claimable.data}
        if self.funded_by.data:
            raw["funded_by"] = self.funded_by.data
        for name in ("value", "min_spend", "max_discount", "platform_share"):
            if getattr(self, name).data is not None:
                raw[name] = str(getattr(self, name).data)
        for name in ("stock", "points_price"):
            if getattr(self, name).data is not None:
                raw[name] = getattr(self, name).data
        return raw


def _templates_page(programme, tenant, layout: str, endpoint: str, url_args: dict, can_edit: bool):
    """List a programme's templates with issued / stock / used, and create new ones from the form."""
    form = TemplateForm()
    status = 200
    if form.validate_on_submit() and can_edit:
        try:
            template = coupon_ops.create_template(programme, form.raw())
        except ValidationError as exc:
            db.session.rollback()
            show_validation_errors(form, exc)
            status = 422
        else:
            record("coupon_template.created", template.name, actor=actor(), tenant=tenant, template_id=template.id)
            db.session.commit()
            flash(_("Coupon %(name)s created.", name=template.name), "success")
            if warning := coupon_ops.spend_warning(template):
                flash(warning, "info")
            return redirect(url_for(endpoint, **url_args))
    elif request.method == "POST":
        status = 422
    page = paginate(db.select(CouponTemplate).where(CouponTemplate.programme_id == programme.id)
                    .order_by(CouponTemplate.is_active.desc(), CouponTemplate.id.desc()))
    ids = [t.id for t in page.items]
    used = dict(db.session.execute(
        db.select(Coupon.template_id, func.count(Coupon.id))
        .where(Coupon.template_id.in_(ids), Coupon.used_order_id.is_not(None)).group_by(Coupon.template_id)
    ).all()) if ids else {}
    return render_template("loyalty/merchant/coupons.html", layout=layout, shop=tenant, form=form, page=page,
                           used=used, conditions=coupon_conditions, endpoint=endpoint, url_args=url_args,
                           can_edit=can_edit), status


@bp.route("/coupons", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
def coupon_templates(shop: str):
    """The shop's coupon templates with issued / stock / used; managers create new ones."""
    can_edit = g.staff_role in (StaffRole.MANAGER, StaffRole.OWNER) and g.tenant.is_active
    return _templates_page(shop_programme(), g.tenant, "admin_layout.html", "loyalty_merchant.coupon_templates",
                           {"shop": shop}, can_edit)


@platform_bp.route("/platform/loyalty/coupons", methods=["GET", "POST"], endpoint="coupons")
@operator_required
def platform_coupon_templates():
    """The platform's coupon templates (platform-funded or co-funded with the shops)."""
    programme = platform_programme() or abort(404, description=_("The platform has no programme yet."))
    return _templates_page(programme, None, "platform_layout.html", "loyalty_platform.coupons", {}, True)


@platform_bp.route("/platform/loyalty/coupons/<int:template_id>/stop", methods=["POST"], endpoint="stop")
@operator_required
def platform_stop_template(template_id: int):
    """Stop issuing a platform template."""
    return _stop(platform_programme(), None, template_id, "loyalty_platform.coupons", {})


@bp.route("/coupons/<int:template_id>/stop", methods=["POST"])
@staff_required(StaffRole.MANAGER)
def stop_template(shop: str, template_id: int):
    """Stop issuing a template; coupons already issued stay usable until they expire."""
    return _stop(shop_programme(), g.tenant, template_id, "loyalty_merchant.coupon_templates", {"shop": shop})


def _stop(programme, tenant, template_id: int, endpoint: str, url_args: dict):
    template = coupon_ops.template_in(programme, template_id) if programme else None
    if template is None:
        abort(404)
    if template.is_active:
        template.is_active = False
        record("coupon_template.stopped", template.name, actor=actor(), tenant=tenant, template_id=template.id)
        db.session.commit()
        flash(_("%(name)s is stopped: no more will be issued.", name=template.name), "success")
    return redirect(url_for(endpoint, **url_args))
