"""The merchant's member list and member page: filters, CSV export, tags and notes, coupons sent, bulk actions."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the member list's pages to the merchant admin."""
    from plugins.loyalty.roster import views  # noqa: F401  (its routes join the shared merchant blueprint)
