"""The seeds' programme documents (PROGRAMME.md): VANCL style, Taobao shop, four tiers, the platform."""

VANCL = {
    "name": "VANCL style",
    "points": {
        "earn": {"per_amount": "1.00", "points": "2", "sale_points": "0.5", "payment_methods": {"wallet_bonus": "1"}},
        "expiry": {"policy": "inactivity", "days": 365},
        "redeem": {"points_per_unit": 50, "max_order_fraction": "0.3", "min_points": 100},
        "bonuses": {"join": 0, "check_in": 0, "check_in_streak": {}, "review": 0, "birthday": 0, "referral": 0},
        "join_coupon": None, "birthday_coupon": None,
    },
    "levels": {
        "metric": "spend", "count_at": "settlement", "window": {"kind": "validity", "days": 365},
        "upgrade": "step", "reset_on_change": True, "discount_sale_items": False,
        "activity": {"active_days": 30, "sleeping_days": 90},
        "tiers": [
            {"code": "normal", "name": "普通会员", "name_en": "Regular", "threshold": "0", "keep": "0",
             "discount": "1.00", "points_multiplier": "1"},
            {"code": "vip", "name": "VIP", "threshold": "2000", "keep": "1000", "discount": "0.98",
             "points_multiplier": "1.5"},
            {"code": "svip", "name": "SVIP", "threshold": "2500", "keep": "2500", "discount": "0.95",
             "points_multiplier": "2"},
        ],
    },
}

TAOBAO = {
    "name": "Taobao shop",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}, "expiry": {"policy": "year_end", "years_after": 1},
               "redeem": {"points_per_unit": 100, "max_order_fraction": "0.5", "min_points": 0}},
    "levels": {
        "metric": "spend", "count_at": "settlement", "window": {"kind": "rolling", "days": 90, "evaluate": "month"},
        "upgrade": "jump",
        "tiers": [
            {"code": "normal", "name": "普通会员", "name_en": "Regular", "threshold": "0", "discount": "1.00"},
            {"code": "vip", "name": "VIP", "threshold": "800", "discount": "0.98"},
            {"code": "svip", "name": "SVIP", "threshold": "1500", "discount": "0.95"},
        ],
    },
}

FOUR_TIERS = {
    "name": "Four tiers",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}, "expiry": {"policy": "fixed", "days": 365},
               "redeem": {"points_per_unit": 100, "max_order_fraction": "0.5", "min_points": 100},
               "bonuses": {"join": 100, "check_in": 5, "check_in_streak": {"7": 20}, "review": 10}},
    "levels": {
        "metric": "spend", "count_at": "settlement", "window": {"kind": "lifetime"}, "upgrade": "jump",
        "tiers": [
            {"code": "regular", "name": "普通", "name_en": "Regular", "threshold": "0", "points_multiplier": "1"},
            {"code": "silver", "name": "银牌", "name_en": "Silver", "threshold": "1000", "points_multiplier": "2",
             "free_shipping": True},
            {"code": "gold", "name": "金牌", "name_en": "Gold", "threshold": "5000", "points_multiplier": "3",
             "perks": ["优先发货"], "perks_en": ["Priority shipping"]},
            {"code": "diamond", "name": "钻石", "name_en": "Diamond", "threshold": "20000", "points_multiplier": "4",
             "perks": ["专属客服", "优先发货"], "perks_en": ["Priority service", "Priority shipping"]},
        ],
    },
}

PLATFORM_PROGRAMME = {
    "name": "Mall Plus",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}, "expiry": {"policy": "year_end", "years_after": 1},
               "redeem": {"points_per_unit": 100, "max_order_fraction": "0.1", "min_points": 100},
               "bonuses": {"join": 50, "check_in": 2, "check_in_streak": {"7": 10}, "referral": 200}},
    "levels": {
        "metric": "spend", "count_at": "settlement", "window": {"kind": "lifetime"}, "upgrade": "jump",
        "tiers": [
            {"code": "member", "name": "会员", "name_en": "Member", "threshold": "0"},
            {"code": "gold", "name": "黄金会员", "name_en": "Gold", "threshold": "5000", "points_multiplier": "1.5"},
            {"code": "black", "name": "黑卡会员", "name_en": "Black card", "threshold": "20000",
             "points_multiplier": "2", "rebate_rate": "0.05", "free_shipping": True},
            {"code": "plus", "name": "Plus", "threshold": "0", "fee": "99.00", "duration_days": 365,
             "free_shipping": True, "perks": ["专属客服"], "perks_en": ["Priority service"]},
        ],
    },
}
