"""Earning rules (`points.rules`): what they add, stacked with the tier, capped and budgeted; numbers by hand.

The shop earns 1 point a yuan; Gold multiplies by 1.5. Its zone is Asia/Shanghai (UTC+8): SAT is Saturday
2026-01-10 10:00 there, MON Monday 2026-01-12 10:00. Shoes cost 100.00, socks 40.00; no member discount.
"""

import copy
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from mall import clock
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.programmes.operations import save_document
from plugins.loyalty.rules.models import RuleGrant

SHANGHAI = ZoneInfo("Asia/Shanghai")
SAT = datetime(2026, 1, 10, 10, 0, tzinfo=SHANGHAI)
SUN = SAT + timedelta(days=1)
MON = SAT + timedelta(days=2)
DOC = {
    "name": "Rules shop",
    "points": {"earn": {"per_amount": "1.00", "points": "1"}},
    "levels": {"tiers": [{"code": "normal", "name": "普通", "threshold": "0"},
                         {"code": "gold", "name": "金卡", "name_en": "Gold", "threshold": "100000",
                          "points_multiplier": "1.5"}]},
}


@pytest.fixture
def shop(make_shop, make_user, make_product, make_programme):
    owner = make_user()
    tenant = make_shop(owner=owner, slug="rules", return_window_days=7)
    shoes = make_product(tenant, price="100.00", stock=1000, category="Shoes")
    socks = make_product(tenant, price="40.00", stock=1000, category="Socks")
    programme = make_programme(tenant, DOC)
    return {"tenant": tenant, "owner": owner, "programme": programme, "shoes": shoes, "socks": socks,
            "shoes_category": shoes.category_id}


def _with_rules(shop, *rules):
    """Save the shop's programme with these rules (a new version)."""
    doc = copy.deepcopy(DOC)
    doc["points"]["rules"] = [copy.deepcopy(r) for r in rules]
    save_document(shop["tenant"], doc)
    db.session.commit()


def _double(shop, stacking="add", **more):
    """The pinned example: 2× on shoes, on weekends, for Gold only."""
    return {"name": "Double weekend", "categories": [shop["shoes_category"]], "weekdays": [6, 7],
            "tiers": ["gold"], "multiplier": "2", "stacking": stacking, **more}


@pytest.fixture
def join(shop, make_user):
    def make(tier="gold"):
        user = make_user()
        with clock.frozen_at(SAT - timedelta(days=30)):
            member, _created = join_programme(shop["programme"], user)
            member.tier_code = tier
            db.session.commit()
        return user
    return make


def _m(user, shop) -> Membership:
    db.session.expire_all()
    return db.session.execute(db.select(Membership).filter_by(user_id=user.id,
                                                              programme_id=shop["programme"].id)).scalar_one()


def _pending(user, shop) -> int:
    return _m(user, shop).points_pending


def test_double_weekend_for_gold_added_to_the_tier(shop, join, checkout_at):
    """add: shoes earn 1.5 + (2 − 1) = 2.5×: 100 × 2.5 + socks 40 × 1.5 = 250 + 60 = 310 (the rule's part: 100)."""
    _with_rules(shop, _double(shop, "add"))
    user = join()
    (order,) = checkout_at(user, SAT, (shop["shoes"], 1), (shop["socks"], 1))
    assert _pending(user, shop) == 310
    (grant,) = db.session.execute(db.select(RuleGrant)).scalars().all()
    assert (grant.order_id, grant.name, grant.asked, grant.points) == (order.id, "Double weekend", 100, 100)
    assert violations() == []


def test_double_weekend_for_gold_best_of_rule_and_tier(shop, join, checkout_at):
    """best: shoes earn max(2, 1.5) = 2×: 200 + 60 = 260 (the rule's part: 50)."""
    _with_rules(shop, _double(shop, "best"))
    user = join()
    checkout_at(user, SAT, (shop["shoes"], 1), (shop["socks"], 1))
    assert _pending(user, shop) == 260


