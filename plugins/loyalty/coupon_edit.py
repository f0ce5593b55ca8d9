"""Editing a coupon template's offer after it is made: name, stock, limits, claimability, points price, validity.

The discount itself (kind, value, minimum, scope) stays as issued, so coupons already in
shoppers' hands never change their terms under them.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import true, update
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from mall.audit.operations import record
from mall.extensions import db
from plugins.loyalty import coupons as coupon_ops
from plugins.loyalty.merchant_coupons import platform_bp
from plugins.loyalty.merchant_members import bp, shop_programme
from plugins.loyalty.models import CouponTemplate
from plugins.loyalty.programmes import platform_programme
from tenants.access import actor, operator_required, staff_required
from tenants.models import StaffRole

EDITABLE = ("name", "stock", "per_member_limit", "valid_days", "claimable", "points_price")


class TemplateEditForm(FlaskForm):
    """What may change on a template that may already have issued coupons."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=80)])
    stock = IntegerField(_l("Stock (empty = unlimited)"), validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    per_member_limit = IntegerField(_l("Per member"), validators=[InputRequired(), NumberRange(min=1, max=100)])
    valid_days = IntegerField(_l("Valid for days after issue"), validators=[Optional(), NumberRange(min=1, max=3650)])
    claimable = BooleanField(_l("Shoppers may claim it in the coupon centre"))
    points_price = IntegerField(_l("Points price (empty = free)"),
                                validators=[Optional(), NumberRange(min=1, max=10_000_000)])

    def __init__(self, *args, issued: int = 0, window: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.issued = issued
        self.window = window

    def validate_stock(self, field):
        """Stock cannot drop below what has been issued."""
        if field.data is not None and field.data < self.issued:
            raise ValidationError(_("%(n)d are already issued; stock cannot be lower.", n=self.issued))

    def validate(self, extra_validators=None):
        """A template without a from/until window lives by its valid days: they cannot be left empty."""
        valid = super().validate(extra_validators)
        if self.valid_days.data is None and not self.window and not self.valid_days.errors:
            self.valid_days.errors = [_("Give the number of days a coupon stays valid.")]
            valid = False
        return valid


def _stock_set(template: CouponTemplate, form: TemplateEditForm) -> bool:
    """Set the new stock only if it still covers what is issued, in one conditional statement.

    Claims raise `issued` while the form is filled in; the statement waits for a claim holding
    the row and then re-checks, so the stock never drops below a claim that landed meanwhile.
    """
    stock = form.stock.data
    if stock == template.stock:
        return True
    moved = db.session.execute(
        update(CouponTemplate).where(CouponTemplate.id == template.id,
                                     true() if stock is None else CouponTemplate.issued <= stock)
        .values(stock=stock).execution_options(synchronize_session=False))
    if moved.rowcount == 1:
        return True
    db.session.rollback()
    issued = db.session.execute(db.select(CouponTemplate.issued).where(CouponTemplate.id == template.id)).scalar()
    form.stock.errors = [_("%(n)d are already issued; stock cannot be lower.", n=issued)]
    return False


def _edit(programme, tenant, template_id: int, layout: str, back: str, url_args: dict):
    template = coupon_ops.template_in(programme, template_id) if programme else None
    if template is None:
        abort(404)
    window = template.valid_from is not None and template.valid_until is not None
    form = TemplateEditForm(obj=template, issued=template.issued, window=window)
    if form.validate_on_submit() and _stock_set(template, form):
        changes = {}
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
        db.session.commit()
        flash(_("%(name)s saved.", name=template.name), "success")
        return redirect(url_for(back, **url_args))
    status = 422 if request.method == "POST" else 200
    return render_template("loyalty/merchant/coupon_edit.html", layout=layout, shop=tenant, form=form,
                           template=template, back=back, url_args=url_args,
                           warning=coupon_ops.spend_warning(template)), status


@bp.route("/coupons/<int:template_id>", methods=["GET", "POST"])
@staff_required(StaffRole.MANAGER)
def edit_template(shop: str, template_id: int):
    """Edit one of the shop's coupon templates (managers)."""
    return _edit(shop_programme(), g.tenant, template_id, "admin_layout.html", "loyalty_merchant.coupon_templates",
                 {"shop": shop})


@platform_bp.route("/platform/loyalty/coupons/<int:template_id>", methods=["GET", "POST"], endpoint="edit")
@operator_required
def edit_platform_template(template_id: int):
    """Edit one of the platform's coupon templates."""
    return _edit(platform_programme(), None, template_id, "platform_layout.html", "loyalty_platform.coupons", {})
