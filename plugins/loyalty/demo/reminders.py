"""The demo's reminders: Carol's silver card at Fresh Orchard, earned by an order about to leave the rolling window.

With Bob's joining points in the four-tier shop lapsing within a month (demo/__init__.py), the tick that the demo
runs at its own moment sends both through the real reminder operation: Bob is told his points expire, Carol what
keeps her silver card at the next monthly evaluation, and each got "you reached" when their orders settled.
"""

from __future__ import annotations

import math
from datetime import timedelta

from mall import clock
from mall.catalog.models import Product
from mall.checkout.operations import place_checkout
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.programmes.operations import programme_for
from plugins.loyalty.reminders.operations import next_boundary

#: Chilean cherries, 89.00 a box: four make 356.00, past Fresh Orchard's 300 for its silver card.
CHERRIES = "智利车厘子"


def load(shops: dict, shoppers: list) -> None:
    """Carol joins Fresh Orchard and buys four boxes of cherries, settled 61 days before the next month begins: the
    order counts until then, so she is silver now, and from 30 days before that evaluation the tick reminds her to
    spend ¥300.00 to keep it (on the first day of a 31-day month that is still a day away)."""
    carol = shoppers[2]
    fresh = shops["fresh"]
    now = clock.now()
    boundary = next_boundary(now, clock.zone_of(fresh), "month")
    window = timedelta(days=fresh.return_window_days)
    # Shipped at once and settled when the return window ends (an hour later): the credit is 61 days before the
    # boundary, inside the 60-day window now and at the last evaluation, outside it at the next one.
    days_ago = math.ceil((now - (boundary - timedelta(days=61) - window)) / timedelta(days=1))
    bought = now - timedelta(days=days_ago)
    join_programme(programme_for(fresh), carol, bought - timedelta(days=1))
    product = db.session.execute(db.select(Product).where(Product.tenant_id == fresh.id, Product.name == CHERRIES)) \
        .scalar_one()
    with clock.frozen_at(bought):
        placed = place_checkout(carol, [{"variant_id": product.active_variants[0].id, "qty": 4}], {})
        for order in placed.orders:
            orders.ship(order, None)
    # Only the settlement, not a whole tick: a tick at a past moment would re-evaluate others' rolling windows as of
    # then, after their later orders.
    with clock.frozen_at(bought + window + timedelta(hours=1)):
        orders.settle_due_orders(clock.now())
