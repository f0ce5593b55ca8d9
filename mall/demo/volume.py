"""The demo at volume: months of members, orders, refunds and reviews, told in time order and bulk-inserted.

A `Story` plays events in the order they happen (registrations, orders, shipping, refunds, reviews, the
daily tick) from a seeded random generator, so the same volume and the same day give the same mall. Each
event works on rows held in memory (`mall.demo.rows`); everything is written at the end in one multi-row
INSERT per table. Plugins add their part through `VolumeHooks` (register a factory with
`Plugin.register_demo_volume`): the loyalty plugin prices each order and keeps its ledgers the way its
checkout and receivers would.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cached_property
from itertools import count
from zoneinfo import ZoneInfo

from mall import clock
from mall.catalog.receivers import recount_sales
from mall.demo.rows import Rows
from mall.extensions import db
from mall.plugins import registry


@dataclass(frozen=True)
class Volume:
    """How much the demo holds: members, days of orders, and the seed that makes it the same every time."""

    members: int = 2000
    days: int = 183
    seed: int = 15

    @property
    def history_days(self) -> int:
        """How far back accounts go: about one member in four registered before the first order shown."""
        return self.days + self.days * 12 // 10


@dataclass
class StoryShop:
    """A demo shop as the story uses it: its data, its row, its products by key and how popular each is."""

    spec: object  # mall.demo.data.Shop
    tenant: object
    products: dict
    owner_id: int

    @cached_property
    def weights(self) -> dict[int, int]:
        """Product id → how often shoppers pick it."""
        items = {item.key: item.weight for item in self.spec.items}
        return {product.id: items[key] for key, product in self.products.items()}


#: `make demo`: about 2,000 members and six months of trade.
FULL = Volume()
#: Tick time: a few minutes after midnight in the platform's zone, as a daily cron would run `flask mall tick`.
TICK_AT = time(0, 5)
#: Same-moment events run in this order: the tick settles orders before the plugins' daily work.
SETTLE, TICK, EVENT = 0, 1, 2


class VolumeHooks:
    """What a plugin adds to the demo's story; each method runs at its moment (these defaults do nothing).

    `story` gives the clock (`now`), the random generator (`rng`), the rows (`rows`), `schedule(at, fn)`
    for the plugin's own events, and the shops (`shops`). Users are rows with their persona attached.
    """

    def __init__(self, story: Story):
        self.story = story

    def registered(self, user, at: datetime) -> None:
        """A new account (the platform programme joins it, as `user_registered` does)."""

    def before_order(self, user, tenant, at: datetime) -> None:
        """A shopper is about to buy in a shop (and may join its programme first)."""

    def price_goods(self, quote, at: datetime) -> None:
        """The goods stage of pricing: member prices, coupons, points (as the pricing hook does)."""

    def price_payment(self, quote, at: datetime) -> None:
        """The payment stage: shares paid by the plugin's methods (the wallet)."""

    def placed(self, order, quote, at: datetime) -> None:
        """The order exists (pending payment): capture what the quote promised."""

    def settled(self, order, at: datetime) -> None:
        """The order settled: what its settlement releases."""

    def refunded(self, order, refund, at: datetime) -> None:
        """A refund or a cancellation: give back what it undoes."""

    def reviewed(self, review, at: datetime) -> None:
        """A review was posted."""

    def tick(self, at: datetime) -> None:
        """The daily tick, after the orders it settles."""

    def finish(self) -> None:
        """The story is over: add the rows that hold final state (balances, counts)."""


class Story:
    """One run of the generator: the clock, the random generator, the rows, the shops and the events."""

    def __init__(self, volume: Volume, shops: list):
        self.volume = volume
        self.rng = random.Random(volume.seed)
        self.now = clock.now()
        self.start = self.now - timedelta(days=volume.days)
        self.first = self.now - timedelta(days=volume.history_days)
        self.zone = ZoneInfo(clock.PLATFORM_ZONE)
        self.rows = Rows()
        self.shops = shops
        self.users: list = []
        #: Stock by variant id, and each product's variants on sale by product id.
        self.stock: dict[int, int] = {}
        self.variants: dict[int, list] = {}
        self._events: list = []
        self._seq = count()
        self.hooks = [factory(self) for factory in registry().demo_volumes]

    def schedule(self, at: datetime, action, *args, order: int = EVENT) -> None:
        """Run `action(at, *args)` at `at`; an event after now never happens (it is still to come)."""
        if at <= self.now:
            heapq.heappush(self._events, (at, order, next(self._seq), action, args))

    def call(self, name: str, *args) -> None:
        """Call one hook method on every plugin."""
        for hook in self.hooks:
            getattr(hook, name)(*args)

    def next_tick(self, moment: datetime) -> datetime:
        """The first daily tick at or after `moment`."""
        local = moment.astimezone(self.zone)
        tick = datetime.combine(local.date(), TICK_AT, tzinfo=self.zone)
        if tick < local:
            tick += timedelta(days=1)
        return clock.as_utc(tick)

    def run(self) -> dict[str, int]:
        """Tell the whole story, then write it; rows written per table."""
        from mall.demo import members

        for shop in self.shops:
            for product in shop.products.values():
                self.variants[product.id] = product.active_variants
                for variant in product.variants:
                    self.stock[variant.id] = variant.stock
        members.plan(self)
        tick = self.next_tick(self.first)
        while tick <= self.now:
            self.schedule(tick, lambda at: self.call("tick", at), order=TICK)
            tick += timedelta(days=1)
        while self._events:
            at, _order, _seq, action, args = heapq.heappop(self._events)
            action(at, *args)
        self.call("finish")
        self._write_stock()
        written = self.rows.write()
        recount_sales()  # "sort by sales" counts the generated orders too
        db.session.expire_all()  # stock and counts changed under the loaded rows
        return written

    def _write_stock(self) -> None:
        """Each variant's stock left, then its product's total of the variants on sale and from-price (as
        mall.catalog.variants.sync_product keeps them)."""
        for shop in self.shops:
            for product in shop.products.values():
                for variant in product.variants:
                    if self.stock[variant.id] != variant.stock:
                        self.rows.update("product_variants", variant.id, stock=self.stock[variant.id])
                on_sale = product.active_variants
                total = sum(self.stock[variant.id] for variant in on_sale)
                low = min((variant.price for variant in on_sale), default=product.price)
                if (total, low) != (product.stock, product.price):
                    self.rows.update("products", product.id, stock=total, price=low)


def generate(volume: Volume, shops: list) -> dict[str, int]:
    """Add `volume` to the demo's shops (each with `.tenant`, `.spec` and `.products` by key); the caller commits."""
    return Story(volume, shops).run()
