"""Analytics: redemption, breakage, liability and its forecast, cohorts, RFM, tiers and coupons over months."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the analytics pages and API (their routes join the shared blueprints), and the RFM segments' names
    for the member filter's choice."""
    from plugins.loyalty.analytics import api, views  # noqa: F401
    from plugins.loyalty.analytics.schemas import RFM_SEGMENTS

    plugin.app.jinja_env.globals["rfm_segments"] = RFM_SEGMENTS
