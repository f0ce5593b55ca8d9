"""Campaign budgets: money of discount or points a coupon template, a push or an earning rule may give per period."""


def register(plugin) -> None:
    """Budgets have no pages of their own yet; their features show them."""
