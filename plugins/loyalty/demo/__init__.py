"""The loyalty part of the demo: programmes for every shop, coupons, the named shoppers' memberships and wallets,
and (in .volume) the ledgers of the months of trade."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

from mall import clock
from plugins.loyalty.coupons.operations import create_template, issue
from plugins.loyalty.demo import budgets, pointsmall, referrals, reminders, transfers
from plugins.loyalty.demo import events as demo_events
from plugins.loyalty.demo.data import COUPON_NAMES_EN, FRESH, GADGET, PROGRAMME_NAMES_EN, TEMPLATES, TIER_NAMES_EN
from plugins.loyalty.demo.rules import add_rules
from plugins.loyalty.members import operations as member_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.programmes.operations import programme_for, save_document
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes.operations import save_win_back
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, TAOBAO, VANCL
from plugins.loyalty.segments.operations import save_segment
from plugins.loyalty.wallet.operations import move, wallet_for


def load(shops: dict, shoppers: list):
    """Programmes for the five shops and the platform, members, coupons and wallet money; then a push."""
    alice, bob, carol = shoppers
    # The programmes and coupons are as old as the shops: the months of trade the demo may add use them.
    with clock.frozen_at(min(tenant.created_at for tenant in shops.values())):
        platform, vancl, taobao, four, templates = _programmes(shops)
        add_rules(shops)
    now = clock.now()
    for user in shoppers:
        join_programme(platform, user, now - timedelta(days=400))
    for programme, user, days in ((vancl, carol, 400), (vancl, alice, 60), (taobao, alice, 60), (taobao, bob, 60),
                                  (four, alice, 60), (four, bob, 350)):
        # Bob's 100 joining points in the four-tier shop lapse 365 days after joining: in 15 days.
        join_programme(programme, user, now - timedelta(days=days))
    demo_events.load({"vancl": vancl, "fourtier": four}, shoppers)
    issue(templates["shipping"], bob, "staff")
    move(wallet_for(alice), "cash", Decimal("500.00"), "top_up", "demo:alice:top-up")
    move(wallet_for(alice), "bonus", Decimal("30.00"), "adjust", "demo:alice:gift", reason="Welcome gift 新人礼金")
    move(wallet_for(bob), "cash", Decimal("120.00"), "top_up", "demo:bob:top-up")
    # Earlier purchases, settled as time went by, put the shoppers on different tiers.
    _bought_and_settled(carol, shops["vancl"], "oxford", 16, days_ago=300)  # 2064.00 → VIP for a year
    _bought_and_settled(alice, shops["fourtier"], "teapot", 3, days_ago=50)  # 1497.00 lifetime → 银牌
    _bought_and_settled(bob, shops["taobao"], "candle", 12, days_ago=40)  # 816.00 in 90 days → VIP
    referrals.load(shops, shoppers, platform)  # Alice's friends: two rewarded, one pending, one held
    reminders.load(shops, shoppers)  # Carol's silver card at Fresh Orchard, for the reminders the tick sends
    pointsmall.load(shops, shoppers)  # the shop's and the platform's points malls; Carol redeemed a cap
    with clock.frozen_at(now - timedelta(days=5)):
        member_ops.buy(platform, alice, "plus", "wallet", "demo:alice:plus")  # 30.00 bonus + 69.00 cash
    # A saved segment and the win-back campaign in the four-tier shop, for the pushes page.
    save_segment(four, "老顾客 Repeat buyers", {"lifecycle": "repeat"})
    save_segment(four, "沉睡会员 Sleeping", {"activity": "sleeping"})
    save_win_back(four, {"template_id": templates["monthly"].id, "channels": ["inbox", "email"], "period": "quarter"})
    budgets.load(platform, four, shoppers)
    transfers.load(programme_for(shops["gadget"]))  # a small member import in the gadget shop's history
    for programme in (four, platform):
        transfers.load_known(programme, shoppers)  # an import that finds its members there, and an export
    # Once the demo is saved, push the four-tier shop's 9-折 coupon to all its members through the queue
    # (inbox only, so the demo's report is the same at any hour: e-mail would wait out the quiet hours).
    monthly = templates["monthly"].id
    return lambda: pushes.create_push(four, {"template_id": monthly, "filter": {}, "channels": ["inbox"]})


def volume(story):
    """The loyalty side of the demo's months of trade (mall.demo.volume)."""
    from plugins.loyalty.demo.volume import LoyaltyVolume

    return LoyaltyVolume(story)


