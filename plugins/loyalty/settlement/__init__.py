"""Settlement: who funds what, the monthly statements and the points liability."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the settlement pages."""
    from plugins.loyalty.settlement import views

    plugin.app.register_blueprint(views.settlement_bp)
