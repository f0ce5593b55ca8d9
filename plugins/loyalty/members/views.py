"""Member pages: memberships, join, overview, check-in, Plus."""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import func, type_coerce
from werkzeug.exceptions import NotFound
from wtforms.fields.choices import SelectChoice

from mall import clock, idempotency
from mall.boundary import commits
from mall.dbtypes import Money
from mall.errors import DomainError, FieldErrors
from mall.extensions import db
from mall.form_numbers import object_id
from mall.forms import show_field_errors
from mall.i18n import localized
from mall.orders.models import Order
from mall.tenants.access import actor, login_required, open_shop_or_404
from mall.tenants.models import Tenant
from plugins.loyalty.centre import operations as centre
from plugins.loyalty.members import operations as member_ops
from plugins.loyalty.members.forms import PaidTierForm
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import (
    check_in,
    effective_tier,
    join_programme,
    membership,
    memberships_of,
)
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.segments.operations import (
    BOUGHT,
)
from plugins.loyalty.wallet.operations import wallet_for
from plugins.loyalty.web.blueprints import member_bp


@member_bp.route("/member/check-in", methods=["GET", "POST"])
@login_required
@commits(back="loyalty.daily_check_in")
def daily_check_in():
    """Check in once a day in each programme; the streak and its bonus are shown."""
    user = actor()
    if request.method == "POST":
        return _check_in(user)
    members = memberships_of(user)
    today = clock.now()
    cards = []
    for m in members:
        bonuses = rules(m.programme).bonuses
        local_today = clock.local_date(clock.zone_of(m.programme.tenant), today)
        cards.append({"member": m, "daily": bonuses.get("check_in", 0),
                      "streaks": sorted((int(k), v) for k, v in (bonuses.get("check_in_streak") or {}).items()),
                      "done": m.last_check_in == local_today})
    return render_template("loyalty/members/check_in.html", cards=cards)


def _check_in(user):
    """Check in to the posted programme (the platform's, or one the shopper belongs to); a refusal goes back."""
    programme = db.session.get(Programme, object_id(request.form.get("programme")) or 0)
    if programme is None or (not programme.is_platform and membership(programme, user) is None):
        raise NotFound()
    points, streak = check_in(programme, user)
    flash(ngettext("Checked in: %(p)d points, %(num)d day in a row.",
                   "Checked in: %(p)d points, %(num)d days in a row.", streak, p=points), "success")
    return redirect(url_for("loyalty.daily_check_in"))


def _buy_once(programme, user, tier: str, pay_with: str) -> dict:
    """Buy once per form key and commit: a second submit of the same form answers as the first did."""
    def work(operation_key: str):
        purchase = member_ops.buy(programme, user, tier, pay_with, operation_key)
        return 201, {"tier": purchase.tier_code, "until": purchase.ends_at.date().isoformat()}

    return idempotency.run_form_once(user.id, {"tier": tier, "pay_with": pay_with}, work)


@member_bp.route("/member/plus", methods=["GET", "POST"])
@login_required
@commits
def plus():
    """The platform's paid tier: benefits, current term, and buying or renewing it."""
    user = actor()
    programme = platform_programme()
    tiers = rules(programme).paid_tiers if programme else []
    form = PaidTierForm()
    form.tier.choices = [SelectChoice(t.code, localized(t, "name")) for t in tiers]
    status = 200
    if programme and tiers and form.validate_on_submit():
        try:
            bought = _buy_once(programme, user, form.tier.data, form.pay_with.data)
            tier = localized(rules(programme).tier(bought["tier"]), "name")
            flash(_("Welcome to %(tier)s, valid until %(d)s.", tier=tier, d=bought["until"]), "success")
            return redirect(url_for("loyalty.plus"))
        except FieldErrors as exc:
            show_field_errors(form, exc)
            status = 422
        except DomainError as exc:
            form.form_errors = [exc.message]
            status = exc.status
    elif request.method == "POST":
        status = 422
    member = membership(programme, user) if programme else None
    return render_template("loyalty/members/plus.html", form=form, tiers=tiers, member=member,
                           current=effective_tier(member) if member else None, wallet=wallet_for(user, create=False),
                           now=clock.now(), idempotency_key=uuid.uuid4().hex), status


@member_bp.route("/member/overview")
@login_required
def overview():
    """The member centre at a glance: wallet, usable coupons, points, and a card per programme."""
    user = actor()
    cards = centre.member_cards(user)
    return render_template("loyalty/members/overview.html", cards=cards, wallet=wallet_for(user, create=False),
                           usable=centre.usable_coupons(user.id),
                           total_points=sum(c["member"].points_available for c in cards))


def tenant_members(tenant) -> str:
    """Template hook on the operator's shop list: the shop's member count."""
    from flask_babel import ngettext
    from markupsafe import Markup

    from plugins.loyalty.programmes.operations import programme_for

    programme = programme_for(tenant)
    if programme is None:
        return ""
    count = db.session.execute(db.select(db.func.count(Membership.id))
                               .where(Membership.programme_id == programme.id)).scalar()
    return Markup('<br><span class="muted small">%s</span>') % ngettext("%(num)d member", "%(num)d members", count)


@member_bp.route("/member/memberships")
@login_required
def memberships():
    """Each programme the shopper belongs to (card, tier ladder with benefits) and spend per shop."""
    user = actor()
    cards = centre.member_cards(user)
    rows = db.session.execute(
        # Arithmetic on Money columns loses the column type: coerce so cents come back as yuan.
        db.select(Tenant, func.count(Order.id),
                  type_coerce(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0), Money()),
                  func.max(Order.created_at))
        .join(Order, Order.tenant_id == Tenant.id)
        .where(Order.user_id == user.id, Order.status.in_(BOUGHT))
        .group_by(Tenant.id).order_by(func.max(Order.created_at).desc())
    ).all()
    return render_template("loyalty/members/memberships.html", rows=rows, cards=cards)


@member_bp.route("/s/<shop>/join", methods=["POST"])
@login_required
@commits
def join(shop: str):
    """Join the shop's programme from its page."""
    tenant = open_shop_or_404(shop)
    programme = programme_for(tenant)
    if programme is None:
        flash(_("This shop has no membership programme."), "error")
    else:
        _member, created = join_programme(programme, actor())
        flash(_("Welcome to %(name)s!", name=localized(rules(programme), "name")) if created
              else _("You are already a member."), "success")
    return redirect(url_for("catalog.shop_page", shop=shop))


def join_button(shop) -> str:
    """Template hook for the shop header: the member's tier, or a button to join."""
    programme = programme_for(shop)
    if programme is None:
        return ""
    member = membership(programme, current_user) if current_user.is_authenticated else None
    return render_template("loyalty/members/_join.html", shop=shop, programme=programme, member=member,
                           tier=effective_tier(member) if member else None)
