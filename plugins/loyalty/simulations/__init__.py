"""Programme simulation: a draft replayed over the shop's past settled orders, side by side with the current version."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the simulation pages and API (their routes join the shared blueprints), and the demo's past simulations."""
    from plugins.loyalty.demo import simulations as demo
    from plugins.loyalty.simulations import api, views  # noqa: F401

    plugin.register_demo_hook(demo.hook)