def test_best_never_lowers_a_higher_tier_multiplier(shop, join, checkout_at):
    """A 1.2× "best" rule on a 1.5× tier gives nothing: max(1.2, 1.5) = 1.5 → 150 on the shoes."""
    _with_rules(shop, _double(shop, "best", multiplier="1.2"))
    user = join()
    checkout_at(user, SAT, (shop["shoes"], 1))
    assert _pending(user, shop) == 150
    assert db.session.execute(db.select(RuleGrant)).first() is None


@pytest.mark.parametrize("case", ["weekday", "tier", "category", "window"])
def test_what_the_rule_does_not_name_earns_nothing_extra(shop, join, checkout_at, case):
    """A Monday, a normal member, socks only, or a sale window that has ended: the tier's points alone."""
    window = {"from": "2026-01-01T00:00:00", "until": "2026-01-10T10:00:00"} if case == "window" else {}
    _with_rules(shop, _double(shop, **window))
    user = join("normal" if case == "tier" else "gold")
    at = MON if case == "weekday" else SAT
    checkout_at(user, at, (shop["socks"] if case == "category" else shop["shoes"], 1))
    expected = {"weekday": 150, "tier": 100, "category": 60, "window": 150}[case]  # `until` is excluded
    assert _pending(user, shop) == expected


def test_window_includes_its_start_in_the_programme_zone(shop, join, checkout_at):
    """from 2026-01-10T10:00 local is 02:00 UTC: paying at that moment is inside (100 × 2.5 = 250)."""
    _with_rules(shop, _double(shop, **{"from": "2026-01-10T10:00:00", "until": "2026-01-11T00:00:00"}))
    user = join()
    checkout_at(user, SAT, (shop["shoes"], 1))
    assert _pending(user, shop) == 250


def test_fractions_are_floored_once_for_the_order(shop, join, checkout_at, make_product):
    """Shoes at 10.01, add: 10.01 × 1.5 = 15.015 plus 10.01 × 1 = 10.01 → floor(25.025) = 25; the rule's part
    is 25 − floor(15.015) = 10."""
    cheap = make_product(shop["tenant"], price="10.01", stock=10, category="Shoes")
    _with_rules(shop, _double(shop))
    user = join()
    checkout_at(user, SAT, (cheap, 1))
    assert _pending(user, shop) == 25
    assert db.session.execute(db.select(RuleGrant.points)).scalar_one() == 10


def test_several_rules_best_multiplier_per_line_and_extra_points_add_up(shop, join, checkout_at):
    """Two multiplier rules cover the shoes: the line takes the best (add 3× → 1.5 + 2 = 3.5×, over add 2× → 2.5×),
    never their product; a 20-point weekend bonus adds once. 100 × 3.5 + 40 × 1.5 + 20 = 350 + 60 + 20 = 430."""
    triple = {"name": "Triple shoes", "products": [shop["shoes"].id], "multiplier": "3", "stacking": "add"}
    bonus = {"name": "Weekend bonus", "weekdays": [6, 7], "extra_points": 20}
    _with_rules(shop, _double(shop), triple, bonus)
    user = join()
    checkout_at(user, SAT, (shop["shoes"], 1), (shop["socks"], 1))
    assert _pending(user, shop) == 430
    given = dict(db.session.execute(db.select(RuleGrant.name, RuleGrant.points)).all())
    assert given == {"Triple shoes": 200, "Weekend bonus": 20}


def test_payment_method_rule_covers_only_the_share_paid_that_way(shop, join, checkout_at):
    """A 3× best rule on wallet money: 100 shoes paid 40 from the wallet and 60 by card, normal member:
    60 × 1 + 40 × 3 = 180."""
    from plugins.loyalty.wallet.operations import move, wallet_for

    _with_rules(shop, {"name": "Wallet days", "payment_methods": ["wallet_cash"], "multiplier": "3"})
    user = join("normal")
    move(wallet_for(user), "cash", Decimal("40.00"), "top_up", "test:rules:top-up")
    db.session.commit()
    checkout_at(user, SAT, (shop["shoes"], 1), wallet="40.00")
    assert _pending(user, shop) == 180


