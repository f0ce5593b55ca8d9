"""Points: the ledger and its lots, earning, expiry and the value statement."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the points pages and API."""
    from plugins.loyalty.points import api, views  # noqa: F401  (their routes join shared blueprints)
