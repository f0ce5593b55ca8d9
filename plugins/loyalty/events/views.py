"""Member event slots on the member's pages: the ways to earn points, and an event's name in the history."""

from __future__ import annotations

from flask import render_template

from plugins.loyalty.events import operations as events


def ways_to_earn(member=None, **ctx) -> str:
    """The `loyalty-points` slot: the programme's events with their points, how often, and whether done."""
    if member is None:
        return ""
    ways = events.ways_to_earn(member)
    return render_template("loyalty/events/_ways_to_earn.html", ways=ways) if ways else ""


def event_label(programme, name) -> str:
    """An event as a member reads it (a template global, for the points history)."""
    return events.event_name(programme, name)
