"""After-sales (售后): refund-only and return-and-refund requests on an order, decided by the shop."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the order receivers, the inbox messages each step sends and the templates' helpers."""
    from flask_babel import lazy_gettext as _l

    from mall.aftersales import models, receivers
    from mall.aftersales.operations import (
        awaiting_shop,
        can_ask,
        estimated_refund,
        has_after_sales_clause,
        of_order,
        photo_urls,
        timeline_events,
    )
    from mall.aftersales.views import admin_bp, bp
    from mall.notifications.operations import register_kind
    from mall.orders import operations as orders
    from mall.orders import timeline

    app.register_blueprint(bp)
    # The order's timeline shows each request's steps; the 售后 tab holds orders with a request.
    if timeline_events not in timeline.timeline_sources:
        timeline.timeline_sources.append(timeline_events)
        timeline.event_labels.update(models.EVENT_LABELS)
    if has_after_sales_clause not in orders.after_sales_sources:
        orders.after_sales_sources.append(has_after_sales_clause)
    app.register_blueprint(admin_bp)
    receivers.connect(app)
    # To the shop's staff.
    register_kind("aftersales.refund_requested",
                  _l("Order #%(order)d: the buyer asks for a refund (after-sales #%(id)d)."))
    register_kind("aftersales.return_requested",
                  _l("Order #%(order)d: the buyer asks to return goods for a refund (after-sales #%(id)d)."))
    register_kind("aftersales.return_shipped",
                  _l("After-sales #%(id)d: the buyer sent the goods back, tracking number %(tracking_no)s."))
    # To the shopper.
    register_kind("aftersales.return_approved",
                  _l("%(shop)s approved your return #%(id)d for order #%(order)d: please send the goods back "
                     "and enter the tracking number."))
    register_kind("aftersales.rejected",
                  _l("%(shop)s declined your after-sales request #%(id)d for order #%(order)d: %(reason)s"))
    register_kind("aftersales.refunded",
                  _l("%(shop)s refunded ¥%(amount)s for after-sales request #%(id)d (order #%(order)d)."))
    app.jinja_env.globals.update(
        after_sales_awaiting=awaiting_shop, after_sales_of=of_order, after_sale_photos=photo_urls,
        can_ask_after_sales=can_ask,
        after_sale_refund=estimated_refund, after_sale_labels={
            "status": models.STATUS_LABELS, "kind": models.KIND_LABELS, "reason": models.REASONS,
            "event": models.EVENT_LABELS})
