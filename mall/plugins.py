"""Plugin discovery through the `mall.plugins` entry point, the Plugin base, hooks and nav slots."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points

from flask import Flask, current_app
from markupsafe import Markup

ENTRY_POINT_GROUP = "mall.plugins"
NAV_SLOTS = ("member", "merchant", "platform")
#: Pricing stages: "goods" runs before shipping is decided (member price, coupons, points,
#: shipping waivers); "payment" runs after it (payment methods such as the wallet).
PRICING_STAGES = ("goods", "payment")


@dataclass(frozen=True)
class NavEntry:
    """One link in a navigation slot; `endpoint` is built with the slot's URL arguments."""

    slot: str
    label: Callable[[], str]
    endpoint: str
    #: Which URL arguments of the page the endpoint needs (e.g. ("shop",) in the merchant admin).
    args: tuple[str, ...] = ()
    #: A number shown beside the label (usable coupons, unread messages), or None; one cheap query at most.
    count: Callable[[], int | None] | None = None


class Plugin:
    """Base class for plugins: override init_app and use the register_* helpers."""

    name = "plugin"

    def __init__(self, app: Flask):
        self.app = app

    def init_app(self) -> None:
        """Register blueprints, signal receivers, hooks, commands and nav entries."""

    def register_nav(self, slot: str, label: Callable[[], str], endpoint: str, args=(), count=None) -> None:
        """Add a navigation entry to the member centre, merchant admin or platform admin, with an optional count."""
        if slot not in NAV_SLOTS:
            raise ValueError(f"unknown navigation slot {slot!r}")
        self.app.extensions["mall_plugins"].nav[slot].append(NavEntry(slot, label, endpoint, tuple(args), count))

    def register_pricing_hook(self, stage: str, func: Callable) -> None:
        """Add `func(quote)` to a pricing stage; it adjusts the quote in place or raises FieldErrors."""
        if stage not in PRICING_STAGES:
            raise ValueError(f"unknown pricing stage {stage!r}")
        self.app.extensions["mall_plugins"].pricing_hooks[stage].append(func)

    def register_checkout_suggestion(self, func: Callable) -> None:
        """Add `func(user, lines)` → checkout options (e.g. {"coupons": [ids]}) the checkout offers by default."""
        self.app.extensions["mall_plugins"].checkout_suggestions.append(func)

    def register_cli(self, group) -> None:
        """Add a click command group to `flask`."""
        self.app.cli.add_command(group)

    def register_template_hook(self, name: str, func: Callable[..., str]) -> None:
        """Contribute HTML to `template_hook(name, **ctx)` slots in core templates."""
        self.app.extensions["mall_plugins"].template_hooks[name].append(func)

    def register_demo_hook(self, func: Callable) -> None:
        """Add `func(shops, shoppers)` to `flask mall demo`, run after the shops exist, before the orders."""
        self.app.extensions["mall_plugins"].demo_hooks.append(func)

    def register_demo_volume(self, factory: Callable) -> None:
        """Add `factory(story)` → `mall.demo.volume.VolumeHooks` to the demo's generated months of trade."""
        self.app.extensions["mall_plugins"].demo_volumes.append(factory)

    def register_personal_data(self, name: str, collect: Callable, anonymise: Callable,
                               blockers: Callable | None = None) -> None:
        """Add the plugin's part of a shopper's data: `collect(user)` → JSON for the export, `anonymise(user,
        identifiers)` scrubs it on erasure (ledgers keep their amounts), `blockers(user)` → reasons to refuse it."""
        self.app.extensions["mall_plugins"].personal_data[name] = PersonalData(collect, anonymise, blockers)


@dataclass(frozen=True)
class PersonalData:
    """A plugin's share of a shopper's personal data (mall.privacy)."""

    collect: Callable
    anonymise: Callable
    blockers: Callable | None = None


class PluginRegistry:
    """What the enabled plugins contributed to this app."""

    def __init__(self):
        self.plugins: dict[str, Plugin] = {}
        self.nav: dict[str, list[NavEntry]] = defaultdict(list)
        self.template_hooks: dict[str, list[Callable[..., str]]] = defaultdict(list)
        self.pricing_hooks: dict[str, list[Callable]] = defaultdict(list)
        self.checkout_suggestions: list[Callable] = []
        self.demo_hooks: list[Callable] = []
        self.demo_volumes: list[Callable] = []
        self.personal_data: dict[str, PersonalData] = {}


def available_plugins() -> dict[str, type[Plugin]]:
    """Every installed plugin class by entry-point name."""
    return {ep.name: ep.load() for ep in entry_points(group=ENTRY_POINT_GROUP)}


def init_plugins(app: Flask) -> None:
    """Load the enabled plugins (config MALL_PLUGINS, default all) and let each register itself."""
    registry = PluginRegistry()
    app.extensions["mall_plugins"] = registry
    wanted = app.config.get("MALL_PLUGINS")
    found = available_plugins()
    names = list(found) if wanted is None else list(wanted)
    for name in names:
        if name not in found:
            raise RuntimeError(f"plugin {name!r} is enabled but not installed")
        plugin = found[name](app)
        registry.plugins[name] = plugin
        plugin.init_app()


def registry() -> PluginRegistry:
    """The current app's plugin registry."""
    return current_app.extensions["mall_plugins"]


def plugin_enabled(name: str) -> bool:
    """Whether a plugin is active in the current app."""
    return name in registry().plugins


def template_hook(name: str, **ctx) -> Markup:
    """Render every plugin contribution to a template slot (used as a Jinja global)."""
    parts = [func(**ctx) for func in registry().template_hooks.get(name, [])]
    return Markup("").join(Markup(p) for p in parts if p)


def nav_entries(slot: str) -> list[NavEntry]:
    """The plugin navigation entries of a slot (used as a Jinja global)."""
    return list(registry().nav.get(slot, []))


def run_pricing_hooks(stage: str, quote) -> None:
    """Let every plugin adjust the quote at one pricing stage."""
    for func in registry().pricing_hooks.get(stage, []):
        func(quote)


def checkout_suggestions(user, lines) -> dict:
    """The checkout options the plugins suggest for a cart (the best coupons…), merged; {} without any."""
    suggested: dict = {}
    for func in registry().checkout_suggestions:
        suggested.update(func(user, lines))
    return suggested
