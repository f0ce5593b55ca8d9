"""The demo's points malls: a few items in the VANCL shop's mall (one for SVIP members only) and the platform's;
Carol, a VIP of the shop, has redeemed one."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from mall import clock
from mall.catalog.models import Product
from mall.checkout.operations import place_checkout
from mall.demo.data import SHOPS
from mall.extensions import db
from plugins.loyalty.pointsmall.operations import mark
from plugins.loyalty.programmes.operations import platform_programme, programme_for

#: (shop, item key, points, cash part, lowest tier, per-member limit): the shop's own mall, then the platform's.
SHOP_ITEMS = (("vancl", "socks", 1500, "0", None, None), ("vancl", "cap", 1000, "19.00", None, 2),
              ("vancl", "belt", 3000, "29.00", "svip", 1))
PLATFORM_ITEMS = (("taobao", "candle", 2000, "9.90", None, None), ("fourtier", "cups", 3000, "0", "gold", 1))


def load(shops: dict, shoppers: list) -> None:
    """List the items, then Carol redeems a cap for 1000 points + 19.00 three days ago."""
    platform = platform_programme()
    for slug, key, points, cash, tier, limit in SHOP_ITEMS + PLATFORM_ITEMS:
        programme = programme_for(shops[slug]) if (slug, key) in {(s, k) for s, k, *_ in SHOP_ITEMS} else platform
        mark(programme, _variant(shops[slug], key), {"points_price": points, "cash_price": Decimal(cash),
                                                     "min_tier": tier, "per_member_limit": limit})
    carol = shoppers[2]
    with clock.frozen_at(clock.now() - timedelta(days=3)):
        place_checkout(carol, [{"variant_id": _variant(shops["vancl"], "cap").id, "qty": 1, "redeem": True}], {})


def _variant(tenant, key: str):
    """The first variant on sale of a demo product, by its key in the demo's data."""
    name = next(item.name for spec in SHOPS if spec.slug == tenant.slug for item in spec.items if item.key == key)
    product = db.session.execute(
        db.select(Product).where(Product.tenant_id == tenant.id, Product.name == name)).scalar_one()
    return product.active_variants[0]
