"""Webhooks: shops and the platform receive signed events (points, tiers, coupons, orders) at their own URLs."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages, the receivers and the owner's notice."""
    from flask_babel import lazy_gettext as _l

    from mall.notifications.operations import register_kind
    from mall.webhooks import models, receivers
    from mall.webhooks.views import admin_bp, platform_bp

    app.register_blueprint(admin_bp)
    app.register_blueprint(platform_bp)
    receivers.connect(app)
    register_kind("webhooks.disabled",
                  _l("Webhook endpoint %(url)s was switched off after %(failures)d failed deliveries in a row. "
                     "Fix it, then switch it on again."))
    app.jinja_env.globals.update(webhook_labels={"event": models.EVENTS, "status": models.STATUS_LABELS})
