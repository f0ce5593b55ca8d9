"""Member-centre pages for points, coupons and the wallet (one programme's points at a time)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired, NumberRange

from mall import clock, idempotency
from mall.errors import DomainError, FieldErrors
from mall.extensions import db
from mall.forms import MoneyField, show_field_errors
from mall.money import format_money
from mall.orders.models import Order
from mall.pagination import paginate
from plugins.loyalty import points as points_ledger
from plugins.loyalty import wallet as wallet_ledger
from plugins.loyalty.memberships import effective_tier, memberships_of
from plugins.loyalty.models import (
    PLATFORM,
    Coupon,
    CouponTemplate,
    Membership,
    OrderCredit,
    PointsEntry,
    PointsLot,
    WalletEntry,
)
from plugins.loyalty.programmes import rules
from plugins.loyalty.views import bp
from plugins.loyalty.wallet import MAX_TOP_UP, top_up, wallet_for
from tenants.access import actor, login_required

EXPIRING_DAYS = 30
TABS = ("available", "used", "expired")


@bp.route("/member/points")
@login_required
def points():
    """One programme's points: available, pending with unlock dates, expiring soon, and the history."""
    user = actor()
    members = memberships_of(user)
    if not members:
        return render_template("loyalty/points.html", members=[], member=None)
    wanted = request.args.get("programme", PLATFORM)
    member = next((m for m in members if m.programme.slug == wanted), members[0])
    now = clock.now()
    expiring = db.session.execute(
        db.select(PointsLot.expires_at, db.func.sum(PointsLot.remaining))
        .where(PointsLot.membership_id == member.id, PointsLot.remaining > 0, PointsLot.expires_at > now,
               PointsLot.expires_at <= now + timedelta(days=EXPIRING_DAYS))
        .group_by(PointsLot.expires_at).order_by(PointsLot.expires_at)
    ).all()
    page = paginate(db.select(PointsEntry).where(PointsEntry.membership_id == member.id)
                    .order_by(*points_ledger.HISTORY_ORDER))
    return render_template("loyalty/points.html", members=members, member=member, rules=rules(member.programme),
                           expiring=expiring, pending=pending_unlocks(member), page=page)


def pending_unlocks(member: Membership) -> list[dict]:
    """Each order's pending points and when they become available (shipment + the return window)."""
    rows = db.session.execute(
        db.select(OrderCredit, Order).join(Order, Order.id == OrderCredit.order_id)
        .where(OrderCredit.membership_id == member.id, OrderCredit.pending > 0).order_by(Order.id)
    ).all()
    out = []
    for credit, order in rows:
        window = timedelta(days=order.tenant.return_window_days)
        out.append({"order": order, "points": credit.pending,
                    "unlocks_at": order.shipped_at + window if order.shipped_at else None,
                    "window_days": order.tenant.return_window_days})
    return out


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


@bp.route("/member/coupons")
@login_required
def coupons():
    """The shopper's coupons by tab: available, used, expired."""
    tab = request.args.get("status", "available")
    if tab not in TABS:
        abort(404)
    now = clock.now()
    select = db.select(Coupon).where(Coupon.user_id == actor().id)
    if tab == "used":
        select = select.where(Coupon.used_order_id.is_not(None)).order_by(Coupon.used_at.desc())
    elif tab == "expired":
        select = select.where(Coupon.used_order_id.is_(None), Coupon.valid_until <= now) \
            .order_by(Coupon.valid_until.desc())
    else:
        select = select.where(Coupon.used_order_id.is_(None), Coupon.valid_until > now).order_by(Coupon.valid_until)
    return render_template("loyalty/coupons.html", tab=tab, tabs=TABS, page=paginate(select),
                           conditions=coupon_conditions)


class TopUpForm(FlaskForm):
    """Add money to the wallet's cash balance through the payment gateway."""

    amount = MoneyField(_l("Amount"), places=2, validators=[
        InputRequired(), NumberRange(min=0.01, max=float(MAX_TOP_UP))])


def _top_up_once(user, amount: str) -> Decimal:
    """Top up once per form key and commit: a second submit of the same form answers as the first did."""
    key = idempotency.form_key()

    def work():
        top_up(user, amount, None, idempotency.operation_key(user.id, key))
        return 200, {"amount": amount}

    digest = idempotency.fingerprint("POST", request.path, {"amount": amount})
    _status, body = idempotency.run_once(user.id, key, digest, work)
    return Decimal(body["amount"])


@bp.route("/member/wallet", methods=["GET", "POST"])
@login_required
def wallet():
    """Cash and bonus balances, a top-up form (with a one-time key: a double submit pays once) and the history."""
    user = actor()
    form = TopUpForm()
    status = 200
    if form.validate_on_submit():
        try:
            amount = _top_up_once(user, str(form.amount.data))
            flash(_("¥%(v)s added to your wallet.", v=format_money(amount)), "success")
            return redirect(url_for("loyalty.wallet"))
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
    held = wallet_for(user, create=False)
    page = paginate(db.select(WalletEntry).where(WalletEntry.wallet_id == (held.id if held else -1))
                    .order_by(*wallet_ledger.HISTORY_ORDER))
    return render_template("loyalty/wallet.html", wallet=held, form=form, page=page,
                           idempotency_key=uuid.uuid4().hex), status


@bp.route("/member/overview")
@login_required
def overview():
    """The member centre at a glance: platform tier, wallet, and points in every programme."""
    user = actor()
    members = memberships_of(user)
    return render_template("loyalty/overview.html", members=members, wallet=wallet_for(user, create=False),
                           tier_of=effective_tier, rules=rules)
