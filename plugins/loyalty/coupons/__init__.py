"""Coupons: templates, issuing, claiming, using and restoring coupons, their scope and discount."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the coupon pages (member, merchant, platform) and the coupon API."""
    from plugins.loyalty.coupons import api, views  # noqa: F401  (their routes join shared blueprints)
