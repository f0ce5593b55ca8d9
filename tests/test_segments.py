"""Segment filters in SQL agree with an independent computation in Python over generated members and orders."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.extensions import db
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.segments.operations import segment_select
from plugins.loyalty.segments.schemas import load_filter
from tests.fixtures.programmes import START

NOW = START + timedelta(days=400)
CATEGORIES = ("Tea", "Teaware", "Snacks")


@pytest.fixture
def world(make_shop, make_user, make_product, make_programme, checkout_at):
    """A four-tier shop with 3 categories and 40 members with random birthdays, consent, points, join dates,
    tiers and 0–4 orders spread over the last 200 days; the Python side keeps its own record of each."""
    rng = random.Random(20261122)
    shop = make_shop(slug="tea")
    programme = make_programme(shop, FOUR_TIERS)
    products = [make_product(shop, price=price, stock=100000, category=category)
                for category in CATEGORIES for price in ("12.50", "88.00")]
    people = []
    for i in range(40):
        birthday = date(1990, rng.randint(1, 12), rng.randint(1, 28)) if rng.random() < 0.8 else None
        user = make_user(name=f"Member {i}", birthday=birthday, consent_email=rng.random() < 0.5,
                         consent_sms=rng.random() < 0.3)
        joined = NOW - timedelta(days=rng.randint(201, 390))
        with clock.frozen_at(joined):
            member, _ = join_programme(programme, user, joined)
            ledger.credit(member, rng.randint(0, 3000), "adjust", f"seed:{i}")
        member.tier_code = rng.choice(["regular", "silver", "gold"])
        db.session.commit()
        orders = []
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
            at = NOW - timedelta(days=rng.randint(0, 200), hours=rng.randint(0, 23))
            items = [(rng.choice(products), rng.randint(1, 3)) for _ in range(rng.randint(1, 2))]
            orders.append(at)
            for order in checkout_at(user, at, *items):
                orders.append(order)
        orders = [o for o in orders if not isinstance(o, type(NOW))]
        people.append({"user": user, "member": member, "joined": joined, "orders": orders})
    db.session.expire_all()
    categories = {p.id: p.category_id for p in products}
    record = []
    for person in people:
        m, user = person["member"], person["user"]
        spend_by_category: dict = {}
        for order in person["orders"]:
            for line in order.lines:
                spend_by_category[categories[line.product_id]] = spend_by_category.get(
                    categories[line.product_id], Decimal(0)) + line.paid
        top = sorted(spend_by_category.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if spend_by_category else None
        record.append({
            "user_id": user.id, "tier": m.tier_code, "points": m.points_available, "joined": person["joined"],
            "birthday": user.birthday, "email": user.consent_email, "sms": user.consent_sms,
            "orders": [(o.paid_at, o.total - o.refunded_amount) for o in person["orders"]],
            "last": max((o.paid_at for o in person["orders"]), default=None), "top": top,
        })
    return {"programme": programme, "people": record, "category": {p.category.name: p.category_id
                                                                    for p in products}}


def _expected(person, f, category_ids):
    """The filter computed in Python from the generated record, independently of the SQL."""
    orders = person["orders"]
    checks = []
    if "tier" in f:
        checks.append(person["tier"] in f["tier"])
    if "lifecycle" in f:
        checks.append({"never_bought": len(orders) == 0, "one_time": len(orders) == 1,
                       "repeat": len(orders) >= 2}[f["lifecycle"]])
    if "activity" in f:
        last = person["last"]
        elapsed = NOW - last if last else None
        state = ("sleeping" if elapsed is None or elapsed > timedelta(days=90) else
                 "active" if elapsed <= timedelta(days=30) else "intermittent")
        checks.append(state == f["activity"])
    if "recent" in f:
        recent = [(at, money) for at, money in orders if at >= NOW - timedelta(days=f["recent"]["days"])]
        if "min_orders" in f["recent"]:
            checks.append(len(recent) >= f["recent"]["min_orders"])
        if "min_spend" in f["recent"]:
            checks.append(sum((money for _at, money in recent), Decimal(0)) >= Decimal(f["recent"]["min_spend"]))
    if "min_spend" in f:
        checks.append(sum((money for _at, money in orders), Decimal(0)) >= Decimal(f["min_spend"]))
    if "asleep_days" in f:
        checks.append(person["last"] is None or person["last"] <= NOW - timedelta(days=f["asleep_days"]))
    if "preferred_category" in f:
        checks.append(person["top"] == category_ids[f["preferred_category"]])
    if "birthday_month" in f:
        checks.append(person["birthday"] is not None and person["birthday"].month == f["birthday_month"])
    if "points_min" in f:
        checks.append(person["points"] >= f["points_min"])
    if "points_max" in f:
        checks.append(person["points"] <= f["points_max"])
    if "joined_after" in f:
        checks.append(person["joined"] >= NOW - timedelta(days=f["joined_after"]))
    if "consent" in f:
        checks.append(person[f["consent"]])
    if "slept_since" in f:
        last, since = person["last"], NOW - timedelta(days=f["slept_since"])
        checks.append(last is not None and since - timedelta(days=90) < last < NOW - timedelta(days=90))
    return all(checks)


SINGLE = [
    {"tier": ["silver"]}, {"tier": ["regular", "gold"]}, {"lifecycle": "never_bought"}, {"lifecycle": "one_time"},
    {"lifecycle": "repeat"}, {"activity": "active"}, {"activity": "intermittent"}, {"activity": "sleeping"},
    {"recent": {"days": 30, "min_orders": 1}}, {"recent": {"days": 90, "min_spend": "150.00"}},
    {"min_spend": "200"}, {"asleep_days": 60}, {"preferred_category": "Tea"}, {"preferred_category": "Snacks"},
    {"birthday_month": 3}, {"points_min": 1500}, {"points_max": 500}, {"joined_after": 300}, {"consent": "email"},
    {"consent": "sms"}, {"slept_since": 30}, {"slept_since": 120},
]


def _run(world, f):
    raw = dict(f)
    if "preferred_category" in raw:
        raw["preferred_category"] = world["category"][raw["preferred_category"]]
    if "joined_after" in raw:
        raw["joined_after"] = (NOW - timedelta(days=raw["joined_after"])).isoformat()
    if "slept_since" in raw:
        raw["slept_since"] = (NOW - timedelta(days=raw["slept_since"])).isoformat()
    loaded = load_filter({"filter": raw})
    sql = {m.user_id for m in db.session.execute(segment_select(world["programme"], loaded, NOW)).scalars()}
    python = {p["user_id"] for p in world["people"] if _expected(p, f, world["category"])}
    return sql, python


def test_each_filter_and_random_combinations(world):
    """Every single filter, then 40 random combinations of two or three, give the same members both ways."""
    for f in SINGLE:
        sql, python = _run(world, f)
        assert sql == python, f
    assert any(_run(world, f)[0] for f in SINGLE)  # the data is rich enough that filters find people
    rng = random.Random(7)
    for _ in range(40):
        combined: dict = {}
        for f in rng.sample(SINGLE, rng.choice([2, 3])):
            combined.update(f)
        if combined.get("points_min", 0) > combined.get("points_max", 10**9):
            continue  # refused as a contradiction (tested below)
        sql, python = _run(world, combined)
        assert sql == python, combined


@pytest.mark.parametrize("body,field", [
    ({"filter": {"lifecycle": "sometimes"}}, "lifecycle"),
    ({"filter": {"birthday_month": 13}}, "birthday_month"),
    ({"filter": {"points_min": 10, "points_max": 5}}, "points_max"),
    ({"filter": {"recent": {"min_orders": 1}}}, "days"),
    ({"filter": {"colour": "red"}}, "colour"),
    ({"filter": "everyone"}, "filter"),
    ({}, "filter"),
])
def test_invalid_filters_are_422(api, make_shop, make_user, make_programme, body, field):
    """The preview endpoint names the field of a bad filter."""
    owner = make_user()
    make_programme(make_shop(owner=owner, slug="tea"), FOUR_TIERS)
    response = api(owner).post("/api/v1/shops/tea/segments/preview", body)
    assert response.status_code == 422 and field in str(response.json["error"]["fields"])


def test_preview_counts_and_samples(api, make_shop, make_user, make_programme):
    """Two of three members gave e-mail consent: the preview says 2 and samples them."""
    owner = make_user()
    programme = make_programme(make_shop(owner=owner, slug="tea"), FOUR_TIERS)
    for consent in (True, True, False):
        join_programme(programme, make_user(consent_email=consent))
    db.session.commit()
    reply = api(owner).post("/api/v1/shops/tea/segments/preview", {"filter": {"consent": "email"}}).json
    assert reply["count"] == 2 and len(reply["sample"]) == 2
