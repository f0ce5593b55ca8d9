"""Checkout: the loyalty pricing steps, what checkout captures, and what payment, settlement and refunds do."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the pricing hooks, the best-coupon suggestion, the checkout, price and refund-preview slots and the
    order receivers."""
    from plugins.loyalty.checkout import operations, receivers, views

    plugin.register_pricing_hook("goods", operations.price_goods)
    plugin.register_pricing_hook("payment", operations.price_payment)
    plugin.register_checkout_suggestion(operations.suggested_options)
    plugin.register_template_hook("checkout-options", views.checkout_options)
    plugin.register_template_hook("product-price", views.product_price)
    plugin.register_template_hook("cart-line-price", views.cart_line_price)
    plugin.register_template_hook("variant-price", views.variant_price)
    plugin.register_template_hook("order-detail", views.refund_preview)
    receivers.connect(plugin.app)
