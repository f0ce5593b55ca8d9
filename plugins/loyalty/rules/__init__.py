"""Earning rules (`points.rules`): promotions that add a multiplier or extra points to matching orders."""

from __future__ import annotations


def register(plugin) -> None:
    """Rules have no pages of their own: the programme editor, the preview and the points history show them."""
