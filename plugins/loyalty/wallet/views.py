"""Wallet pages: the member's wallet and top-up, the operator's view and adjustment of a user's wallet."""

from __future__ import annotations

import uuid
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mall import idempotency
from mall.accounts.models import User
from mall.boundary import commits
from mall.errors import DomainError, FieldErrors
from mall.extensions import db
from mall.forms import show_field_errors
from mall.money import format_money
from mall.pagination import paginate
from mall.tenants.access import actor, login_required, operator_required
from plugins.loyalty.members.operations import effective_tier, memberships_of
from plugins.loyalty.wallet import operations as wallet_ledger
from plugins.loyalty.wallet.forms import TopUpForm, WalletAdjustForm
from plugins.loyalty.wallet.models import WalletEntry
from plugins.loyalty.wallet.operations import parse_amount, top_up, wallet_for
from plugins.loyalty.web.blueprints import member_bp

users_bp = Blueprint("loyalty_users", __name__, url_prefix="/platform/loyalty/users")


def _top_up_once(user, amount: str) -> Decimal:
    """Top up once per form key and commit: a second submit of the same form answers as the first did."""
    def work(operation_key: str):
        top_up(user, amount, None, operation_key)
        return 200, {"amount": amount}

    return Decimal(idempotency.run_form_once(user.id, {"amount": amount}, work)["amount"])


@member_bp.route("/member/wallet", methods=["GET", "POST"])
@login_required
@commits
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
            show_field_errors(form, exc)
            status = 422
        except DomainError as exc:
            form.form_errors = [exc.message]
            status = exc.status
    elif request.method == "POST":
        status = 422
    held = wallet_for(user, create=False)
    page = paginate(db.select(WalletEntry).where(WalletEntry.wallet_id == (held.id if held else -1))
                    .order_by(*wallet_ledger.HISTORY_ORDER))
    return render_template("loyalty/wallet/wallet.html", wallet=held, form=form, page=page,
                           idempotency_key=uuid.uuid4().hex), status


def user_section(user) -> str:
    """Template hook for the operator's user page: memberships, wallet balances and a link to adjust."""
    members = memberships_of(user)
    return render_template("loyalty/wallet/_platform_user.html", user=user, members=members, tier_of=effective_tier,
                           wallet=wallet_for(user, create=False))


def _whole_cents(field) -> Decimal | None:
    """The field's amount by the top-up's rule (never rounded), or None with a message on the field."""
    if field.data == 0:
        field.errors = [_("Enter an amount other than 0.")]
        return None
    try:
        return parse_amount(field.data, allow_negative=True)
    except FieldErrors as exc:
        field.errors = list(exc.fields["amount"])
        return None


def _adjust(user, form: WalletAdjustForm) -> bool:
    """Move the form's amount on the chosen balance with its reason (audited); False with a message on the form.

    A refused adjustment creates no wallet (`wallet.operations.adjust`).
    """
    amount = _whole_cents(form.amount)
    if amount is None:
        return False
    try:
        wallet_ledger.adjust(user, form.balance.data, amount, form.reason.data.strip(), uuid.uuid4().hex, actor())
    except FieldErrors as exc:
        form.amount.errors = list(exc.fields["amount"])
        return False
    flash(_("Wallet adjusted by %(v)s.", v=amount), "success")
    return True


@users_bp.route("/<int:user_id>/wallet", methods=["GET", "POST"], endpoint="wallet")
@operator_required
@commits
def user_wallet(user_id: int):
    """A user's wallet with its history; the operator adjusts a balance with a reason (audited)."""
    user = db.session.get(User, user_id) or abort(404)
    form = WalletAdjustForm()
    status = 200
    if form.validate_on_submit():
        if _adjust(user, form):
            return redirect(url_for("loyalty_users.wallet", user_id=user.id))
        status = 422
    elif request.method == "POST":
        status = 422
    held = wallet_for(user, create=False)
    page = paginate(db.select(WalletEntry).where(WalletEntry.wallet_id == (held.id if held else -1))
                    .order_by(*wallet_ledger.HISTORY_ORDER))
    return render_template("loyalty/wallet/platform_wallet.html", user=user, wallet=held, form=form, page=page), status
