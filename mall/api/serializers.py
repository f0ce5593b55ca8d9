"""JSON shapes of API responses (money as two-decimal strings, times in ISO 8601).

Merchant content (names, descriptions) comes in the request's language, falling back to the other
one; objects a merchant writes also carry both stored values as `<field>_zh` and `<field>_en`.
"""

from mall.checkout.quote import savings
from mall.i18n import localized
from mall.money import ZERO, format_money


def iso(value):
    """ISO 8601 with offset, or None."""
    return value.isoformat() if value else None


def user_json(user) -> dict:
    """Public account fields."""
    return {"id": user.id, "email": user.email, "name": user.name}


def texts(obj, *names: str, prefix: str = "") -> dict:
    """Each field in the request's language, and both stored values: {"name", "name_zh", "name_en", …}."""
    body = {}
    for name in names:
        key = prefix or name
        body[key] = localized(obj, name) if obj is not None else None
        body[f"{key}_zh"] = getattr(obj, name) if obj is not None else None
        body[f"{key}_en"] = getattr(obj, f"{name}_en") if obj is not None else None
    return body


def tenant_json(tenant) -> dict:
    """A shop."""
    return {"slug": tenant.slug, **texts(tenant, "name"), "description": localized(tenant, "description"),
            "status": tenant.status,
            "return_window_days": tenant.return_window_days, "shipping_fee": format_money(tenant.shipping_fee),
            "free_shipping_threshold": format_money(tenant.free_shipping_threshold)
            if tenant.free_shipping_threshold is not None else None}


def variant_json(variant) -> dict:
    """A product variant: SKU, options and their label, its own price and stock."""
    return {"id": variant.id, "product_id": variant.product_id, "sku": variant.sku, "options": variant.options,
            "label": variant.label, "price": format_money(variant.price), "stock": variant.stock,
            "position": variant.position, "is_active": variant.is_active}


def product_json(product) -> dict:
    """A product, with its images (the cover first) and variants: `price` is its from-price (lowest variant on
    sale), `stock` the total of its variants on sale."""
    from mall.media.operations import images_json

    return {"id": product.id, "shop": product.tenant.slug, **texts(product, "name"),
            "price": format_money(product.price), **texts(product.category, "name", prefix="category"),
            "stock": product.stock, "sale": product.sale, **texts(product, "description"),
            "sale_starts_at": iso(product.sale_starts_at), "sale_ends_at": iso(product.sale_ends_at),
            "is_active": product.is_active, "images": images_json(product),
            "variants": [variant_json(v) for v in product.variants]}


def _order_fields(order_like, shop: str) -> dict:
    return {
        "shop": shop,
        "goods": format_money(order_like.goods), "shipping": format_money(order_like.shipping),
        "discount": format_money(order_like.discount), "coupon_discount": format_money(order_like.coupon_discount),
        "points_used": order_like.points_used, "points_value": format_money(order_like.points_value),
        "wallet_paid": format_money(order_like.wallet_paid), "gateway_paid": format_money(order_like.gateway_paid),
        "total": format_money(order_like.total),
    }


def order_json(order) -> dict:
    """A placed order with its lines."""
    body = {"id": order.id, "status": order.status, **_order_fields(order, order.tenant.slug)}
    body["lines"] = [
        {"id": line.id, "product_id": line.product_id, "variant_id": line.variant_id,
         "variant_label": line.variant_label, "name": localized(line, "name"), "qty": line.qty,
         "unit_price": format_money(line.unit_price), "base": format_money(line.base),
         "net": format_money(line.net), "paid": format_money(line.paid), "refunded_qty": line.refunded_qty}
        for line in order.lines
    ]
    body.update({"refunded_amount": format_money(order.refunded_amount), "adjustments": order.adjustments,
                 "created_at": iso(order.created_at), "paid_at": iso(order.paid_at),
                 "shipped_at": iso(order.shipped_at), "completed_at": iso(order.completed_at),
                 "settled_at": iso(order.settled_at)})
    body["address"] = order.address
    body["shipment"] = {"carrier": order.carrier, "tracking_no": order.tracking_no, "shipped_at": iso(order.shipped_at)}
    from mall.aftersales.schemas import order_after_sales_json  # here: that module builds on this one

    body["after_sales"] = order_after_sales_json(order)
    return body


def order_detail_json(order, *, internal: bool = False) -> dict:
    """One order with its timeline ([{"event", "at", …details}]); `internal` adds the platform's own steps."""
    from mall.orders.timeline import timeline

    events = [{key: iso(value) if key == "at" else value for key, value in event.items()}
              for event in timeline(order, internal=internal)]
    return {**order_json(order), "timeline": events}


def quote_json(quote) -> dict:
    """A quote: one entry per shop order, each line explained."""
    orders = []
    for oq in quote.orders:
        body = {"id": None, "status": "quote", **_order_fields(oq, oq.tenant.slug)}
        body["lines"] = [
            {"id": None, "product_id": lq.product.id, "variant_id": lq.variant.id, "variant_label": lq.label,
             "name": localized(lq.product, "name"), "qty": lq.qty, "redeem": lq.redeem,
             "unit_price": format_money(lq.unit_price), "base": format_money(lq.base), "net": format_money(lq.net),
             "paid": format_money(lq.paid), "points_value": format_money(lq.points_value),
             "adjustments": [{"kind": a.kind, "label": a.label, "amount": format_money(a.amount),
                              "source": a.source} for a in lq.adjustments]}
            for lq in oq.lines
        ]
        body["payments"] = [{"method": p.method, "amount": format_money(p.amount)} for p in oq.payments]
        body["shipping_waived_by"] = oq.shipping_waived_by
        orders.append(body)
    saved = savings(quote)
    return {"orders": orders, "total": format_money(quote.total), "notes": quote.notes,
            "savings": [{"kind": kind, "label": label, "amount": format_money(amount)}
                        for kind, label, amount in saved],
            "saved": format_money(sum((amount for _k, _l, amount in saved), ZERO))}
