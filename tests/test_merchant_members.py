"""Merchant members: filters by tier, activity, spend and days asleep; member detail; points adjustment."""

from datetime import timedelta

import pytest

from mall import clock
from mall.audit.models import AuditEntry
from mall.extensions import db
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD


@pytest.fixture
def shop(make_shop, make_user, make_product, make_programme, checkout_at, add_staff):
    """A four-tier shop (activity: active ≤ 30 days, sleeping > 90): Ann bought 300.00 today, Ben 50.00 sixty
    days ago, Cy 20.00 two hundred days ago, Di never; plus a support and a manager."""
    owner = make_user(name="Owner")
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    product = make_product(tenant, price="10.00", stock=1000)
    now = clock.now()
    people = {}
    for name, days, qty in (("Ann", 0, 30), ("Ben", 60, 5), ("Cy", 200, 2), ("Di", None, 0)):
        user = make_user(name=name)
        join_programme(programme, user, now - timedelta(days=300))
        db.session.commit()
        if days is not None:
            checkout_at(user, now - timedelta(days=days), (product, qty))
        people[name] = user
    support, manager = make_user(name="Sue"), make_user(name="Max")
    add_staff(tenant, support, "support")
    add_staff(tenant, manager, "manager")
    return {"tenant": tenant, "programme": programme, "people": people, "support": support, "manager": manager,
            "owner": owner}


def _login(client, user):
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def _names(client, query=""):
    page = client.get(f"/admin/tea/loyalty/members{query}").get_data(as_text=True)
    return {name for name in ("Ann", "Ben", "Cy", "Di") if f">{name}</a>" in page}


def test_filters(client, shop):
    """Activity, spend and days asleep narrow the list, in SQL, with the programme's thresholds."""
    _login(client, shop["support"])
    assert _names(client) == {"Ann", "Ben", "Cy", "Di"}
    assert _names(client, "?activity=active") == {"Ann"}
    assert _names(client, "?activity=intermittent") == {"Ben"}
    assert _names(client, "?activity=sleeping") == {"Cy", "Di"}
    assert _names(client, "?min_spend=50") == {"Ann", "Ben"}
    assert _names(client, "?asleep_days=100") == {"Cy", "Di"}
    assert _names(client, "?level=regular&q=an") == {"Ann"}
    assert _names(client, "?min_spend=abc&asleep_days=-1") == {"Ann", "Ben", "Cy", "Di"}  # ignored, not a 500
    assert "No member matches" in client.get("/admin/tea/loyalty/members?q=zzz").get_data(as_text=True)


def test_member_detail_and_adjustment(client, shop):
    """A manager adds 50 points with a reason (logged); invalid values re-show the form and change nothing;
    support staff see the page but cannot adjust."""
    ann = shop["people"]["Ann"]
    url = f"/admin/tea/loyalty/members/{ann.id}"
    _login(client, shop["support"])
    page = client.get(url).get_data(as_text=True)
    assert "¥300.00" in page and "Adjust points" not in page
    assert client.post(url, data={"delta": 5, "reason": "hi"}).status_code == 403
    client.post("/logout")
    _login(client, shop["manager"])
    for data in ({"delta": 0, "reason": "zero"}, {"delta": 5, "reason": ""}, {"delta": "x", "reason": "ok ok"},
                 {"delta": -10_000, "reason": "too many"}):
        response = client.post(url, data=data)
        assert response.status_code == 422 and 'class="error"' in response.get_data(as_text=True), data
    assert membership(shop["programme"], ann).points_available == 100
    done = client.post(url, data={"delta": 50, "reason": "Late parcel"}, follow_redirects=True)
    assert "+50 points for Ann." in done.get_data(as_text=True) and "Late parcel" in done.get_data(as_text=True)
    db.session.expire_all()
    assert membership(shop["programme"], ann).points_available == 150
    entry = db.session.execute(db.select(AuditEntry).filter_by(action="points.adjusted")).scalar_one()
    assert entry.actor_id == shop["manager"].id and entry.details["delta"] == 50


def test_other_shops_and_shoppers_are_refused(client, shop, make_shop, make_user, make_programme):
    """Another shop's staff get 403 here; a member id of another shop is a 404; shoppers get 403."""
    other_owner = make_user()
    other = make_shop(owner=other_owner, slug="other")
    make_programme(other, FOUR_TIERS)
    _login(client, other_owner)
    assert client.get("/admin/tea/loyalty/members").status_code == 403
    assert client.get(f"/admin/other/loyalty/members/{shop['people']['Ann'].id}").status_code == 404
    client.post("/logout")
    _login(client, shop["people"]["Ann"])
    assert client.get("/admin/tea/loyalty/members").status_code == 403


def test_members_api_filters_by_activity(shop, api):
    """GET /api/v1/shops/<slug>/members?activity=sleeping lists Cy and Di (API.md)."""
    listed = api(shop["owner"]).get("/api/v1/shops/tea/members?activity=sleeping").json
    assert listed["total"] == 2
    assert {item["name"] for item in listed["items"]} == {"Cy", "Di"}
