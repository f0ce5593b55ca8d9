"""Transfers: members brought in from a CSV file (checked, then run on the queue) and exported as CSV."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the import and export pages and API, the upload size rule and the recovery of stalled imports."""
    from mall.jobs import register_recovery
    from plugins.loyalty.transfers import api, jobs, views  # noqa: F401  (their routes join shared blueprints)

    register_recovery(plugin.app, jobs.recover)
    plugin.app.before_request_funcs.setdefault(None, []).insert(0, views.upload_size)
