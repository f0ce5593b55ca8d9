"""Member events: points for things that are not orders (a completed profile, following the shop), within limits."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the events API, the built-in events' receivers, the members' list of ways to earn and event names."""
    from plugins.loyalty.events import api, receivers, views  # noqa: F401  (their routes join shared blueprints)

    receivers.connect(plugin.app)
    plugin.register_template_hook("loyalty-points", views.ways_to_earn)
    plugin.app.add_template_global(views.event_label, "event_label")
