"""The demo's member events: two shops pay for following the shop, a complete profile and a review with a photo,
and the named shoppers have done some of them."""

from __future__ import annotations

import copy
from datetime import timedelta

from mall import clock
from plugins.loyalty.events.operations import report
from plugins.loyalty.events.receivers import profile_completed
from plugins.loyalty.members.operations import memberships_of
from plugins.loyalty.programmes.operations import save_document

EVENTS = {
    "follow_shop": {"points": 20, "limit": "once", "name": "关注店铺", "name_en": "Follow the shop"},
    "profile_completed": {"points": 50, "limit": "once", "name": "完善个人资料", "name_en": "Complete your profile"},
    "review_photo": {"points": 15, "limit": 5, "name": "晒图评价", "name_en": "Review with a photo"},
}
#: The four-tier shop also pays a little for sharing a product, once a day.
SHARE = {"share": {"points": 2, "limit": "daily", "name": "分享商品", "name_en": "Share a product"}}


def load(programmes: dict, shoppers: list) -> None:
    """Add the events to the VANCL and four-tier programmes; Alice completes her profile, follows both shops,
    shares and posts photo reviews; Bob follows the four-tier shop; Carol follows VANCL."""
    alice, bob, carol = shoppers
    vancl, four = programmes["vancl"], programmes["fourtier"]
    for programme, extra in ((vancl, {}), (four, SHARE)):
        doc = copy.deepcopy(programme.document)
        doc["points"]["events"] = {**EVENTS, **extra}
        save_document(programme.tenant, doc)
    now = clock.now()
    alice.phone = "13800138001"  # as saved on her account page: name, phone and birthday make a complete profile
    for member in memberships_of(alice):
        profile_completed(member, at=now - timedelta(days=20))
    done = [(four, alice, "follow_shop", 30), (vancl, alice, "follow_shop", 25), (four, bob, "follow_shop", 12),
            (vancl, carol, "follow_shop", 90), (four, alice, "review_photo", 18), (four, alice, "review_photo", 9),
            (four, alice, "share", 0), (four, bob, "share", 3)]
    for i, (programme, user, event, days_ago) in enumerate(done):
        report(programme, user, event, f"demo-{i}", at=now - timedelta(days=days_ago, hours=1))
