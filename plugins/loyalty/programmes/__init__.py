"""Programmes: the programme document, its rules, saved versions, the editor pages and the API."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the programme editor and version-diff pages, the programme API and the audit log's words for saves."""
    from mall.audit.operations import register_action
    from plugins.loyalty.programmes import api, views  # noqa: F401  (api's routes join the shared API blueprint)
    from plugins.loyalty.programmes.operations import audit_lines

    register_action("programme.saved", details={"programme.saved": audit_lines})

    plugin.app.register_blueprint(views.programme_bp)
    plugin.app.register_blueprint(views.admin_bp)
