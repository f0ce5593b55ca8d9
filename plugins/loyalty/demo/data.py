"""The loyalty side of the demo's data: the two newer shops' programmes, the coupons every shop offers and
pushes, and the English name of every programme, tier and coupon (for the bilingual content's `_en` values)."""

from __future__ import annotations

#: Programme (shop slug, or "platform") → its English name where the stored one is Chinese.
PROGRAMME_NAMES_EN = {"gadget": "Geek Club", "fresh": "Fresh Club"}
#: Programme → tier code → the tier's English name.
TIER_NAMES_EN = {
    "platform": {"member": "Member", "gold": "Gold member", "black": "Black card", "plus": "Plus"},
    "vancl": {"normal": "Regular", "vip": "VIP", "svip": "SVIP"},
    "taobao": {"normal": "Regular", "vip": "VIP", "svip": "SVIP"},
    "fourtier": {"regular": "Regular", "silver": "Silver", "gold": "Gold", "diamond": "Diamond"},
    "gadget": {"normal": "Regular", "bronze": "Bronze", "silver": "Silver", "gold": "Gold"},
    "fresh": {"normal": "Regular", "silver": "Silver card", "gold": "Gold card"},
}
#: Coupon template name → its English name.
COUPON_NAMES_EN = {
    "满300减30": "¥30 off ¥300", "500积分换20元券": "¥20 coupon for 500 points", "平台包邮券": "Free shipping",
    "平台9折券": "10% off, mall-wide", "新人10元券": "¥10 welcome coupon", "生日8折券": "Birthday 20% off",
    "银牌月度9折券": "Silver monthly 10% off", "金牌季度8折券": "Gold quarterly 20% off",
    "会员专享满199减20": "Members: ¥20 off ¥199", "满88减8": "¥8 off ¥88", "老客回馈10元券": "¥10 thank-you coupon",
    "品茗9折券": "Tea lovers' 10% off", "满199减20": "¥20 off ¥199", "数码会员满99减10": "Gear members: ¥10 off ¥99",
    "满68减5": "¥5 off ¥68", "鲜果9折券": "Fresh fruit 10% off", "双11平台满300减30": "Double 11: ¥30 off ¥300",
    "618平台满200减20": "618: ¥20 off ¥200",
}

#: 极客数码: levels by number of orders, for life; a small member price from the second tier, and gold members
#: get 2 % back in their wallet's bonus balance when an order settles (a rebate the shop pays for).
GADGET = {
    "name": "极客会员",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}, "expiry": {"policy": "year_end", "years_after": 1},
               "redeem": {"points_per_unit": 100, "max_order_fraction": "0.2", "min_points": 100},
               "bonuses": {"join": 20, "review": 5}},
    "levels": {
        "metric": "orders", "count_at": "settlement", "window": {"kind": "lifetime"}, "upgrade": "jump",
        "tiers": [
            {"code": "normal", "name": "普通会员", "threshold": "0"},
            {"code": "bronze", "name": "铜牌会员", "threshold": "3", "discount": "0.99"},
            {"code": "silver", "name": "银牌会员", "threshold": "6", "discount": "0.97", "points_multiplier": "1.5"},
            {"code": "gold", "name": "金牌会员", "threshold": "12", "discount": "0.95", "points_multiplier": "2",
             "free_shipping": True, "rebate_rate": "0.02"},
        ],
    },
}

#: 鲜果时光: spend in the last 60 days, looked at every month; daily check-in points.
FRESH = {
    "name": "鲜果会员",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}, "expiry": {"policy": "fixed", "days": 180},
               "redeem": {"points_per_unit": 100, "max_order_fraction": "0.3", "min_points": 100},
               "bonuses": {"join": 30, "check_in": 1, "check_in_streak": {"7": 5}}},
    "levels": {
        "metric": "spend", "count_at": "settlement", "window": {"kind": "rolling", "days": 60, "evaluate": "month"},
        "upgrade": "jump",
        "tiers": [
            {"code": "normal", "name": "普通会员", "threshold": "0"},
            {"code": "silver", "name": "银卡会员", "threshold": "300", "discount": "0.98"},
            {"code": "gold", "name": "金卡会员", "threshold": "800", "discount": "0.95", "free_shipping": True},
        ],
    },
}

#: Shop slug → the coupon templates the demo adds: claimable ones in the coupon centre, and the one its
#: monthly push hands out ("push": True; a member may hold up to a year of them).
TEMPLATES = {
    "vancl": [{"name": "会员专享满199减20", "kind": "amount_off", "value": "20.00", "min_spend": "199.00",
               "valid_days": 14, "per_member_limit": 12, "push": True}],
    "taobao": [{"name": "满88减8", "kind": "amount_off", "value": "8.00", "min_spend": "88.00", "valid_days": 30,
                "claimable": True, "stock": 3000},
               {"name": "老客回馈10元券", "kind": "amount_off", "value": "10.00", "min_spend": "60.00",
                "valid_days": 14, "per_member_limit": 12, "push": True}],
    "fourtier": [{"name": "品茗9折券", "kind": "percent_off", "value": "0.90", "max_discount": "30.00",
                  "valid_days": 14, "per_member_limit": 12, "push": True}],
    "gadget": [{"name": "满199减20", "kind": "amount_off", "value": "20.00", "min_spend": "199.00", "valid_days": 30,
                "claimable": True, "stock": 2000},
               {"name": "数码会员满99减10", "kind": "amount_off", "value": "10.00", "min_spend": "99.00",
                "valid_days": 14, "per_member_limit": 12, "push": True}],
    "fresh": [{"name": "满68减5", "kind": "amount_off", "value": "5.00", "min_spend": "68.00", "valid_days": 30,
               "claimable": True, "stock": 4000},
              {"name": "鲜果9折券", "kind": "percent_off", "value": "0.90", "max_discount": "20.00", "valid_days": 14,
               "per_member_limit": 12, "push": True}],
    "platform": [{"name": "双11平台满300减30", "kind": "amount_off", "value": "30.00", "min_spend": "300.00",
                  "valid_days": 12, "push": True, "funded_by": "platform"},
                 {"name": "618平台满200减20", "kind": "amount_off", "value": "20.00", "min_spend": "200.00",
                  "valid_days": 10, "push": True, "funded_by": "platform"}],
}
#: Day of the month each shop pushes its coupon (10:00 shop time), five days apart, so no member ever reaches
#: the weekly cap of marketing messages; and the segment each month's push goes to, in turn.
PUSH_DAYS = {"vancl": 3, "taobao": 8, "fourtier": 13, "gadget": 18, "fresh": 23}
PUSH_SEGMENTS = ({}, {"activity": "sleeping"}, {"lifecycle": "repeat"})
#: The platform's pushes: (month, day, template name) to every member.
PLATFORM_PUSHES = ((6, 10, "618平台满200减20"), (11, 1, "双11平台满300减30"))
