"""The loyalty plugin: member levels, points, coupons and wallet, on the core's extension points."""

from importlib import import_module
from pathlib import Path

from flask_babel import lazy_gettext as _l

from mall import signals
from mall.audit.operations import register_action
from mall.plugins import Plugin

MIGRATIONS = Path(__file__).resolve().parent / "migrations" / "versions"
#: The feature packages, each with a register(plugin); the shared blueprints are registered after them.
# "pointsmall" comes before "checkout": a redeemed line is priced before member prices, coupons and points.
FEATURES = ("programmes", "members", "points", "wallet", "coupons", "segments", "pushes", "pointsmall", "checkout",
            "settlement", "budgets", "rules", "centre", "dashboards", "roster", "referrals", "reminders", "events",
            "simulations", "privacy", "analytics", "transfers")
#: The menu entries, in the order each menu shows them: (menu, label, endpoint).
NAV = (
    ("platform", _l("Platform coupons"), "loyalty_platform.coupons"),
    ("merchant", _l("Loyalty dashboard"), "loyalty_merchant.dashboard"),
    ("merchant", _l("Members"), "loyalty_merchant.members"),
    ("merchant", _l("Programme"), "loyalty_programme.shop_programme"),
    ("platform", _l("Platform programme"), "loyalty_programme.platform_programme"),
    ("platform", _l("Settlement"), "loyalty_settlement.platform_settlement"),
    ("merchant", _l("Settlement"), "loyalty_settlement.shop_statement"),
    ("merchant", _l("Coupons"), "loyalty_merchant.coupon_templates"),
    ("merchant", _l("Pushes"), "loyalty_merchant.push_list"),
    ("merchant", _l("Budgets"), "loyalty_merchant.budget_list"),
    ("platform", _l("Platform budgets"), "loyalty_platform.budgets"),
    ("merchant", _l("Points mall"), "loyalty_merchant.points_mall"),
    ("platform", _l("Points mall"), "loyalty_platform.points_mall"),
    ("member", _l("Overview"), "loyalty.overview"),
    ("member", _l("My memberships"), "loyalty.memberships"),
    ("member", _l("My points"), "loyalty.points"),
    ("member", _l("My coupons"), "loyalty.coupons"),
    ("member", _l("My wallet"), "loyalty.wallet"),
    ("member", _l("Value statement"), "loyalty.statement"),
    ("member", _l("Coupon centre"), "loyalty.coupon_centre"),
    ("member", _l("Points mall"), "loyalty.points_malls"),
    ("member", _l("Daily check-in"), "loyalty.daily_check_in"),
    ("member", _l("Reminders"), "loyalty.reminders"),
    ("member", _l("Paid membership"), "loyalty.plus"),
    ("member", _l("Invite friends"), "loyalty.invite"),
    ("merchant", _l("Referrals"), "loyalty_merchant.referrals"),
    ("platform", _l("Referrals"), "loyalty_platform.referrals"),
    ("merchant", _l("Analytics"), "loyalty_merchant.analytics"),
    ("platform", _l("Loyalty analytics"), "loyalty_platform.analytics"),
    ("platform", _l("Import members"), "loyalty_platform.member_imports"),
)
#: The audit log's words for this plugin's actions, their details' fields and stored codes.
AUDIT_LABELS = {
    "programme.saved": _l("Loyalty programme saved"), "points.adjusted": _l("Points adjusted"),
    "wallet.adjusted": _l("Wallet adjusted"), "coupon_template.created": _l("Coupon created"),
    "coupon_template.stopped": _l("Coupon stopped"), "coupon_template.changed": _l("Coupon changed"),
    "push.created": _l("Coupon push started"), "push.cancelled": _l("Coupon push cancelled"),
    "campaign.saved": _l("Win-back campaign saved"), "segment.saved": _l("Segment saved"),
    "segment.deleted": _l("Segment deleted"), "member.tagged": _l("Member tagged"),
    "member.untagged": _l("Member tag removed"), "member.noted": _l("Member note saved"),
    "coupon.sent": _l("Coupon sent to a member"), "budget.cofunding_saved": _l("Co-funding budget saved"),
    "members.imported": _l("Members imported"),
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
    "q": _l("Search"), "days": _l("Days"), "min_orders": _l("Minimum orders"), "member": _l("Member"),
    "note": _l("Note"), "template": _l("Coupon"), "budget": _l("Budget"),
    "rfm": _l("RFM segment"),
    "rows": _l("Rows"), "points": _l("Points"),
}
AUDIT_VALUES = {"cash": _l("Cash"), "bonus": _l("Bonus"), "month": _l("Month"), "quarter": _l("Quarter"),
                "win_back": _l("Win-back campaign"), "never_bought": _l("Never bought"), "one_time": _l("Bought once"),
                "repeat": _l("Bought again"), "active": _l("Active"), "intermittent": _l("Intermittent"),
                "sleeping": _l("Sleeping"), "email": _l("E-mail"), "sms": _l("SMS")}


class LoyaltyPlugin(Plugin):
    """Registers the loyalty features, the menus, the tick, the commands, the demo and the audit words."""

    name = "loyalty"

    def init_app(self) -> None:
        """Wire the plugin into the app: every feature, then the blueprints they share."""
        from plugins.loyalty import demo, tick, web
        from plugins.loyalty.centre.operations import nav_count
        from plugins.loyalty.cli import loyalty_cli

        signals.tick.connect(tick.on_tick, sender=self.app)
        for feature in FEATURES:
            import_module(f"{__name__}.{feature}").register(self)
        web.register(self)
        for menu, label, endpoint in NAV:
            self.register_nav(menu, lambda label=label: str(label), endpoint, count=nav_count(endpoint))
        self.register_cli(loyalty_cli)
        self.register_demo_hook(demo.load)
        self.register_demo_volume(demo.volume)
        register_action(*AUDIT_LABELS, labels=AUDIT_LABELS, fields=AUDIT_FIELDS, values=AUDIT_VALUES)


# Every feature's tables, so that relationships named by string resolve whichever model is imported first.
for _feature in ("programmes", "members", "points", "wallet", "coupons", "segments", "pushes", "checkout", "budgets",
                 "referrals", "rules", "reminders", "pointsmall", "events", "simulations", "transfers"):
    import_module(f"{__name__}.{_feature}.models")
