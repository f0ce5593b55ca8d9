"""Points mall (积分商城): items a shop or the platform sells for points, or points plus cash, tier-gated if wished."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the pricing hook for redeemed lines, the receivers that spend and give back the points, the pages and
    the API, and the audit words."""
    from flask_babel import lazy_gettext as _l

    from mall.audit.operations import register_action
    from plugins.loyalty.pointsmall import api, operations, receivers, views  # noqa: F401  (routes join blueprints)

    plugin.register_pricing_hook("goods", operations.price_redeemed)
    plugin.register_template_hook("shop-header", views.shop_header_link)
    receivers.connect(plugin.app)
    labels = {"points_mall.listed": _l("Item listed in the points mall"),
              "points_mall.removed": _l("Item taken out of the points mall")}
    register_action(*labels, labels=labels, fields={"cash_price": _l("Cash price"), "variant_id": _l("Variant")})