def test_cap_per_order(shop, join, checkout_at):
    """The rule's part of 2 shoes is 200 (add); capped at 40 a order: 2 × 150 + 40 = 340."""
    _with_rules(shop, _double(shop, cap_per_order=40))
    user = join()
    checkout_at(user, SAT, (shop["shoes"], 2))
    assert _pending(user, shop) == 340


def test_cap_per_member_per_week(shop, join, checkout_at):
    """150 extra points a member a week: Saturday +100, Sunday (same ISO week) +50, next Saturday +100 again;
    another member is not held by the first one's cap."""
    _with_rules(shop, _double(shop, cap_per_member={"points": 150, "period": "week"}))
    user, other = join(), join()
    checkout_at(user, SAT, (shop["shoes"], 1))
    assert _pending(user, shop) == 250
    checkout_at(user, SUN, (shop["shoes"], 1))
    assert _pending(user, shop) == 250 + 200
    checkout_at(user, SAT + timedelta(days=7), (shop["shoes"], 1))
    assert _pending(user, shop) == 450 + 250
    checkout_at(other, SUN, (shop["shoes"], 1))
    assert _pending(other, shop) == 250
    member = _m(user, shop)
    assert budgets.spent(shop["programme"], f"rule:Double weekend:member:{member.id}",
                         {"points": 150, "period": "week"}, SUN) == 150


def test_budget_runs_out_with_a_partial_grant_exactly_at_its_limit(shop, join, checkout_at):
    """A 250-point budget: +100, +100, then the 50 left (partial), then nothing; spent is exactly 250."""
    budget = {"points": 250, "period": "campaign"}
    _with_rules(shop, _double(shop, budget=budget))
    users = [join() for _i in range(4)]
    for user in users:
        checkout_at(user, SAT, (shop["shoes"], 1))
    assert [_pending(u, shop) for u in users] == [250, 250, 200, 150]
    assert budgets.spent(shop["programme"], "rule:Double weekend", budget, SAT) == 250
    assert sum(db.session.execute(db.select(RuleGrant.points)).scalars()) == 250


def test_refund_of_the_line_under_the_rule_cancels_its_extra(shop, join, checkout_at):
    """Shoes + socks earn 310 (add); refunding the shoes leaves the socks' 40 × 1.5 = 60 pending."""
    _with_rules(shop, _double(shop))
    user = join()
    (order,) = checkout_at(user, SAT, (shop["shoes"], 1), (shop["socks"], 1))
    shoes_line = next(line for line in order.lines if line.product_id == shop["shoes"].id)
    with clock.frozen_at(SAT + timedelta(hours=1)):
        orders.refund(order, None, lines=[{"line_id": shoes_line.id, "qty": 1}])
        db.session.commit()
    assert _pending(user, shop) == 60
    assert violations() == []


def test_refund_of_another_line_keeps_the_rule_extra_within_what_was_granted(shop, join, checkout_at):
    """2 shoes + socks, cap per order 40: 300 + 40 + 60 = 400. Refunding the socks keeps the shoes: 300 plus the
    rule's recomputed 200, cut to the 40 granted = 340; then refunding one pair: 150 + min(100, 40) = 190."""
    _with_rules(shop, _double(shop, cap_per_order=40))
    user = join()
    (order,) = checkout_at(user, SAT, (shop["shoes"], 2), (shop["socks"], 1))
    assert _pending(user, shop) == 400
    lines = {line.product_id: line for line in order.lines}
    with clock.frozen_at(SAT + timedelta(hours=1)):
        orders.refund(order, None, lines=[{"line_id": lines[shop["socks"].id].id, "qty": 1}])
        db.session.commit()
    assert _pending(user, shop) == 340
    with clock.frozen_at(SAT + timedelta(hours=2)):
        orders.refund(order, None, lines=[{"line_id": lines[shop["shoes"].id].id, "qty": 1}])
        db.session.commit()
    assert _pending(user, shop) == 190
    assert violations() == []


