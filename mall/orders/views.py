"""Shopper order pages: list, detail, confirm receipt, cancel, review."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from mall.boundary import commits
from mall.checkout.operations import pay_again
from mall.extensions import db
from mall.orders import operations
from mall.orders.models import Order, OrderLine
from mall.orders.timeline import event_label, timeline
from mall.pagination import paginate
from mall.reviews.models import Review
from mall.reviews.operations import post_review
from mall.tenants.access import actor, login_required

bp = Blueprint("orders", __name__)


@bp.app_template_filter("carrier")
def carrier_filter(carrier) -> str:
    """{{ order.carrier|carrier }}: a known carrier in the viewer's language, another as typed."""
    return operations.carrier_label(carrier)


@bp.app_template_filter("event_label")
def event_label_filter(event: str) -> str:
    """{{ event.event|event_label }}: a timeline event's name in the viewer's language."""
    return event_label(event)


def own_order_or_404(order_id: int) -> Order:
    """The signed-in shopper's order; anyone else's is a 404."""
    order = db.session.get(Order, order_id)
    if order is None or order.user_id != actor().id:
        abort(404)
    return order


@bp.route("/orders")
@login_required
def index():
    """The shopper's orders, newest first, by tab: all, to pay, to ship, to receive, to review, after-sales."""
    tab = request.args.get("tab") or "all"
    if tab not in operations.TABS:
        abort(404, description=_("There is no such order tab."))
    user = actor()
    page = paginate(db.select(Order).where(Order.user_id == user.id, operations.tab_clause(tab))
                    .options(selectinload(Order.lines), joinedload(Order.tenant)).order_by(Order.id.desc()))
    return render_template("orders/list.html", page=page, tab=tab, tabs=operations.TABS,
                           counts=operations.tab_counts(user.id))


@bp.route("/orders/<int:order_id>")
@login_required
def detail(order_id: int):
    """One order with its lines, payments, refunds and review forms."""
    order = own_order_or_404(order_id)
    reviewed = set(db.session.execute(
        db.select(Review.order_line_id).where(Review.order_line_id.in_([line.id for line in order.lines]))
    ).scalars())
    return render_template("orders/detail.html", order=order, reviewed=reviewed, events=timeline(order))


@bp.route("/orders/<int:order_id>/confirm", methods=["POST"])
@login_required
@commits(back="orders.detail")
def confirm(order_id: int):
    """Confirm receipt of a shipped order."""
    operations.complete(own_order_or_404(order_id), actor())
    return _done(order_id, _("Thanks for confirming receipt."))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@login_required
@commits(back="orders.detail")
def cancel(order_id: int):
    """Cancel an order that has not shipped; a payment is refunded, an unpaid order just lets go of what it held."""
    order = own_order_or_404(order_id)
    was_paid = order.paid_at is not None
    operations.cancel(order, actor())
    return _done(order_id, _("The order is cancelled and refunded.") if was_paid
                 else _("The order is cancelled. Nothing was charged."))


@bp.route("/orders/<int:order_id>/pay", methods=["POST"])
@login_required
@commits(back="orders.detail")
def pay(order_id: int):
    """Pay an order still pending payment (its whole checkout), e.g. with another card after a decline."""
    order = own_order_or_404(order_id)
    pay_again(order.checkout, request.form.get("payment_token") or None, clear_cart=True)
    return _done(order_id, _("Thank you! Your payment was received."))


@bp.route("/orders/<int:order_id>/lines/<int:line_id>/review", methods=["POST"])
@login_required
@commits(back="orders.detail")
def review(order_id: int, line_id: int):
    """Review a product of a completed order."""
    order = own_order_or_404(order_id)
    line = db.session.get(OrderLine, line_id)
    if line is None or line.order_id != order.id:
        abort(404)
    post_review(actor(), line, request.form.get("rating", type=int), request.form.get("text", ""))
    return _done(order_id, _("Thank you for your review."))


def _done(order_id: int, success: str):
    flash(success, "success")
    return redirect(url_for("orders.detail", order_id=order_id))
