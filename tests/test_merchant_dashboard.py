"""The merchant loyalty dashboard's charts carry the right figures."""

import html
import json
import re
from datetime import timedelta

from mall import clock
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD


def _charts(page: str) -> list[dict]:
    return [json.loads(html.unescape(raw)) for raw in re.findall(r'data-chart="([^"]+)"', page)]


def test_dashboard_figures(client, make_shop, make_user, make_product, make_programme, checkout_at, settle):
    """Two members (one silver after spending 1000), one active; 1000 earned + 200 joining points issued and
    100 redeemed this week; one coupon issued and used; revenue by tier."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea", return_window_days=0)
    programme = make_programme(tenant, FOUR_TIERS)
    now = clock.now()
    buyer, idle = make_user(), make_user()
    for user in (buyer, idle):
        join_programme(programme, user, now - timedelta(hours=3))
    template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                      "valid_days": 7})
    with clock.frozen_at(now - timedelta(hours=3)):
        coupon = coupon_ops.issue(template, buyer, "staff")
    db.session.commit()
    product = make_product(tenant, price="1010.00")
    (order,) = checkout_at(buyer, now - timedelta(hours=2), (product, 1), coupons=[coupon.id], points={"tea": 100})
    settle(order, now - timedelta(hours=1))
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    page = client.get("/admin/tea/loyalty/dashboard").get_data(as_text=True)
    tiers, activity, points, coupons, revenue = _charts(page)
    # The page is in English: the tiers' English names (the seeds give each tier one).
    assert dict(zip(tiers["labels"], tiers["series"][0]["data"], strict=True)) == {"Regular": 1, "Silver": 1,
                                                                                 "Gold": 0, "Diamond": 0}
    assert activity["series"][0]["data"] == [1, 0, 1]
    issued, redeemed, expired = (s["data"][-1] for s in points["series"])
    assert (issued, redeemed, expired) == (200 + 1004, 100, 0)  # (1010 − 5 − 1.00) × 1 point per yuan
    assert [s["data"][-1] for s in coupons["series"]] == [1, 1]
    assert revenue["series"][0]["data"] == ["0", "1004.00", "0", "0"]
    assert "chart.umd.min.js" in page


def test_empty_dashboard_says_what_to_do(client, make_shop, make_user, make_programme):
    """Without members there are no charts, just the next step."""
    owner = make_user()
    make_programme(make_shop(owner=owner, slug="tea"), FOUR_TIERS)
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    page = client.get("/admin/tea/loyalty/dashboard").get_data(as_text=True)
    assert "No members yet" in page and "data-chart" not in page
