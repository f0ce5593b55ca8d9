"""After-sales API: shoppers ask and send returns back; shop staff approve, decline and receive."""

from __future__ import annotations

from flask import jsonify, request

from mall.aftersales import operations as aftersales
from mall.aftersales import schemas as docs
from mall.aftersales.models import AfterSale, AfterSaleStatus
from mall.aftersales.views import own_after_sale_or_404
from mall.api import bp, load, write
from mall.api.openapi import documented
from mall.extensions import db
from mall.orders.views import own_order_or_404
from mall.pagination import page_number
from mall.tenants.access import actor, get_in_tenant_or_404, login_required, scoped, staff_required
from mall.tenants.models import StaffRole

PAGE = 50


def _page(select) -> list[dict]:
    rows = db.session.execute(select.order_by(AfterSale.id.desc()).limit(PAGE)
                              .offset((page_number() - 1) * PAGE)).scalars()
    return [docs.after_sale_json(a) for a in rows]


def _status_filter(select):
    status = request.args.get("status")
    return select.where(AfterSale.status == status) if status in AfterSaleStatus.ALL else select


@bp.route("/orders/<int:order_id>/after-sales", methods=["POST"])
@documented(docs.AfterSaleBody, docs.AfterSaleReply, created=True)
@login_required
@write
def after_sale_create(order_id: int):
    """Ask for a refund only or a return and refund of some of an order's lines."""
    order = own_order_or_404(order_id)
    data = load(docs.AfterSaleBody())
    after_sale = aftersales.request_after_sale(order, actor(), data["kind"], data["lines"], data["reason_code"],
                                               data["reason"])
    return 201, {"after_sale": docs.after_sale_json(after_sale)}


@bp.route("/after-sales", methods=["GET"])
@documented(response=docs.AfterSalesReply)
@login_required
def after_sale_index():
    """The shopper's after-sales requests, newest first (?status=, ?page=)."""
    return jsonify({"items": _page(_status_filter(db.select(AfterSale).where(AfterSale.user_id == actor().id)))})


@bp.route("/after-sales/<int:after_sale_id>", methods=["GET"])
@documented(response=docs.AfterSaleReply)
@login_required
def after_sale_show(after_sale_id: int):
    """One of the shopper's after-sales requests."""
    return jsonify({"after_sale": docs.after_sale_json(own_after_sale_or_404(after_sale_id))})


@bp.route("/after-sales/<int:after_sale_id>/return-shipped", methods=["POST"])
@documented(docs.ReturnShippedBody, docs.AfterSaleReply)
@login_required
@write
def after_sale_return_shipped(after_sale_id: int):
    """Send an approved return back: the carrier and tracking number."""
    after_sale = own_after_sale_or_404(after_sale_id)
    data = load(docs.ReturnShippedBody())
    aftersales.return_shipped(after_sale, data["carrier"], data["tracking_no"])
    return 200, {"after_sale": docs.after_sale_json(after_sale)}


@bp.route("/shops/<shop>/after-sales", methods=["GET"])
@documented(response=docs.AfterSalesReply)
@staff_required(StaffRole.SUPPORT)
def shop_after_sale_index(shop: str):
    """The shop's after-sales requests, newest first (?status=, ?page=)."""
    return jsonify({"items": _page(_status_filter(scoped(AfterSale)))})


@bp.route("/shops/<shop>/after-sales/<int:after_sale_id>", methods=["GET"])
@documented(response=docs.AfterSaleReply)
@staff_required(StaffRole.SUPPORT)
def shop_after_sale_show(shop: str, after_sale_id: int):
    """One of the shop's after-sales requests."""
    return jsonify({"after_sale": docs.after_sale_json(get_in_tenant_or_404(AfterSale, after_sale_id))})


@bp.route("/shops/<shop>/after-sales/<int:after_sale_id>/approve", methods=["POST"])
@documented(response=docs.AfterSaleReply)
@staff_required(StaffRole.MANAGER)
@write
def shop_after_sale_approve(shop: str, after_sale_id: int):
    """Approve a request: a refund only is refunded at once (status refunded); a return becomes approved."""
    after_sale = aftersales.approve(get_in_tenant_or_404(AfterSale, after_sale_id), actor())
    return 200, {"after_sale": docs.after_sale_json(after_sale)}


@bp.route("/shops/<shop>/after-sales/<int:after_sale_id>/reject", methods=["POST"])
@documented(docs.RejectBody, docs.AfterSaleReply)
@staff_required(StaffRole.MANAGER)
@write
def shop_after_sale_reject(shop: str, after_sale_id: int):
    """Decline a request with a reason for the shopper."""
    after_sale = get_in_tenant_or_404(AfterSale, after_sale_id)
    aftersales.reject(after_sale, actor(), load(docs.RejectBody())["reason"])
    return 200, {"after_sale": docs.after_sale_json(after_sale)}


@bp.route("/shops/<shop>/after-sales/<int:after_sale_id>/receive", methods=["POST"])
@documented(response=docs.AfterSaleReply)
@staff_required(StaffRole.MANAGER)
@write
def shop_after_sale_receive(shop: str, after_sale_id: int):
    """Confirm a return arrived: its goods are refunded."""
    after_sale = aftersales.receive(get_in_tenant_or_404(AfterSale, after_sale_id), actor())
    return 200, {"after_sale": docs.after_sale_json(after_sale)}
