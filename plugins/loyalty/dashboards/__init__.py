"""Dashboards: the merchant's loyalty KPIs and charts over a chosen period, against the period before."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the dashboard page (its route joins the shared merchant blueprint)."""
    from plugins.loyalty.dashboards import views  # noqa: F401
