"""Programmes: the programme document, its rules, saved versions, the editor pages and the API."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the programme editor and version-diff pages and the programme API."""
    from plugins.loyalty.programmes import api, views  # noqa: F401  (api's routes join the shared API blueprint)

    plugin.app.register_blueprint(views.programme_bp)
    plugin.app.register_blueprint(views.admin_bp)
