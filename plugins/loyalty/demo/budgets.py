"""The demo's campaign budgets: a four-tier shop coupon with a monthly budget partly spent this month, a push with a
campaign budget that runs out part-way (its other members recorded as budget spent), a points budget on a points
coupon, and the platform's co-funding budget for a co-funded shop coupon."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from mall import clock
from plugins.loyalty.coupons.operations import create_template, issue
from plugins.loyalty.pushes import operations as pushes

#: Moments this month (as fractions of the time since the month began) at which the demo's shoppers claimed.
CLAIMS = (0.1, 0.3, 0.45, 0.7, 0.9)


def load(platform, four, shoppers: list):
    """Budgets on the four-tier shop's coupons and pushes, and the platform's co-funding budget."""
    platform.cofunding_budget = {"amount": "20000.00", "period": "month"}
    capped = create_template(four, {
        "name": "限量满100减15", "name_en": "Limited: ¥15 off ¥100", "kind": "amount_off", "value": "15.00",
        "min_spend": "100.00", "valid_days": 30, "claimable": True, "per_member_limit": 3,
        "budget": {"amount": "600.00", "period": "month"}})
    create_template(four, {
        "name": "300积分换12元券", "name_en": "¥12 coupon for 300 points", "kind": "amount_off", "value": "12.00",
        "min_spend": "60.00", "valid_days": 30, "claimable": True, "points_price": 300, "per_member_limit": 5,
        "budget": {"points": 30000, "period": "month"}})
    shared = create_template(four, {
        "name": "平台共担满150减20", "name_en": "Co-funded: ¥20 off ¥150", "kind": "amount_off", "value": "20.00",
        "min_spend": "150.00", "valid_days": 14, "claimable": True, "funded_by": "split", "platform_share": "0.5",
        "budget": {"amount": "2000.00", "period": "campaign"}})
    now = clock.now()
    began = now.astimezone(ZoneInfo(clock.zone_of(four.tenant))).replace(day=1, hour=0, minute=0, second=0,
                                                                         microsecond=0)
    # Partly spent: Alice and Bob (members of the shop) claimed at moments spread over the month so far.
    for n, share in enumerate(CLAIMS):
        issue(capped, shoppers[n % 2], "claim", at=began + (now - began) * share + timedelta(seconds=n))
    # A push whose 30-yuan budget covers one coupon of 20: the other members are recorded as budget spent.
    pushes.create_push(four, {"template_id": shared.id, "filter": {}, "channels": ["inbox"],
                              "budget": {"amount": "30.00", "period": "campaign"}})
