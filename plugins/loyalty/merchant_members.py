"""Merchant loyalty admin: the shop's members with filters, and one member with a points adjustment."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from mall.audit.operations import record
from mall.extensions import db
from mall.orders.models import Order
from mall.pagination import paginate
from plugins.loyalty import points as ledger
from plugins.loyalty.member_filters import MemberFilter, activity_of, days_asleep, member_select, spend_of
from plugins.loyalty.memberships import effective_tier
from plugins.loyalty.models import Coupon, Membership, PointsEntry
from plugins.loyalty.programmes import programme_for, rules
from plugins.loyalty.segments import ACTIVITY
from tenants.access import actor, staff_required
from tenants.models import StaffRole

bp = Blueprint("loyalty_merchant", __name__, url_prefix="/admin/<shop>/loyalty")


def shop_programme():
    """The URL shop's programme, or the page that says how to start one."""
    programme = programme_for(g.tenant)
    if programme is None:
        abort(404, description=_("This shop has no loyalty programme yet."))
    return programme


@bp.route("/members")
@staff_required(StaffRole.SUPPORT)
def members(shop: str):
    """Members filtered by tier, activity, spend and days asleep; a malformed number is left out, with its message."""
    programme = shop_programme()
    f, errors = MemberFilter.parse(request.args)
    page = paginate(member_select(programme, f).options(selectinload(Membership.user)))
    return render_template("loyalty/merchant/members.html", shop=g.tenant, page=page, f=f, errors=errors,
                           tiers=rules(programme).tiers, activities=ACTIVITY, spend=spend_of(programme, page.items),
                           activity_of=activity_of, days_asleep=days_asleep, tier_of=effective_tier,
                           args={k: v for k, v in request.args.items() if k != "page"}), 422 if errors else 200


class AdjustForm(FlaskForm):
    """A staff points adjustment: a non-zero number of points and a reason."""

    delta = IntegerField(_l("Points (negative to take away)"),
                         validators=[InputRequired(), NumberRange(min=-1_000_000, max=1_000_000)])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(min=2, max=200)])

    def validate_delta(self, field):
        """Zero changes nothing, so it is not an adjustment."""
        if field.data == 0:
            from wtforms.validators import ValidationError

            raise ValidationError(_("Enter a number other than 0."))


@bp.route("/members/<int:user_id>", methods=["GET", "POST"])
@staff_required(StaffRole.SUPPORT)
def member(shop: str, user_id: int):
    """A member's balances, ledgers, coupons and orders in this shop; managers adjust points with a reason."""
    programme = shop_programme()
    m = db.session.execute(db.select(Membership).filter_by(programme_id=programme.id, user_id=user_id)) \
        .scalar_one_or_none()
    if m is None:
        abort(404)
    form = AdjustForm()
    status = 200
    if form.validate_on_submit():
        delta, reason = form.delta.data, form.reason.data.strip()
        if delta < 0 and -delta > m.points_available:
            form.delta.errors = [_("The member has %(n)d points available.", n=m.points_available)]
            status = 422
        else:
            key = f"adjust:{m.id}:{uuid.uuid4().hex}"
            if delta > 0:
                ledger.credit(m, delta, "adjust", key, reason=reason, actor=actor(), funded_by="shop")
            else:
                ledger.debit(m, -delta, "adjust", key, reason=reason, actor=actor())
            record("points.adjusted", m.user.email, actor=actor(), tenant=g.tenant, delta=delta, reason=reason,
                   membership_id=m.id)
            db.session.commit()
            flash(_("%(n)+d points for %(name)s.", n=delta, name=m.user.name), "success")
            return redirect(url_for("loyalty_merchant.member", shop=shop, user_id=user_id))
    elif request.method == "POST":
        status = 422
    entries = paginate(db.select(PointsEntry).where(PointsEntry.membership_id == m.id).order_by(*ledger.HISTORY_ORDER))
    coupons = db.session.execute(db.select(Coupon).where(Coupon.programme_id == programme.id,
                                                         Coupon.user_id == user_id).order_by(Coupon.id.desc())
                                 .limit(20)).scalars().all()
    orders = db.session.execute(db.select(Order).where(Order.tenant_id == g.tenant.id, Order.user_id == user_id)
                                .order_by(Order.id.desc()).limit(20)).scalars().all()
    return render_template("loyalty/merchant/member.html", shop=g.tenant, m=m, tier=effective_tier(m), form=form,
                           entries=entries, coupons=coupons, orders=orders, spend=spend_of(programme, [m])[m.id],
                           activity=activity_of(m), asleep=days_asleep(m)), status
