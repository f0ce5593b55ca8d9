"""Referrals: two-sided rewards when a referred member's first kept order settles, with fraud checks."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the referral pages and API (their routes join the shared blueprints) and the referral receivers."""
    from plugins.loyalty.referrals import api, receivers, views  # noqa: F401

    receivers.connect(plugin.app)
