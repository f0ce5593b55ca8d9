"""Checkout pages: review the quote, then pay (idempotent against double submits)."""

import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from mall import idempotency
from mall.addresses.operations import addresses_of
from mall.boundary import commits
from mall.cart import operations as cart
from mall.checkout.operations import CheckoutDeclined, PaymentUnconfirmed, place_checkout
from mall.checkout.quote import build_quote, savings
from mall.errors import DomainError, FieldErrors
from mall.form_numbers import amount, whole_number
from mall.plugins import checkout_suggestions
from mall.tenants.access import actor, login_required
from mall.validation import MAX_POINTS

bp = Blueprint("checkout", __name__)


def options_from(form) -> dict:
    """Checkout options from the page's form: coupons (ids), points per programme, wallet amount.

    Numbers are read strictly (ASCII digits, bounded, money to the cent): anything else raises
    FieldErrors naming its field; the pricing steps then judge the numbers themselves.
    """
    options: dict = {}
    # Coupons come as a list (boxes named "coupons") or one per stacking group (radios named "coupon-<group>").
    picked = form.getlist("coupons") + [v for k, v in form.items(multi=True) if k.startswith("coupon-")]
    coupons = [whole_number(v, "coupons", 1) for v in picked if v.strip()]
    if coupons:
        options["coupons"] = coupons
    points = {}
    for name, value in form.items():
        if name.startswith("points-") and value.strip():
            key = name.removeprefix("points-")
            points[key] = whole_number(value, f"points.{key}", 0, MAX_POINTS)
    if points:
        options["points"] = points
    if form.get("wallet", "").strip():
        options["wallet"] = amount(form["wallet"], "wallet")
    return options


def address_choice(values) -> int | None:
    """The delivery address the form or link chose (an id), None for the default; FieldErrors when not an id."""
    raw = values.get("address_id", "")
    return whole_number(raw, "address_id", 1) if raw.strip() else None


def _page(user, lines, options: dict, errors: FieldErrors | None = None, address_id: int | None = None):
    """The checkout page for a quote with the chosen options (without them when they are refused).

    The shopper's addresses are listed with the chosen one (else the default) ticked.
    """
    try:
        quote = build_quote(user, lines, options)
    except FieldErrors as exc:
        errors = errors or exc
        quote = build_quote(user, lines)
    addresses = addresses_of(user)
    chosen = address_id if any(a.id == address_id for a in addresses) else (addresses[0].id if addresses else None)
    status = 422 if errors else 200
    return render_template("checkout/checkout.html", quote=quote, options=options, errors=errors, lines=lines,
                           savings=savings(quote), addresses=addresses, chosen_address=chosen,
                           idempotency_key=str(uuid.uuid4())), status


@bp.route("/checkout", methods=["GET", "POST"])
@login_required
@commits(back="checkout.checkout")
def checkout():
    """Show the quote for the cart (with coupons, points or wallet when applied); on pay, place and pay."""
    user = actor()
    lines = cart.as_lines(user)
    if not lines:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("cart.show"))
    try:
        address_id = address_choice(request.values)
        # Until the shopper chooses, the page offers what saves the most (the best coupons…).
        options = options_from(request.form) if request.method == "POST" else checkout_suggestions(user, lines)
    except FieldErrors as exc:
        return _page(user, lines, {}, exc)
    if request.method == "POST" and request.form.get("action") != "apply":
        return _pay(user, lines, options, address_id)
    try:
        return _page(user, lines, options, address_id=address_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("cart.show"))


def _pay(user, lines, options: dict, address_id: int | None):
    """Place and pay the cart's checkout; a refused choice re-shows the page."""
    return pay_once(user, lines, options, token=request.form.get("payment_token") or None, address_id=address_id,
                    clear_cart=True, thanks=_("Thank you! Your payment was received."),
                    on_invalid=lambda exc: _page(user, lines, options, exc, address_id))


def pay_once(user, lines, options: dict, *, on_invalid, thanks: str, token: str | None = None,
             address_id: int | None = None, clear_cart: bool = False):
    """Place and pay a checkout once per page key, and answer the page: `on_invalid(errors)` for a refused choice,
    the order for a declined payment, the orders for an unconfirmed one, the new order with `thanks` otherwise."""
    payload = {"lines": lines, "token": token, "options": options, "address_id": address_id}

    def once(work):
        return idempotency.run_form_once(user.id, payload, work)
    try:
        placed = place_checkout(user, lines, options, payment_token=token, address_id=address_id,
                                clear_cart=clear_cart, once=once)
    except FieldErrors as exc:
        return on_invalid(exc)
    except CheckoutDeclined as exc:
        # The orders exist, pending payment: their page offers to pay again or to cancel.
        flash(exc.message, "error")
        return redirect(url_for("orders.detail", order_id=exc.order_ids[0]))
    except PaymentUnconfirmed as exc:
        flash(exc.message, "info")
        return redirect(url_for("orders.index"))
    flash(thanks, "success")
    return redirect(url_for("orders.detail", order_id=placed.orders[0].id, placed=1))