def _programmes(shops: dict) -> tuple:
    """The platform's and every shop's programme, with their coupon templates."""
    platform = _save(None, PLATFORM_PROGRAMME, "platform")
    vancl = _save(shops["vancl"], VANCL, "vancl")
    taobao = _save(shops["taobao"], TAOBAO, "taobao")
    four, templates = four_tiers_programme(shops["fourtier"])
    programmes = {"platform": platform, "vancl": vancl, "taobao": taobao, "fourtier": four,
                  "gadget": _save(shops["gadget"], GADGET, "gadget"),
                  "fresh": _save(shops["fresh"], FRESH, "fresh")}
    _template(vancl, {"name": "满300减30", "kind": "amount_off", "value": "30.00", "min_spend": "300.00",
                            "valid_days": 30, "claimable": True, "stock": 500, "exclude_sale_items": True})
    _template(vancl, {"name": "500积分换20元券", "kind": "amount_off", "value": "20.00", "min_spend": "100.00",
                            "valid_days": 30, "claimable": True, "points_price": 500})
    templates["shipping"] = _template(platform, {"name": "平台包邮券", "kind": "free_shipping",
                                                       "valid_days": 14, "claimable": True, "stock": 1000})
    _template(platform, {"name": "平台9折券", "kind": "percent_off", "value": "0.90", "max_discount": "50.00",
                               "valid_days": 30, "claimable": True, "stock": 1000})
    for slug, raws in TEMPLATES.items():
        for raw in raws:
            _template(programmes[slug], raw)
    return platform, vancl, taobao, four, templates


def _bought_and_settled(user, tenant, key: str, qty: int, days_ago: int) -> None:
    """A past order of one product (by its key in the demo's data), shipped at once and settled when its
    return window ended."""
    from mall.catalog.models import Product
    from mall.checkout.operations import place_checkout
    from mall.cli import run_tick
    from mall.demo.data import SHOPS
    from mall.extensions import db
    from mall.orders import operations as orders

    name = next(item.name for spec in SHOPS if spec.slug == tenant.slug for item in spec.items if item.key == key)
    product = db.session.execute(
        db.select(Product).where(Product.tenant_id == tenant.id, Product.name == name)).scalar_one()
    at = clock.now() - timedelta(days=days_ago)
    with clock.frozen_at(at):
        placed = place_checkout(user, [{"variant_id": product.active_variants[0].id, "qty": qty}], {})
        for order in placed.orders:
            orders.ship(order, None)
    run_tick(at + timedelta(days=tenant.return_window_days, hours=1))


def four_tiers_programme(tenant):
    """The four-tier programme with its joining, birthday, monthly and quarterly coupon templates."""
    programme = _save(tenant, FOUR_TIERS, "fourtier")
    join = _template(programme, {"name": "新人10元券", "kind": "amount_off", "value": "10.00",
                                       "min_spend": "50.00", "valid_days": 7})
    birthday = _template(programme, {"name": "生日8折券", "kind": "percent_off", "value": "0.80",
                                           "valid_days": 30})
    monthly = _template(programme, {"name": "银牌月度9折券", "kind": "percent_off", "value": "0.90",
                                          "valid_days": 30})
    quarterly = _template(programme, {"name": "金牌季度8折券", "kind": "percent_off", "value": "0.80",
                                            "valid_days": 90})
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["join_coupon"] = join.id
    doc["points"]["birthday_coupon"] = birthday.id
    doc["levels"]["tiers"][1]["coupons"] = [{"template": monthly.id, "every": "month"}]
    doc["levels"]["tiers"][2]["coupons"] = [{"template": quarterly.id, "every": "quarter"}]
    _save(tenant, doc, "fourtier")
    return programme, {"join": join, "birthday": birthday, "monthly": monthly, "quarterly": quarterly}


def _save(tenant, document: dict, slug: str):
    """Save a programme with its English names."""
    doc = copy.deepcopy(document)
    if slug in PROGRAMME_NAMES_EN:
        doc["name_en"] = PROGRAMME_NAMES_EN[slug]
    for tier in doc["levels"]["tiers"]:
        tier["name_en"] = TIER_NAMES_EN[slug][tier["code"]]
    return save_document(tenant, doc)


def _template(programme, raw: dict):
    """A coupon template, with its English name."""
    values = {k: v for k, v in raw.items() if k != "push"}
    values["name_en"] = COUPON_NAMES_EN[raw["name"]]
    return create_template(programme, values)
