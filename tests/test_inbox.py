"""The inbox: tier changes and birthday bonuses arrive once, in the reader's language, with an unread count."""

import copy
from datetime import date, timedelta

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from mall.notifications.models import Notification
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS, VANCL
from tests.fixtures.factories import PASSWORD
from tests.fixtures.programmes import START


def test_tier_change_and_birthday_reach_the_inbox(client, make_shop, make_user, make_product, make_programme,
                                                  checkout_at, settle):
    """Reaching VIP and a birthday bonus each leave one message; the header counts them until the inbox is read."""
    shop = make_shop(slug="vancl")
    programme = make_programme(shop, VANCL)
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["bonuses"]["birthday"] = 20
    tea = make_programme(make_shop(slug="tea"), doc)
    coat = make_product(shop, price="1000.00")
    user = make_user(birthday=date(1990, 2, 10))
    with clock.frozen_at(START):
        join_programme(programme, user)
        join_programme(tea, user)
        db.session.commit()
    (order,) = checkout_at(user, START, (coat, 2))
    settle(order, START + timedelta(days=1))
    for _ in range(2):
        run_tick(START.replace(month=2, day=10, hour=3))
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 2
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    home = client.get("/").get_data(as_text=True)
    assert 'Inbox <span class="pill">2</span>' in home
    inbox = client.get("/member/inbox").get_data(as_text=True)
    assert "Shop: you reached VIP." in inbox and "Happy birthday! 20 points from Four tiers." in inbox
    assert 'class="pill"' not in client.get("/member/inbox").get_data(as_text=True).split("<main")[0]
    client.post("/lang/zh")
    assert "Shop：恭喜您升级为VIP。" in client.get("/member/inbox").get_data(as_text=True)
