"""Operator pages for a user's loyalty: memberships and wallet on the user page, and wallet adjustments."""

from __future__ import annotations

import uuid
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange

from mall.accounts.models import User
from mall.audit.operations import record
from mall.errors import FieldErrors
from mall.extensions import db
from mall.forms import MoneyField
from mall.pagination import paginate
from plugins.loyalty import wallet as wallet_ledger
from plugins.loyalty.memberships import effective_tier, memberships_of
from plugins.loyalty.models import Membership, WalletEntry
from plugins.loyalty.wallet import MAX_TOP_UP, move, parse_amount, wallet_for
from tenants.access import actor, operator_required

bp = Blueprint("loyalty_users", __name__, url_prefix="/platform/loyalty/users")


def user_section(user) -> str:
    """Template hook for the operator's user page: memberships, wallet balances and a link to adjust."""
    members = memberships_of(user)
    return render_template("loyalty/_platform_user.html", user=user, members=members, tier_of=effective_tier,
                           wallet=wallet_for(user, create=False))


def tenant_members(tenant) -> str:
    """Template hook on the operator's shop list: the shop's member count."""
    from flask_babel import ngettext
    from markupsafe import Markup

    from plugins.loyalty.programmes import programme_for

    programme = programme_for(tenant)
    if programme is None:
        return ""
    count = db.session.execute(db.select(db.func.count(Membership.id))
                               .where(Membership.programme_id == programme.id)).scalar()
    return Markup('<br><span class="muted small">%s</span>') % ngettext("%(num)d member", "%(num)d members", count)


class WalletAdjustForm(FlaskForm):
    """An operator's wallet adjustment: which balance, how much (negative takes away) and why."""

    balance = RadioField(_l("Balance"), choices=[SelectChoice("cash", _l("Cash")), SelectChoice("bonus", _l("Bonus"))],
                         default="bonus")
    amount = MoneyField(_l("Amount (negative to take away)"), places=2, validators=[
        InputRequired(), NumberRange(min=-float(MAX_TOP_UP), max=float(MAX_TOP_UP))])
    reason = StringField(_l("Reason"), validators=[InputRequired(), Length(min=2, max=200)])


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


@bp.route("/<int:user_id>/wallet", methods=["GET", "POST"])
@operator_required
def wallet(user_id: int):
    """A user's wallet with its history; the operator adjusts a balance with a reason (audited)."""
    user = db.session.get(User, user_id) or abort(404)
    form = WalletAdjustForm()
    status = 200
    if form.validate_on_submit():
        amount = _whole_cents(form.amount)
        held = wallet_for(user)
        if amount is not None and amount < 0 and -amount > getattr(held, form.balance.data):
            form.amount.errors = [_("The %(b)s balance is %(v)s.", b=form.balance.data,
                                    v=getattr(held, form.balance.data))]
        elif amount is not None:
            move(held, form.balance.data, amount, "adjust", f"adjust:{held.id}:{uuid.uuid4().hex}",
                 reason=form.reason.data.strip(), actor=actor(), funded_by="platform")
            record("wallet.adjusted", user.email, actor=actor(), amount=str(amount), balance=form.balance.data,
                   reason=form.reason.data.strip())
            db.session.commit()
            flash(_("Wallet adjusted by %(v)s.", v=amount), "success")
            return redirect(url_for("loyalty_users.wallet", user_id=user.id))
        db.session.rollback()
        status = 422
    elif request.method == "POST":
        status = 422
    held = wallet_for(user, create=False)
    page = paginate(db.select(WalletEntry).where(WalletEntry.wallet_id == (held.id if held else -1))
                    .order_by(*wallet_ledger.HISTORY_ORDER))
    return render_template("loyalty/platform_wallet.html", user=user, wallet=held, form=form, page=page), status
