"""Campaign budgets: money of discount or points a coupon template, a push or an earning rule may give per period."""


def register(plugin) -> None:
    """Add the budgets pages (merchant and platform); coupons and pushes take from budgets as they issue."""
    from plugins.loyalty.budgets import views  # noqa: F401  (its routes join the shared blueprints)
