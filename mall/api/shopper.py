"""API for shoppers: checkout quote and checkout, orders, receipt, reviews."""

from flask import abort, jsonify, request
from flask_babel import gettext as _

from mall import idempotency
from mall.addresses.operations import for_checkout
from mall.addresses.schemas import address_json
from mall.api import bp, json_body, load, write
from mall.api.openapi import PAGE_PARAMETER, documented, query_parameter
from mall.api.schemas import CheckoutSchema, ReviewSchema
from mall.api.serializers import order_detail_json, order_json, quote_json
from mall.checkout.operations import place_checkout
from mall.checkout.quote import build_quote
from mall.errors import FieldErrors
from mall.extensions import db
from mall.money import format_money
from mall.orders import operations as orders
from mall.orders.models import Order, OrderLine
from mall.orders.operations import TABS, tab_clause, tab_counts
from mall.pagination import page_number
from mall.plugins import checkout_suggestions
from mall.reviews.operations import post_review
from mall.tenants.access import actor, login_required

#: Orders per page of GET /orders.
PAGE = 50


def _options(data: dict) -> dict:
    return {"coupons": data["coupons"], "points": data["points"], "wallet": data["wallet"]}


@bp.route("/checkout/quote", methods=["POST"])
@login_required
def checkout_quote():
    """Price a cart and explain every adjustment, without placing it; `best_coupon_ids` names the coupons that
    would make the cart cheapest (what the checkout page ticks by default)."""
    data = load(CheckoutSchema())
    quote = build_quote(actor(), data["lines"], _options(data))
    address = for_checkout(actor(), data["address_id"])
    best = checkout_suggestions(actor(), data["lines"]).get("coupons", [])
    return jsonify({**quote_json(quote), "address": address_json(address), "best_coupon_ids": best})


@bp.route("/checkout", methods=["POST"])
@login_required
def checkout():
    """Place and pay a checkout: one order per shop; a declined card leaves the orders pending payment."""
    data = load(CheckoutSchema())
    placed = place_checkout(actor(), data["lines"], _options(data), payment_token=data["payment_token"],
                            address_id=data["address_id"], once=_once_per_key())
    body = {"checkout_id": placed.id, "orders": [order_json(o) for o in placed.orders],
            "total": format_money(placed.total)}
    return jsonify(body), 201


# The checkout honours Idempotency-Key itself: the key's record commits with the placed orders, before the
# card is charged, and a replay finishes paying them (the gateway's key never charges twice).
checkout.idempotent_write = True


def _once_per_key():
    """Run a checkout's placing once per Idempotency-Key (None without one: it then commits by itself)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    key = idempotency.check_key(key)
    digest = idempotency.fingerprint(request.method, request.path, json_body())
    user_id = actor().id
    return lambda work: idempotency.run_once(user_id, key, digest, work, scope=request.endpoint)[1]


def _own_order(order_id: int) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or order.user_id != actor().id:
        abort(404)
    return order


@bp.route("/orders", methods=["GET"])
@documented(query=[query_parameter("tab", {"type": "string", "enum": list(TABS)}, "an order tab; all by default"),
                   PAGE_PARAMETER])
@login_required
def order_index():
    """The shopper's orders, newest first, 50 a page; ?tab= keeps one tab (to_pay, to_ship…) and counts say how many."""
    tab = request.args.get("tab") or "all"
    if tab not in TABS:
        message = _("Choose one of: %(tabs)s.", tabs=", ".join(TABS))
        raise FieldErrors(_("There is no such order tab."), {"tab": [message]})
    user = actor()
    rows = db.session.execute(
        db.select(Order).where(Order.user_id == user.id, tab_clause(tab)).order_by(Order.id.desc())
        .limit(PAGE).offset((page_number() - 1) * PAGE)
    ).scalars()
    return jsonify({"tab": tab, "counts": tab_counts(user.id), "items": [order_json(o) for o in rows]})


@bp.route("/orders/<int:order_id>", methods=["GET"])
@login_required
def order_show(order_id: int):
    """One of the shopper's orders."""
    return jsonify({"order": order_detail_json(_own_order(order_id))})


@bp.route("/orders/<int:order_id>/confirm-receipt", methods=["POST"])
@login_required
@write
def confirm_receipt(order_id: int):
    """Confirm a shipped order arrived."""
    order = orders.complete(_own_order(order_id), actor())
    return 200, {"order": order_json(order)}


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@login_required
@write
def cancel(order_id: int):
    """Cancel an unshipped order; its payment is refunded."""
    order = _own_order(order_id)
    refund = orders.cancel(order, actor())
    return 200, {"order": order_json(order), "refund": {"amount": format_money(refund.amount)}}


@bp.route("/orders/<int:order_id>/lines/<int:line_id>/review", methods=["POST"])
@login_required
@write
def review(order_id: int, line_id: int):
    """Review a product of a completed order."""
    order = _own_order(order_id)
    line = db.session.get(OrderLine, line_id)
    if line is None or line.order_id != order.id:
        abort(404)
    data = load(ReviewSchema())
    posted = post_review(actor(), line, data["rating"], data["text"])
    return 201, {"review": {"id": posted.id, "rating": posted.rating, "text": posted.text}}