def test_rules_saved_later_do_not_change_a_refund(shop, join, checkout_at):
    """An order paid without rules, refunded after a 2× rule is added: the kept socks earn 40 × 1.5 = 60 only."""
    user = join()
    (order,) = checkout_at(user, SAT, (shop["shoes"], 1), (shop["socks"], 1))
    assert _pending(user, shop) == 210
    _with_rules(shop, {"name": "Socks", "categories": [shop["socks"].category_id], "multiplier": "5"})
    shoes_line = next(line for line in order.lines if line.product_id == shop["shoes"].id)
    orders.refund(order, None, lines=[{"line_id": shoes_line.id, "qty": 1}])
    db.session.commit()
    assert _pending(user, shop) == 60


def test_rule_points_become_available_at_settlement(shop, join, checkout_at, settle):
    """The 310 pending points, rule extra included, are released together when the order settles."""
    _with_rules(shop, _double(shop))
    user = join()
    (order,) = checkout_at(user, SAT, (shop["shoes"], 1), (shop["socks"], 1))
    settle(order, SAT + timedelta(days=1))
    member = _m(user, shop)
    assert (member.points_pending, member.points_available) == (0, 310)


@pytest.mark.parametrize(("rule", "field"), [
    ({"name": "Both", "multiplier": "2", "extra_points": 5}, "points.rules.0.multiplier"),
    ({"name": "Neither"}, "points.rules.0.multiplier"),
    ({"name": "Huge", "multiplier": "11"}, "points.rules.0.multiplier"),
    ({"name": "One", "multiplier": "1"}, "points.rules.0.multiplier"),
    ({"name": "Day 8", "multiplier": "2", "weekdays": [8]}, "points.rules.0.weekdays.0"),
    ({"name": "Backwards", "multiplier": "2", "from": "2026-02-01T00:00:00", "until": "2026-01-01T00:00:00"},
     "points.rules.0.until"),
    ({"name": "Stack", "multiplier": "2", "stacking": "multiply"}, "points.rules.0.stacking"),
    ({"name": "Tier", "multiplier": "2", "tiers": ["platinum"]}, "points.rules.0.tiers"),
    ({"name": "Money", "multiplier": "2", "budget": {"amount": "10.00", "period": "month"}}, "points.rules.0.budget"),
    ({"name": "Cap", "multiplier": "2", "cap_per_member": {"points": 10, "period": "year"}},
     "points.rules.0.cap_per_member.period"),
    ({"name": "Cap0", "extra_points": 5, "cap_per_order": 0}, "points.rules.0.cap_per_order"),
    ({"name": "Far", "multiplier": "2", "categories": [999999]}, "points.rules.0.categories"),
    ({"name": "", "multiplier": "2"}, "points.rules.0.name"),
])
def test_bad_rules_are_422_with_the_field_named(shop, api, rule, field):
    """Each mistake in a rule is refused by PUT programme with a message on its own field."""
    doc = copy.deepcopy(DOC)
    doc["points"]["rules"] = [rule]
    response = api(shop["owner"]).put(f"/api/v1/shops/{shop['tenant'].slug}/programme", json=doc)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"], response.get_json()


def test_two_rules_of_one_name_are_refused(shop, api):
    doc = copy.deepcopy(DOC)
    doc["points"]["rules"] = [{"name": "Twice", "multiplier": "2"}, {"name": "Twice", "extra_points": 5}]
    with pytest.raises(Exception) as refused:
        save_document(shop["tenant"], doc)
    assert "points.rules.1.name" in str(refused.value.messages)
    db.session.rollback()


