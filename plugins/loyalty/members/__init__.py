"""Members: joining, tiers and level windows, the paid tier, check-in and member lists."""

from __future__ import annotations


def register(plugin) -> None:
    """Add the member pages and API, the sign-up and review receivers, the join button and member notices."""
    from flask_babel import lazy_gettext as _l

    from mall.notifications.operations import register_kind
    from plugins.loyalty.members import api, receivers, views  # noqa: F401  (their routes join shared blueprints)

    plugin.register_template_hook("shop-header", views.join_button)
    plugin.register_template_hook("platform-tenant", views.tenant_members)
    receivers.connect(plugin.app)
    register_kind("loyalty.tier_changed", _l("%(programme)s: you are now %(tier)s."))
    register_kind("loyalty.birthday", _l("Happy birthday! %(points)d points from %(programme)s."))
