"""The loyalty plugin: member levels, points, coupons and wallet, on the core's extension points."""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from mall.plugins import Plugin

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"


class LoyaltyPlugin(Plugin):
    """Registers the loyalty blueprint and its member-centre entry."""

    name = "loyalty"

    def init_app(self) -> None:
        """Register the member-centre page and its navigation entry."""
        from plugins.loyalty.views import bp

        self.app.register_blueprint(bp)
        self.register_nav("member", lambda: str(_l("My memberships")), "loyalty.memberships")
