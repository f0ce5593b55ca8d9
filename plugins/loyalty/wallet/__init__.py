"""The platform wallet: cash and bonus balances, top-ups, operator adjustments."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the wallet pages and API and the wallet section of the operator's user page."""
    from plugins.loyalty.wallet import api, views  # noqa: F401  (their routes join shared blueprints)

    plugin.app.register_blueprint(views.users_bp)
    plugin.register_template_hook("platform-user", views.user_section)