def test_programme_reply_shows_each_rule_budget_with_spent(shop, join, checkout_at, api):
    """After one Gold weekend pair of shoes the rule's budget shows spent 100 of 1000 this month."""
    _with_rules(shop, _double(shop, budget={"points": 1000, "period": "month"}))
    user = join()
    checkout_at(user, SAT, (shop["shoes"], 1))
    with clock.frozen_at(SAT + timedelta(hours=1)):
        reply = api(shop["owner"]).get(f"/api/v1/shops/{shop['tenant'].slug}/programme").get_json()
    (rule,) = reply["programme"]["points"]["rules"]
    assert rule["budget"] == {"points": 1000, "period": "month", "spent": 100}


def test_points_history_and_memberships_name_the_rule(shop, join, checkout_at, client):
    """The member's points history shows "Double weekend +100" under the order's earning, and the memberships
    page lists the promotion with what it gives and when."""
    from tests.fixtures.factories import PASSWORD

    _with_rules(shop, {**_double(shop), "name_en": "Double weekend", "name": "双倍周末"})
    user = join()
    checkout_at(user, SAT, (shop["shoes"], 1))
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    history = client.get("/member/points?programme=rules").get_data(as_text=True)
    assert "Double weekend</span> +100" in history
    page = client.get("/member/memberships").get_data(as_text=True)
    assert "Current promotions" in page
    assert "2× points on Shoes" in page and "Sat, Sun" in page and "for Gold" in page
    client.post("/lang/zh")
    assert "双倍周末</span> +100" in client.get("/member/points?programme=rules").get_data(as_text=True)


def test_an_unpaid_order_cancelled_gives_its_rule_points_back(shop, join, api, checkout_at):
    """A declined card leaves the order unpaid with 100 rule points taken from the budget and the member's cap;
    when the payment window lapses and the order is cancelled, both are back at 0 and nothing stays pending.
    A paid order later earns the whole 100 again."""
    from mall.checkout import reconcile
    from tests.fixtures.factories import give_address

    budget, cap = {"points": 100, "period": "campaign"}, {"points": 100, "period": "campaign"}
    _with_rules(shop, {"name": "Always double", "multiplier": "2", "stacking": "add", "budget": budget,
                       "cap_per_member": cap})
    user = join("normal")
    give_address(user)
    member_id = _m(user, shop).id
    reply = api(user).post("/api/v1/checkout", {"lines": [{"product_id": shop["shoes"].id, "qty": 1}],
                                                "payment_token": "decline-card"})
    assert reply.status_code == 422
    assert budgets.spent(shop["programme"], "rule:Always double", budget, clock.now()) == 100
    assert reconcile.reconcile(clock.now() + timedelta(minutes=31))["checkouts_expired"] == 1
    db.session.expire_all()
    assert budgets.spent(shop["programme"], "rule:Always double", budget, clock.now()) == 0
    assert budgets.spent(shop["programme"], f"rule:Always double:member:{member_id}", cap, clock.now()) == 0
    assert _pending(user, shop) == 0
    checkout_at(user, clock.now() + timedelta(hours=1), (shop["shoes"], 1))
    assert _pending(user, shop) == 200
    assert violations() == []


def test_the_programme_as_read_can_be_sent_back_unchanged(shop, join, checkout_at, api):
    """GET's reply, with each rule budget's `spent` and the version, is accepted back by PUT as the same rules:
    a client that reads, edits one field and writes back needs no clean-up."""
    _with_rules(shop, _double(shop, budget={"points": 1000, "period": "month"}))
    checkout_at(join(), SAT, (shop["shoes"], 1))
    url = f"/api/v1/shops/{shop['tenant'].slug}/programme"
    with clock.frozen_at(SAT + timedelta(hours=1)):
        read = api(shop["owner"]).get(url).get_json()["programme"]
        written = api(shop["owner"]).put(url, json=read)
    assert written.status_code == 200, written.get_json()
    (rule,) = written.get_json()["programme"]["points"]["rules"]
    assert rule["budget"] == {"points": 1000, "period": "month", "spent": 100}
    assert written.get_json()["programme"]["version"] == read["version"] + 1
    assert "spent" not in shop["programme"].document["points"]["rules"][0]["budget"]
