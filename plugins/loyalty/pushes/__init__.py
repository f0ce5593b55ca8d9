"""Pushes: a coupon sent to a segment in chunks through the queue, and the win-back campaign."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the push pages and API, the coupon notice, the campaign tick and the recovery of stalled pushes."""
    from flask_babel import lazy_gettext as _l

    from mall import signals
    from mall.jobs import register_recovery
    from mall.notifications.operations import register_kind
    from plugins.loyalty.pushes import api, jobs, receivers, views  # noqa: F401  (their routes join shared blueprints)

    register_kind("loyalty.push_coupon", _l("A coupon for you from %(programme)s: %(coupon)s."))
    signals.tick.connect(receivers.on_tick, sender=plugin.app)
    register_recovery(plugin.app, jobs.recover)
