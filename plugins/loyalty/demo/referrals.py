"""The demo's referrals: Alice invited four friends; two were rewarded, one waits for a first order, one is held.

The platform's programme gives the new member 50 points beside the referrer's 200, so both sides show. Every
step goes through the real code: sign-up with Alice's code, orders placed, shipped and settled by the tick.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from mall import clock
from mall.accounts import operations as accounts
from mall.addresses.operations import add_address, default_address
from plugins.loyalty.programmes.operations import save_document

#: The friends Alice invited: (e-mail, name, days since they signed up, days since their first order or None,
#: whether they ship to Alice's own address). Orders settle after the Taobao shop's return window.
FRIENDS = (
    ("dave@mall-demo.cn", "Dave 周", 60, 40, False),
    ("grace@mall-demo.cn", "Grace 孙", 50, 35, True),
    ("erin@mall-demo.cn", "Erin 吴", 45, 30, False),
    ("frank@mall-demo.cn", "Frank 郑", 6, None, False),
)
REFEREE_BONUS = 50
#: The friends' own delivery addresses (Grace uses Alice's instead: her referral is held for it).
HOMES = {
    "dave@mall-demo.cn": {"name": "周大伟", "phone": "13911110001", "region": "浙江省", "city": "杭州市",
                          "district": "西湖区", "street": "文三路 90 号", "postcode": "310012"},
    "erin@mall-demo.cn": {"name": "吴艺", "phone": "13911110002", "region": "江苏省", "city": "南京市",
                          "district": "鼓楼区", "street": "中山北路 30 号", "postcode": "210008"},
    "frank@mall-demo.cn": {"name": "郑峰", "phone": "13911110003", "region": "广东省", "city": "深圳市",
                           "district": "南山区", "street": "科技园路 8 号", "postcode": "518057"},
}


def load(shops: dict, shoppers: list, platform) -> None:
    """Give the platform's programme a new member's bonus, then let Alice's friends sign up and buy."""
    from mall.demo import PASSWORD, one_password_hash
    from plugins.loyalty.demo import _bought_and_settled

    alice = shoppers[0]
    doc = copy.deepcopy(platform.document)
    doc["points"]["bonuses"]["referee"] = REFEREE_BONUS
    save_document(None, doc)
    now = clock.now()
    friends = []
    with one_password_hash():
        for email, name, joined, _bought, at_alices in FRIENDS:
            with clock.frozen_at(now - timedelta(days=joined)):
                friend = accounts.register(email, PASSWORD, name, referral_code=alice.referral_code)
                add_address(friend, default_address(alice).snapshot() if at_alices else HOMES[email])
            friends.append(friend)
    # Oldest order first: each settles by a tick at its own moment, and the ticks keep the calendar's order.
    for friend, (*_rest, bought, _at_alices) in zip(friends, FRIENDS, strict=True):
        if bought is not None:
            _bought_and_settled(friend, shops["taobao"], "candle", 1, days_ago=bought)
