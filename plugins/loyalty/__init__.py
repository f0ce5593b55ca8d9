"""The loyalty plugin: member levels, points, coupons and wallet, on the core's extension points."""

from pathlib import Path

from flask_babel import lazy_gettext as _l

from mall import signals
from mall.audit.operations import register_action
from mall.jobs import register_recovery
from mall.notifications.operations import register_kind
from mall.plugins import Plugin

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"
#: The audit log's words for this plugin's actions, their details' fields and stored codes.
AUDIT_LABELS = {
    "programme.saved": _l("Loyalty programme saved"), "points.adjusted": _l("Points adjusted"),
    "wallet.adjusted": _l("Wallet adjusted"), "coupon_template.created": _l("Coupon created"),
    "coupon_template.stopped": _l("Coupon stopped"), "coupon_template.changed": _l("Coupon changed"),
    "push.created": _l("Coupon push started"), "push.cancelled": _l("Coupon push cancelled"),
    "campaign.saved": _l("Win-back campaign saved"), "segment.saved": _l("Segment saved"),
    "segment.deleted": _l("Segment deleted"),
}
AUDIT_FIELDS = {
    "version": _l("Version"), "delta": _l("Points"), "amount": _l("Amount"), "balance": _l("Balance"),
    "period": _l("Period"), "active": _l("Campaign on"), "filter": _l("Filter"), "stock": _l("Stock"),
    "per_member_limit": _l("Per member"), "valid_days": _l("Valid days"), "claimable": _l("Claimable"),
    "points_price": _l("Points price"), "tier": _l("Tier"), "min_spend": _l("Minimum spend"),
    "asleep_days": _l("Asleep for days"), "lifecycle": _l("Lifecycle"), "activity": _l("Activity"),
    "birthday_month": _l("Birthday month"), "consent": _l("Consent"), "joined_after": _l("Joined after"),
    "joined_before": _l("Joined before"), "points_min": _l("Points from"), "points_max": _l("Points up to"),
    "preferred_category": _l("Preferred category"), "recent": _l("Recent orders"), "slept_since": _l("Asleep since"),
    "q": _l("Search"), "days": _l("Days"), "min_orders": _l("Minimum orders"),
}
AUDIT_VALUES = {"cash": _l("Cash"), "bonus": _l("Bonus"), "month": _l("Month"), "quarter": _l("Quarter"),
                "win_back": _l("Win-back campaign"), "never_bought": _l("Never bought"), "one_time": _l("Bought once"),
                "repeat": _l("Bought again"), "active": _l("Active"), "intermittent": _l("Intermittent"),
                "sleeping": _l("Sleeping"), "email": _l("E-mail"), "sms": _l("SMS")}


class LoyaltyPlugin(Plugin):
    """Registers the loyalty pages, API, pricing hooks, signal receivers and commands."""

    name = "loyalty"

    def init_app(self) -> None:
        """Wire the plugin into the app."""
        from plugins.loyalty import (  # noqa: F401  (their routes are on views.bp)
            admin_views,
            api,
            campaigns,
            checkout_options,
            coupon_edit,
            demo,
            lifecycle,
            member_actions,
            member_pages,
            member_price,
            merchant_coupons,
            merchant_dashboard,
            merchant_members,
            merchant_pushes,
            platform_users,
            pricing,
            programme_editor,
            push_models,
            pushes,
            settlement_pages,
            statement,
            tick,
            views,
        )
        from plugins.loyalty.cli import loyalty_cli

        self.app.register_blueprint(views.bp)
        self.app.register_blueprint(admin_views.bp)
        self.app.register_blueprint(merchant_members.bp)
        self.app.register_blueprint(programme_editor.bp)
        self.app.register_blueprint(settlement_pages.bp)
        self.app.register_blueprint(platform_users.bp)
        self.app.register_blueprint(merchant_coupons.platform_bp)
        self.register_nav("platform", lambda: str(_l("Platform coupons")), "loyalty_platform.coupons")
        self.register_template_hook("platform-user", platform_users.user_section)
        self.register_template_hook("platform-tenant", platform_users.tenant_members)
        self.register_nav("merchant", lambda: str(_l("Loyalty dashboard")), "loyalty_merchant.dashboard")
        self.register_nav("merchant", lambda: str(_l("Members")), "loyalty_merchant.members")
        self.register_nav("merchant", lambda: str(_l("Programme")), "loyalty_programme.shop_programme")
        self.register_nav("platform", lambda: str(_l("Platform programme")), "loyalty_programme.platform_programme")
        self.register_nav("platform", lambda: str(_l("Settlement")), "loyalty_settlement.platform_settlement")
        self.register_nav("merchant", lambda: str(_l("Settlement")), "loyalty_settlement.shop_statement")
        self.register_nav("merchant", lambda: str(_l("Coupons")), "loyalty_merchant.coupon_templates")
        self.register_nav("merchant", lambda: str(_l("Pushes")), "loyalty_merchant.push_list")
        api.init_app(self.app)
        self.register_nav("member", lambda: str(_l("Overview")), "loyalty.overview")
        self.register_nav("member", lambda: str(_l("My memberships")), "loyalty.memberships")
        self.register_nav("member", lambda: str(_l("My points")), "loyalty.points")
        self.register_nav("member", lambda: str(_l("My coupons")), "loyalty.coupons")
        self.register_nav("member", lambda: str(_l("My wallet")), "loyalty.wallet")
        self.register_nav("member", lambda: str(_l("Value statement")), "loyalty.statement")
        self.register_nav("member", lambda: str(_l("Coupon centre")), "loyalty.coupon_centre")
        self.register_nav("member", lambda: str(_l("Daily check-in")), "loyalty.daily_check_in")
        self.register_nav("member", lambda: str(_l("Paid membership")), "loyalty.plus")
        self.register_pricing_hook("goods", pricing.price_goods)
        self.register_pricing_hook("payment", pricing.price_payment)
        self.register_template_hook("shop-header", views.join_button)
        self.register_template_hook("checkout-options", checkout_options.checkout_options)
        self.register_template_hook("product-price", member_price.product_price)
        self.register_template_hook("cart-line-price", member_price.cart_line_price)
        self.register_template_hook("order-detail", statement.refund_preview)
        self.register_cli(loyalty_cli)
        self.register_demo_hook(demo.load)
        lifecycle.connect(self.app)
        register_kind("loyalty.tier_changed", _l("%(programme)s: you are now %(tier)s."))
        register_kind("loyalty.birthday", _l("Happy birthday! %(points)d points from %(programme)s."))
        register_kind("loyalty.push_coupon", _l("A coupon for you from %(programme)s: %(coupon)s."))
        register_action("programme.saved", "points.adjusted", "wallet.adjusted", "coupon_template.created",
                        "coupon_template.stopped", "coupon_template.changed", "push.created", "push.cancelled",
                        "campaign.saved", "segment.saved", "segment.deleted", labels=AUDIT_LABELS, fields=AUDIT_FIELDS,
                        values=AUDIT_VALUES)
        signals.tick.connect(tick.on_tick, sender=self.app)
        signals.tick.connect(campaigns.on_tick, sender=self.app)
        register_recovery(self.app, pushes.recover)
