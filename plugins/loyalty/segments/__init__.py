"""Segments: filters over a programme's members, run in SQL, and the saved ones."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the segment page actions and the segment preview API."""
    from plugins.loyalty.segments import api, views  # noqa: F401  (their routes join shared blueprints)
