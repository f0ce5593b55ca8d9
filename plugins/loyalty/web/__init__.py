"""The blueprints and API plumbing that several features add their routes to."""

from __future__ import annotations


def register(plugin) -> None:
    """Register the shared blueprints, once every feature has added its routes to them."""
    from mall.extensions import csrf
    from plugins.loyalty.web.api import api_bp
    from plugins.loyalty.web.blueprints import member_bp, merchant_bp, platform_bp

    for bp in (member_bp, merchant_bp, platform_bp):
        plugin.app.register_blueprint(bp)
    csrf.exempt(api_bp)  # token auth, as the core API
    plugin.app.register_blueprint(api_bp)
