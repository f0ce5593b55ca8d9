"""The loyalty part of the demo: the seeds' programmes, coupons, memberships and wallets."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

from mall import clock
from plugins.loyalty.coupons import create_template, issue
from plugins.loyalty.lifecycle import join_programme
from plugins.loyalty.programmes import save_document
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME, TAOBAO, VANCL
from plugins.loyalty.wallet import move, wallet_for


def load(shops: dict, shoppers: list) -> None:
    """Programmes for the three shops and the platform, then members, coupons and wallet money."""
    alice, bob, carol = shoppers
    platform = save_document(None, copy.deepcopy(PLATFORM_PROGRAMME))
    vancl = save_document(shops["vancl"], copy.deepcopy(VANCL))
    taobao = save_document(shops["taobao"], copy.deepcopy(TAOBAO))
    four, _templates = four_tiers_programme(shops["fourtier"])
    create_template(vancl, {"name": "满300减30", "kind": "amount_off", "value": "30.00", "min_spend": "300.00",
                            "valid_days": 30, "claimable": True, "stock": 500, "exclude_sale_items": True})
    create_template(vancl, {"name": "500积分换20元券", "kind": "amount_off", "value": "20.00", "min_spend": "100.00",
                            "valid_days": 30, "claimable": True, "points_price": 500})
    shipping = create_template(platform, {"name": "平台包邮券", "kind": "free_shipping", "valid_days": 14,
                                          "claimable": True, "stock": 1000})
    create_template(platform, {"name": "平台9折券", "kind": "percent_off", "value": "0.90", "max_discount": "50.00",
                               "valid_days": 30, "claimable": True, "stock": 1000})
    joined = clock.now() - timedelta(days=60)
    for user in shoppers:
        join_programme(platform, user, joined)
    for programme, members in ((vancl, (alice, carol)), (taobao, (alice, bob)), (four, (alice, bob))):
        for user in members:
            join_programme(programme, user, joined)
    issue(shipping, bob, "staff")
    move(wallet_for(alice), "cash", Decimal("500.00"), "top_up", "demo:alice:top-up")
    move(wallet_for(alice), "bonus", Decimal("30.00"), "adjust", "demo:alice:gift", reason="Welcome gift 新人礼金")
    move(wallet_for(bob), "cash", Decimal("120.00"), "top_up", "demo:bob:top-up")


def four_tiers_programme(tenant):
    """The four-tier programme with its joining, birthday, monthly and quarterly coupon templates."""
    programme = save_document(tenant, copy.deepcopy(FOUR_TIERS))
    join = create_template(programme, {"name": "新人10元券", "kind": "amount_off", "value": "10.00",
                                       "min_spend": "50.00", "valid_days": 7})
    birthday = create_template(programme, {"name": "生日8折券", "kind": "percent_off", "value": "0.80",
                                           "valid_days": 30})
    monthly = create_template(programme, {"name": "银牌月度9折券", "kind": "percent_off", "value": "0.90",
                                          "valid_days": 30})
    quarterly = create_template(programme, {"name": "金牌季度8折券", "kind": "percent_off", "value": "0.80",
                                            "valid_days": 90})
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["join_coupon"] = join.id
    doc["points"]["birthday_coupon"] = birthday.id
    doc["levels"]["tiers"][1]["coupons"] = [{"template": monthly.id, "every": "month"}]
    doc["levels"]["tiers"][2]["coupons"] = [{"template": quarterly.id, "every": "quarter"}]
    save_document(tenant, doc)
    return programme, {"join": join, "birthday": birthday, "monthly": monthly, "quarterly": quarterly}
