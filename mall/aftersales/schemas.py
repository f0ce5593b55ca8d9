"""After-sales shapes: the API's request bodies, its replies (also the OpenAPI components) and the JSON of a request."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from mall.aftersales.models import REASONS, AfterSale, AfterSaleKind, AfterSaleStatus
from mall.aftersales.operations import MAX_REASON, estimated_refund, of_order, photo_urls
from mall.api.serializers import iso
from mall.checkout.quote import MAX_LINES, MAX_QTY
from mall.money import format_money
from mall.orders.models import CARRIER_MAX, TRACKING_MAX
from mall.validation import Id, Int, Text


class AfterSaleLineBody(Schema):
    """One order line and how many of its units."""

    line_id = Id(required=True)
    qty = Int(1, MAX_QTY, required=True)


class AfterSaleBody(Schema):
    """POST /orders/<id>/after-sales. Photos are not taken yet."""

    kind = fields.String(required=True, validate=validate.OneOf(AfterSaleKind.ALL))
    lines = fields.List(fields.Nested(AfterSaleLineBody), required=True,
                        validate=validate.Length(min=1, max=MAX_LINES))
    reason = Text(MAX_REASON, 1, required=True)
    reason_code = fields.String(load_default="other", validate=validate.OneOf(list(REASONS)))


class RejectBody(Schema):
    """POST /shops/<slug>/after-sales/<id>/reject."""

    reason = Text(MAX_REASON, 1, required=True)


class ReturnShippedBody(Schema):
    """POST /after-sales/<id>/return-shipped: the parcel sent back to the shop."""

    carrier = Text(CARRIER_MAX, 1, required=True)
    tracking_no = Text(TRACKING_MAX, 4, required=True)


class PhotoOut(Schema):
    """A photo of a request: its display size and its thumbnail."""

    url = fields.String()
    thumb_url = fields.String()


class AfterSaleLineOut(Schema):
    """A line of a request."""

    line_id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    qty = fields.Integer()


class AfterSaleOut(Schema):
    """An after-sales request."""

    id = fields.Integer()
    order_id = fields.Integer()
    shop = fields.String()
    kind = fields.String(metadata={"enum": list(AfterSaleKind.ALL)})
    status = fields.String(metadata={"enum": list(AfterSaleStatus.ALL)})
    reason_code = fields.String()
    reason = fields.String()
    photos = fields.List(fields.Nested(PhotoOut))
    lines = fields.List(fields.Nested(AfterSaleLineOut))
    reject_reason = fields.String(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_no = fields.String(allow_none=True)
    refund_amount = fields.String(metadata={"description": "refunded, or what the goods would bring back now"})
    created_at = fields.DateTime()
    approved_at = fields.DateTime(allow_none=True)
    rejected_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    refunded_at = fields.DateTime(allow_none=True)


class AfterSaleReply(Schema):
    """{"after_sale": {…}}."""

    after_sale = fields.Nested(AfterSaleOut)


class AfterSalesReply(Schema):
    """{"items": [{…}]}, 50 a page (?page=)."""

    items = fields.List(fields.Nested(AfterSaleOut))


def after_sale_json(after_sale: AfterSale) -> dict:
    """A request as the API shows it."""
    return {
        "id": after_sale.id, "order_id": after_sale.order_id, "shop": after_sale.tenant.slug,
        "kind": after_sale.kind, "status": after_sale.status, "reason_code": after_sale.reason_code,
        "reason": after_sale.reason, "photos": photo_urls(after_sale),
        "lines": [{"line_id": line.order_line_id, "product_id": line.order_line.product_id,
                   "name": line.order_line.name, "qty": line.qty} for line in after_sale.lines],
        "reject_reason": after_sale.reject_reason, "carrier": after_sale.carrier,
        "tracking_no": after_sale.tracking_no, "refund_amount": format_money(estimated_refund(after_sale)),
        "created_at": iso(after_sale.created_at), "approved_at": iso(after_sale.approved_at),
        "rejected_at": iso(after_sale.rejected_at), "returned_at": iso(after_sale.returned_at),
        "received_at": iso(after_sale.received_at), "refunded_at": iso(after_sale.refunded_at),
    }


def order_after_sales_json(order) -> list[dict]:
    """The order's requests in brief, for the order's own JSON."""
    return [{"id": a.id, "kind": a.kind, "status": a.status, "created_at": iso(a.created_at)}
            for a in of_order(order)]
