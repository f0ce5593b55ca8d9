"""The member centre: member cards and tier ladders, coupon stubs, menu counts."""

from __future__ import annotations


def register(plugin) -> None:
    """Give templates the coupon stub's words (the stub macro is used wherever shoppers see coupons)."""
    from plugins.loyalty.centre import operations

    plugin.app.jinja_env.globals.update(coupon_stub=operations.coupon_stub)
