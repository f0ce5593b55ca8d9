"""Member pages: memberships, join, overview, check-in, Plus, and the merchant's loyalty dashboard."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from flask import flash, g, redirect, render_template, request, url_for
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
from mall.tenants.access import actor, login_required, open_shop_or_404, staff_required
from mall.tenants.models import StaffRole, Tenant
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members import operations as member_ops
from plugins.loyalty.members.forms import PaidTierForm
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import (
    check_in,
    effective_tier,
    join_programme,
    membership,
    memberships_of,
    next_tier_progress,
)
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.programmes.operations import platform_programme, programme_for, rules
from plugins.loyalty.segments.operations import (
    BOUGHT,
    activity,
)
from plugins.loyalty.wallet.operations import wallet_for
from plugins.loyalty.web.blueprints import member_bp, merchant_bp, shop_programme

WEEKS = 12
ISSUED = ("earn", "join", "check_in", "review", "birthday", "referral", "return")


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
    """The member centre at a glance: platform tier, wallet, and points in every programme."""
    user = actor()
    members = memberships_of(user)
    return render_template("loyalty/members/overview.html", members=members, wallet=wallet_for(user, create=False),
                           tier_of=effective_tier, rules=rules)


def _day(value) -> date:
    """SQLite gives dates as text, PostgreSQL as dates."""
    return value if isinstance(value, date) else datetime.strptime(str(value)[:10], "%Y-%m-%d").date()


def _weeks(at) -> list[date]:
    """Mondays of the last WEEKS weeks, oldest first."""
    monday = at.date() - timedelta(days=at.weekday())
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


def _weekly(rows, starts: list[date]) -> list[int]:
    """Sum (day, n) rows into the weeks starting on `starts`."""
    totals = [0] * len(starts)
    for day, n in rows:
        d = _day(day)
        for i in range(len(starts) - 1, -1, -1):
            if d >= starts[i]:
                totals[i] += int(n or 0)
                break
    return totals


@merchant_bp.route("/dashboard")
@staff_required(StaffRole.SUPPORT)
def dashboard(shop: str):
    """Charts a merchant would rather look at than read."""
    programme = shop_programme()
    at = clock.now()
    tiers = dict(db.session.execute(
        db.select(Membership.tier_code, func.count(Membership.id)).where(Membership.programme_id == programme.id)
        .group_by(Membership.tier_code)).all())
    totals = {"members": sum(tiers.values()), "points": db.session.execute(
        db.select(func.coalesce(func.sum(Membership.points_available), 0))
        .where(Membership.programme_id == programme.id)).scalar()}
    return render_template("loyalty/members/merchant_dashboard.html", shop=g.tenant,
                           charts=_charts(programme, tiers, at), totals=totals, has_data=totals["members"] > 0)


def _charts(programme, tiers: dict, at) -> dict:
    """The dashboard's charts: members by tier and activity, weekly points and coupons, revenue by tier."""
    r = rules(programme)
    activity_case = activity(programme, at)
    by_activity = dict(db.session.execute(
        db.select(activity_case, func.count(Membership.id)).where(Membership.programme_id == programme.id)
        .group_by(activity_case)).all())
    starts = _weeks(at)
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=at.tzinfo)
    member_ids = db.select(Membership.id).where(Membership.programme_id == programme.id).scalar_subquery()
    day = func.date(PointsEntry.created_at)

    def points(kinds, sign):
        rows = db.session.execute(
            db.select(day, func.sum(PointsEntry.delta)).where(
                PointsEntry.membership_id.in_(member_ids), PointsEntry.bucket == "available",
                PointsEntry.kind.in_(kinds), PointsEntry.created_at >= since).group_by(day)).all()
        return [sign * n for n in _weekly(rows, starts)]

    def coupons(column, *where):
        d = func.date(column)
        rows = db.session.execute(db.select(d, func.count(Coupon.id)).where(
            Coupon.programme_id == programme.id, column >= since, *where).group_by(d)).all()
        return _weekly(rows, starts)

    revenue = dict(db.session.execute(
        db.select(Membership.tier_code, type_coerce(func.sum(Order.total - Order.refunded_amount), Money()))
        .join(Membership, db.and_(Membership.user_id == Order.user_id, Membership.programme_id == programme.id))
        .where(Order.tenant_id == g.tenant.id, Order.status.in_(BOUGHT)).group_by(Membership.tier_code)).all())
    labels = [s.strftime("%m-%d") for s in starts]
    earned = [t for t in r.tiers if not t.is_paid]
    return {
        "tiers": {"type": "doughnut", "labels": [localized(t, "name") for t in earned],
                  "series": [{"label": _("Members"), "data": [tiers.get(t.code, 0) for t in earned]}]},
        "activity": {"type": "bar", "labels": [_("Active"), _("Intermittent"), _("Sleeping")],
                     "series": [{"label": _("Members"), "data": [by_activity.get(k, 0) for k in
                                                                 ("active", "intermittent", "sleeping")]}]},
        "points": {"type": "bar", "labels": labels, "series": [
            {"label": _("Issued"), "data": points(ISSUED + ("adjust",), 1)},
            {"label": _("Redeemed"), "data": points(("redeem", "exchange"), -1)},
            {"label": _("Expired"), "data": points(("expire",), -1)}]},
        "coupons": {"type": "line", "labels": labels, "series": [
            {"label": _("Issued"), "data": coupons(Coupon.created_at)},
            {"label": _("Used"), "data": coupons(Coupon.used_at, Coupon.used_at.is_not(None))}]},
        "revenue": {"type": "bar", "labels": [localized(t, "name") for t in earned],
                    "series": [{"label": _("Revenue (¥)"), "data": [str(revenue.get(t.code) or 0) for t in earned]}]},
    }


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
    """Each programme the shopper belongs to (tier, points, progress) and spend per shop."""
    user = actor()
    members = memberships_of(user)
    cards = [{"member": m, "tier": effective_tier(m), "rules": rules(m.programme),
              "progress": next_tier_progress(m)} for m in members]
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
