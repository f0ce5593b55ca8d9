"""Earning rules (`points.rules`): promotions that add a multiplier or extra points to matching orders."""

from __future__ import annotations


def register(plugin) -> None:
    """Connect the receivers. Rules have no pages of their own: the editor, the preview and the history show them;
    templates ask `rule_points(membership_id, entries)` what each rule gave the orders of a history page, and
    `promotions(programme)` which rules a member can earn under now."""
    from plugins.loyalty.rules import receivers
    from plugins.loyalty.rules.operations import given_by_order
    from plugins.loyalty.rules.views import promotions

    receivers.connect(plugin.app)
    plugin.app.add_template_global(given_by_order, "rule_points")
    plugin.app.add_template_global(promotions, "promotions")
