"""Checkout pages: review the quote, then pay (idempotent against double submits)."""

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mall import idempotency
from mall.cart import operations as cart
from mall.checkout.operations import place_checkout
from mall.checkout.quote import build_quote
from mall.errors import DomainError
from mall.extensions import db
from tenants.access import actor, login_required

bp = Blueprint("checkout", __name__)


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
def checkout():
    """Show the quote for the cart; on POST place the orders and pay."""
    user = actor()
    lines = cart.as_lines(user)
    if not lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("cart.show"))
    if request.method == "POST":
        key = request.form.get("idempotency_key") or str(uuid.uuid4())
        token = request.form.get("payment_token") or None
        digest = idempotency.fingerprint("POST", "/checkout", {"lines": lines, "token": token})

        def work():
            placed = place_checkout(user, lines, {}, payment_token=token)
            cart.clear(user)
            db.session.flush()
            return 201, {"checkout_id": placed.id, "orders": [o.id for o in placed.orders]}

        try:
            _status, body = idempotency.run_once(user.id, idempotency.check_key(key), digest, work)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("checkout.checkout"))
        flash(_("Thank you! Your payment was received."), "success")
        first = body["orders"][0]
        return redirect(url_for("orders.detail", order_id=first, placed=1))
    try:
        quote = build_quote(user, lines)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("cart.show"))
    return render_template("checkout/checkout.html", quote=quote, idempotency_key=str(uuid.uuid4()))
