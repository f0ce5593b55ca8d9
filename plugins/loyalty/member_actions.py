"""Member-centre actions: the coupon centre (claim, exchange points), daily check-in and buying the paid tier."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from mall import clock, idempotency
from mall.errors import DomainError, FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.pagination import paginate
from plugins.loyalty import coupons as coupon_ops
from plugins.loyalty import paid_tiers
from plugins.loyalty.lifecycle import check_in
from plugins.loyalty.member_pages import coupon_conditions
from plugins.loyalty.memberships import effective_tier, membership, memberships_of
from plugins.loyalty.models import CouponTemplate, Programme
from plugins.loyalty.programmes import platform_programme, rules
from plugins.loyalty.views import bp
from plugins.loyalty.wallet import wallet_for
from tenants.access import actor, login_required
from tenants.models import Tenant, TenantStatus


@bp.route("/member/coupon-centre")
@login_required
def coupon_centre():
    """Coupons anyone may claim (free or for points) from the platform and open shops."""
    now = clock.now()
    select = (
        db.select(CouponTemplate).join(Programme, Programme.id == CouponTemplate.programme_id)
        .outerjoin(Tenant, Tenant.id == Programme.tenant_id)
        .where(CouponTemplate.claimable.is_(True), CouponTemplate.is_active.is_(True),
               db.or_(CouponTemplate.stock.is_(None), CouponTemplate.issued < CouponTemplate.stock),
               db.or_(CouponTemplate.valid_days.is_not(None), CouponTemplate.valid_until > now),
               db.or_(Programme.tenant_id.is_(None), Tenant.status == TenantStatus.ACTIVE))
        .order_by(Programme.tenant_id.is_not(None), CouponTemplate.id.desc())
    )
    return render_template("loyalty/coupon_centre.html", page=paginate(select), conditions=coupon_conditions)


@bp.route("/member/coupon-centre/<int:template_id>/claim", methods=["POST"])
@login_required
def claim(template_id: int):
    """Claim a coupon, paying its points price when it has one."""
    template = db.session.get(CouponTemplate, template_id)
    if template is None or (template.programme.tenant and template.programme.tenant.status != TenantStatus.ACTIVE):
        raise NotFound()
    try:
        coupon_ops.claim(template.programme, template.id, actor())
        db.session.commit()
        flash(_("%(name)s is in your coupons.", name=template.name), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(url_for("loyalty.coupon_centre", page=request.args.get("page", 1)))


@bp.route("/member/check-in", methods=["GET", "POST"])
@login_required
def daily_check_in():
    """Check in once a day in each programme; the streak and its bonus are shown."""
    user = actor()
    if request.method == "POST":
        programme = db.session.get(Programme, request.form.get("programme", type=int) or 0)
        if programme is None or (not programme.is_platform and membership(programme, user) is None):
            raise NotFound()
        try:
            points, streak = check_in(programme, user)
            db.session.commit()
            flash(_("Checked in: %(p)d points, %(s)d days in a row.", p=points, s=streak), "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        return redirect(url_for("loyalty.daily_check_in"))
    members = memberships_of(user)
    today = clock.now()
    cards = []
    for m in members:
        bonuses = rules(m.programme).bonuses
        local_today = clock.local_date(clock.zone_of(m.programme.tenant), today)
        cards.append({"member": m, "daily": bonuses.get("check_in", 0),
                      "streaks": sorted((int(k), v) for k, v in (bonuses.get("check_in_streak") or {}).items()),
                      "done": m.last_check_in == local_today})
    return render_template("loyalty/check_in.html", cards=cards)


class PaidTierForm(FlaskForm):
    """Choose the paid tier and how to pay for it."""

    tier = SelectField(_l("Membership"), choices=[])
    pay_with = RadioField(_l("Pay with"), choices=[SelectChoice("wallet", _l("Wallet (bonus first, then cash)")),
                                                     SelectChoice("gateway", _l("Card"))], default="wallet")


def _buy_once(programme, user, tier: str, pay_with: str) -> dict:
    """Buy once per form key and commit: a second submit of the same form answers as the first did."""
    key = idempotency.form_key()

    def work():
        purchase = paid_tiers.buy(programme, user, tier, pay_with, idempotency.operation_key(user.id, key))
        return 201, {"tier": purchase.tier_code, "until": purchase.ends_at.date().isoformat()}

    digest = idempotency.fingerprint("POST", request.path, {"tier": tier, "pay_with": pay_with})
    return idempotency.run_once(user.id, key, digest, work)[1]


@bp.route("/member/plus", methods=["GET", "POST"])
@login_required
def plus():
    """The platform's paid tier: benefits, current term, and buying or renewing it."""
    user = actor()
    programme = platform_programme()
    tiers = rules(programme).paid_tiers if programme else []
    form = PaidTierForm()
    form.tier.choices = [SelectChoice(t.code, t.name) for t in tiers]
    status = 200
    if programme and tiers and form.validate_on_submit():
        try:
            bought = _buy_once(programme, user, form.tier.data, form.pay_with.data)
            flash(_("Welcome to %(tier)s, valid until %(d)s.", tier=rules(programme).tier(bought["tier"]).name,
                    d=bought["until"]), "success")
            return redirect(url_for("loyalty.plus"))
        except FieldErrors as exc:
            db.session.rollback()
            show_field_errors(form, exc)
            status = 422
        except DomainError as exc:
            db.session.rollback()
            form.form_errors = [exc.message]
            status = exc.status
    elif request.method == "POST":
        status = 422
    member = membership(programme, user) if programme else None
    return render_template("loyalty/plus.html", form=form, tiers=tiers, member=member,
                           current=effective_tier(member) if member else None, wallet=wallet_for(user, create=False),
                           now=clock.now(), idempotency_key=uuid.uuid4().hex), status
