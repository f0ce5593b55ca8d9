"""Member-centre pages of the loyalty plugin."""

from flask import Blueprint, render_template
from sqlalchemy import func, type_coerce

from mall.dbtypes import Money
from mall.extensions import db
from mall.orders.models import Order, OrderStatus
from tenants.access import actor, login_required
from tenants.models import Tenant

bp = Blueprint("loyalty", __name__, template_folder="templates")

#: Orders that count as purchases in a shop.
BOUGHT = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.SETTLED,
          OrderStatus.PARTIALLY_REFUNDED)


@bp.route("/member/memberships")
@login_required
def memberships():
    """The shops the shopper buys from, with orders and spend per shop."""
    rows = db.session.execute(
        # Arithmetic on Money columns loses the column type: coerce so cents come back as yuan.
        db.select(Tenant, func.count(Order.id),
                  type_coerce(func.coalesce(func.sum(Order.total - Order.refunded_amount), 0), Money()),
                  func.max(Order.created_at))
        .join(Order, Order.tenant_id == Tenant.id)
        .where(Order.user_id == actor().id, Order.status.in_(BOUGHT))
        .group_by(Tenant.id).order_by(func.max(Order.created_at).desc())
    ).all()
    return render_template("loyalty/memberships.html", rows=rows)
