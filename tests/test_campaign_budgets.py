"""Campaign budgets on coupon templates and pushes: issuing stops exactly when a budget is spent.

A coupon costs an amount budget its face value when it is issued (a percent-off one its largest discount), and a
points budget the points a member pays to claim it; a co-funded shop coupon costs the platform's co-funding
budget the platform's share of its face value.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mall import clock
from mall.errors import Conflict
from mall.extensions import db
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.budgets.models import BudgetDay
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.pushes import jobs as pushes_jobs
from plugins.loyalty.pushes.models import PushResult
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.fixtures.factories import PASSWORD

DECEMBER = datetime(2026, 12, 15, 4, 0, tzinfo=UTC)
JANUARY = datetime(2027, 1, 2, 4, 0, tzinfo=UTC)
TEN_OFF = {"name": "10 off", "kind": "amount_off", "value": "10", "valid_days": 30}


@pytest.fixture
def shop(make_shop, make_user, make_programme, api):
    """A four-tier shop "tea" with seven members; its owner's API client."""
    owner = make_user(name="Owner")
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    users = [make_user() for _ in range(7)]
    for user in users:
        join_programme(programme, user)
    db.session.commit()
    return {"tenant": tenant, "programme": programme, "users": users, "owner": owner, "api": api(owner)}


def _results(push_id: int) -> dict:
    rows = db.session.execute(db.select(PushResult.outcome, PushResult.reason, db.func.count(PushResult.id))
                              .where(PushResult.push_id == push_id).group_by(PushResult.outcome, PushResult.reason))
    return {(outcome, reason): n for outcome, reason, n in rows}


def test_push_budget_runs_out_mid_push(shop, monkeypatch):
    """10-yuan coupons, a 45-yuan push budget, 7 members in chunks of 3: the first chunk issues 3 (30 spent),
    the second has room for floor(15 / 10) = 1 (40 spent) and records 2 as budget spent, the last chunk's
    member is budget spent too: 4 issued, 3 budget spent, and 40 of 45 spent."""
    monkeypatch.setattr(pushes_jobs, "CHUNK", 3)
    template = coupon_ops.create_template(shop["programme"], TEN_OFF)
    db.session.commit()
    reply = shop["api"].post("/api/v1/shops/tea/pushes", {"template_id": template.id, "filter": {},
                                                          "budget": {"amount": "45", "period": "campaign"}})
    assert reply.status_code == 202, reply.json
    push_id = reply.json["push"]["id"]
    state = shop["api"].get(f"/api/v1/shops/tea/pushes/{push_id}").json["push"]
    assert (state["status"], state["targeted"], state["issued"], state["skipped"]) == ("done", 7, 4, 3)
    assert state["skipped_by_reason"] == {"budget_spent": 3}
    assert state["budget"] == {"amount": "45.00", "period": "campaign", "spent": "40.00"}
    assert _results(push_id) == {("issued", None): 4, ("skipped", "budget_spent"): 3}
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 4
    assert violations() == []


def test_template_budget_spent_exactly_at_its_limit_by_a_push(shop):
    """A 40-yuan template budget: 4 coupons of 10 spend it to the cent; the other 3 members are budget spent,
    and a staff send afterwards is refused with the budget's code."""
    template = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "budget": {"amount": "40",
                                                                                    "period": "month"}})
    db.session.commit()
    push_id = shop["api"].post("/api/v1/shops/tea/pushes", {"template_id": template.id}).json["push"]["id"]
    assert _results(push_id) == {("issued", None): 4, ("skipped", "budget_spent"): 3}
    got = shop["api"].get(f"/api/v1/shops/tea/coupon-templates/{template.id}").json["template"]
    assert got["budget"] == {"amount": "40.00", "period": "month", "spent": "40.00"} and got["issued"] == 4
    with pytest.raises(Conflict) as refused:
        coupon_ops.issue(template, shop["users"][6], "staff")
    assert refused.value.code == "coupon_budget_spent"
    db.session.rollback()
    assert template.issued == 4


def test_monthly_budget_starts_afresh_each_month(shop):
    """A 20-yuan monthly budget of 10-yuan coupons: two in December (20 spent), the third refused; in January
    the budget is whole again. The burn-down keeps what each day gave."""
    template = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "budget": {"amount": "20",
                                                                                    "period": "month"}})
    users = shop["users"]
    for user in users[:2]:
        coupon_ops.issue(template, user, "staff", at=DECEMBER)
    with pytest.raises(Conflict), db.session.begin_nested():
        coupon_ops.issue(template, users[2], "staff", at=DECEMBER)
    coupon_ops.issue(template, users[2], "staff", at=JANUARY)
    owner = keys.template_budget(template.id)
    assert budgets.spent(shop["programme"], owner, template.budget, DECEMBER) == Decimal("20")
    assert budgets.spent(shop["programme"], owner, template.budget, JANUARY) == Decimal("10")
    days = db.session.execute(db.select(BudgetDay.day, BudgetDay.spent).order_by(BudgetDay.day)).all()
    assert [(d.isoformat(), s) for d, s in days] == [("2026-12-15", Decimal("20")), ("2027-01-02", Decimal("10"))]
    assert template.issued == 3


def test_coupon_centre_claim_refused_when_spent(client, shop, make_user):
    """A claimable coupon with a 10-yuan budget: the first claim takes it all; the next shopper is sent back to
    the centre with the budget's message, and gets no coupon."""
    template = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "claimable": True,
                                                              "budget": {"amount": "10", "period": "campaign"}})
    db.session.commit()
    first, second = make_user(), make_user()
    client.post("/lang/en")
    client.post("/login", data={"email": first.email, "password": PASSWORD})
    client.post(f"/member/coupon-centre/{template.id}/claim")
    client.post("/logout")
    client.post("/login", data={"email": second.email, "password": PASSWORD})
    page = client.post(f"/member/coupon-centre/{template.id}/claim", follow_redirects=True).get_data(as_text=True)
    assert "the budget for these coupons is used up" in page
    assert "data-state=\"sold_out\"" in client.get("/member/coupon-centre").get_data(as_text=True)
    assert [c.user_id for c in db.session.execute(db.select(Coupon)).scalars()] == [first.id]


def test_points_budget_counts_points_paid_to_claim(shop, api):
    """A coupon for 100 points with a 250-point budget: two claims spend 200, a third (300 > 250) is a 409;
    the member keeps the points the refused claim would have cost."""
    template = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "claimable": True, "points_price": 100,
                                                              "per_member_limit": 5,
                                                              "budget": {"points": 250, "period": "month"}})
    user = shop["users"][0]
    ledger.credit(membership(shop["programme"], user), 1000, "adjust", "test:points")
    db.session.commit()
    shopper = api(user)
    url = f"/api/v1/shops/tea/coupon-templates/{template.id}/claim"
    assert [shopper.post(url).status_code for _ in range(3)] == [201, 201, 409]
    assert shopper.post(url).json["error"]["code"] == "coupon_budget_spent"
    db.session.expire_all()
    # The joining bonus, the credit, two claims.
    assert membership(shop["programme"], user).points_available == 100 + 1000 - 200
    shown = shop["api"].get(f"/api/v1/shops/tea/coupon-templates/{template.id}").json["template"]["budget"]
    assert shown == {"points": 250, "period": "month", "spent": 200}


def test_cofunded_share_counts_against_the_platform_budget(shop, make_programme):
    """The platform co-funds 12 yuan a month. A shop coupon of 10 split 0.5 costs it 5: two issue (10 spent),
    the third (15 > 12) is refused even though the shop's own budget has room; a platform-funded 2-yuan coupon
    still fits (12 spent); a shop-funded coupon never touches it."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    platform.cofunding_budget = {"amount": "12.00", "period": "month"}
    split = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "funded_by": "split", "platform_share": "0.5",
                                                           "budget": {"amount": "100", "period": "month"}})
    full = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "value": "2", "funded_by": "platform"})
    own = coupon_ops.create_template(shop["programme"], TEN_OFF)
    users = shop["users"]
    with clock.frozen_at(DECEMBER):
        coupon_ops.issue(split, users[0], "staff")
        coupon_ops.issue(split, users[1], "staff")
        with pytest.raises(Conflict), db.session.begin_nested():
            coupon_ops.issue(split, users[2], "staff")
        coupon_ops.issue(full, users[3], "staff")
        coupon_ops.issue(own, users[4], "staff")
    assert budgets.spent(platform, budgets.COFUNDING, platform.cofunding_budget, DECEMBER) == Decimal("12")
    assert budgets.spent(shop["programme"], keys.template_budget(split.id), split.budget, DECEMBER) == Decimal("20")


def test_percent_off_counts_its_largest_discount(shop):
    """A 20 %-off coupon capped at 15 yuan costs an amount budget 15: a 30-yuan budget issues two."""
    template = coupon_ops.create_template(shop["programme"], {
        "name": "20% off", "kind": "percent_off", "value": "0.80", "max_discount": "15", "valid_days": 30,
        "budget": {"amount": "30", "period": "campaign"}})
    issued = [coupon_ops.issue_once(template, user, "staff", f"test:{user.id}") for user in shop["users"][:3]]
    assert [c is not None for c in issued] == [True, True, False]


def test_template_api_shapes_and_patch(shop):
    """POST shows the budget with nothing spent; GET lists and shows it; PATCH changes and removes it."""
    owner = shop["api"]
    made = owner.post("/api/v1/shops/tea/coupon-templates",
                      {**TEN_OFF, "budget": {"amount": "500", "period": "month"}})
    assert made.status_code == 201, made.json
    assert made.json["template"]["budget"] == {"amount": "500.00", "period": "month", "spent": "0.00"}
    template_id = made.json["template"]["id"]
    listed = owner.get("/api/v1/shops/tea/coupon-templates").json["items"]
    assert [(t["id"], t["budget"]["amount"]) for t in listed] == [(template_id, "500.00")]
    changed = owner.patch(f"/api/v1/shops/tea/coupon-templates/{template_id}",
                          {"budget": {"amount": "80.5", "period": "campaign"}, "stock": 100})
    assert changed.status_code == 200, changed.json
    assert changed.json["template"]["budget"] == {"amount": "80.50", "period": "campaign", "spent": "0.00"}
    assert changed.json["template"]["stock"] == 100
    removed = owner.patch(f"/api/v1/shops/tea/coupon-templates/{template_id}", {"budget": None})
    assert removed.json["template"]["budget"] is None
    assert owner.get(f"/api/v1/shops/tea/coupon-templates/{template_id}").json["template"]["budget"] is None


@pytest.mark.parametrize("budget, field", [
    ({"amount": "0", "period": "month"}, "amount"),
    ({"amount": "100000001", "period": "month"}, "amount"),
    ({"amount": "1.234", "period": "month"}, "amount"),
    ({"points": 0, "period": "month"}, "points"),
    ({"amount": "10", "period": "week"}, "period"),
    ({"amount": "10"}, "period"),
    ({"amount": "10", "points": 5, "period": "month"}, "_schema"),
    ({"period": "month"}, "_schema"),
    ({"amount": "10", "period": "month", "extra": 1}, "extra"),
    ("500", None),
])
def test_bad_budgets_are_422_with_field_errors(shop, budget, field):
    """Each bad budget is a 422 naming the budget's field; nothing is created."""
    reply = shop["api"].post("/api/v1/shops/tea/coupon-templates", {**TEN_OFF, "budget": budget})
    assert reply.status_code == 422
    errors = reply.json["error"]["fields"]["budget"]
    assert field is None or field in errors, errors


def test_budgets_that_cannot_count_their_coupons_are_422(shop):
    """A percent-off coupon needs its largest discount for an amount budget, points need a points price, free
    shipping has no face value, and a push's budget is an amount; a PATCH may not break the pairing either."""
    owner = shop["api"]
    cases = [{"name": "x", "kind": "percent_off", "value": "0.9", "valid_days": 3,
              "budget": {"amount": "10", "period": "month"}},
             {**TEN_OFF, "budget": {"points": 10, "period": "month"}},
             {"name": "x", "kind": "free_shipping", "valid_days": 3, "budget": {"amount": "10", "period": "month"}}]
    for body in cases:
        reply = owner.post("/api/v1/shops/tea/coupon-templates", body)
        assert reply.status_code == 422 and "budget" in reply.json["error"]["fields"], body
    priced = owner.post("/api/v1/shops/tea/coupon-templates", {**TEN_OFF, "points_price": 50, "budget": {
        "points": 500, "period": "month"}}).json["template"]
    reply = owner.patch(f"/api/v1/shops/tea/coupon-templates/{priced['id']}", {"points_price": None})
    assert reply.status_code == 422 and "points_price" in reply.json["error"]["fields"]
    reply = owner.post("/api/v1/shops/tea/pushes", {"template_id": priced["id"],
                                                    "budget": {"points": 10, "period": "month"}})
    assert reply.status_code == 422 and "budget" in reply.json["error"]["fields"]


def test_foreign_template_ids_are_404(shop, make_shop, make_user, api, make_programme):
    """Another shop's template, or a platform one, is not found through this shop's URLs, nor the reverse."""
    other = make_shop(owner=make_user(), slug="other")
    theirs = coupon_ops.create_template(make_programme(other, FOUR_TIERS), TEN_OFF)
    platform_template = coupon_ops.create_template(make_programme(None, PLATFORM_PROGRAMME), TEN_OFF)
    mine = coupon_ops.create_template(shop["programme"], TEN_OFF)
    db.session.commit()
    owner = shop["api"]
    for template_id in (theirs.id, platform_template.id, 999999):
        assert owner.get(f"/api/v1/shops/tea/coupon-templates/{template_id}").status_code == 404
        assert owner.patch(f"/api/v1/shops/tea/coupon-templates/{template_id}", {"name": "x"}).status_code == 404
    operator = api(make_user(operator=True))
    assert operator.get(f"/api/v1/platform/coupon-templates/{mine.id}").status_code == 404
    assert operator.patch(f"/api/v1/platform/coupon-templates/{mine.id}", {"name": "x"}).status_code == 404
    assert operator.get(f"/api/v1/platform/coupon-templates/{platform_template.id}").status_code == 200


def _login(client, user):
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_budgets_page_empty_then_with_a_burn_down(client, shop):
    """No budget: the page says how to get one. A 45-yuan template budget with two coupons issued shows ¥20.00
    spent, ¥25.00 left, 44 % used, and a line chart of the month so far; the edit form shows the budget."""
    _login(client, shop["owner"])
    assert "No budgets yet" in client.get("/admin/tea/loyalty/budgets").get_data(as_text=True)
    template = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "budget": {"amount": "45",
                                                                                    "period": "month"}})
    for user in shop["users"][:2]:
        coupon_ops.issue(template, user, "staff")
    db.session.commit()
    page = client.get("/admin/tea/loyalty/budgets").get_data(as_text=True)
    for text in ("¥20.00", "¥25.00", "¥45.00", "44%", 'data-chart=', "10 off"):
        assert text in page, text
    edit = client.get(f"/admin/tea/loyalty/coupons/{template.id}").get_data(as_text=True)
    assert 'value="45.00"' in edit
    listed = client.get("/admin/tea/loyalty/coupons").get_data(as_text=True)
    assert "¥20.00 of ¥45.00 spent" in listed


def test_coupon_forms_take_a_budget_and_refuse_a_bad_one(client, shop):
    """The new-coupon form saves a 300-point monthly budget with a points price; the edit form re-shows a
    points budget without a points price (422) with the message beside the budget, and saves an amount."""
    _login(client, shop["owner"])
    form = {"name": "Tea 10", "kind": "amount_off", "value": "10", "min_spend": "0", "per_member_limit": "1",
            "validity": "days", "valid_days": "30", "points_price": "100", "budget_kind": "points",
            "budget": "300", "budget_period": "month"}
    assert client.post("/admin/tea/loyalty/coupons", data=form).status_code == 302
    template = db.session.execute(db.select(coupon_ops.CouponTemplate)).scalar_one()
    assert template.budget == {"points": 300, "period": "month"}
    url = f"/admin/tea/loyalty/coupons/{template.id}"
    edit = {"name": "Tea 10", "per_member_limit": "1", "valid_days": "30", "points_price": "", "budget_kind": "points",
            "budget": "300", "budget_period": "month"}
    refused = client.post(url, data=edit)
    assert refused.status_code == 422 and "give it a points price" in refused.get_data(as_text=True)
    assert client.post(url, data={**edit, "budget_kind": "amount", "budget": "12.5"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(coupon_ops.CouponTemplate, template.id).budget == {"amount": "12.50", "period": "month"}


def test_platform_sets_its_co_funding_budget(client, make_user, make_programme):
    """The operator saves a 5000-yuan monthly co-funding budget; a budget of 0 is re-shown with its message."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    _login(client, make_user(operator=True))
    assert "No budgets yet" in client.get("/platform/loyalty/budgets").get_data(as_text=True)
    bad = client.post("/platform/loyalty/budgets", data={"budget_kind": "amount", "budget": "0",
                                                         "budget_period": "month"})
    assert bad.status_code == 422
    assert client.post("/platform/loyalty/budgets", data={"budget_kind": "amount", "budget": "5000",
                                                          "budget_period": "month"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(platform), platform.id).cofunding_budget == {"amount": "5000.00", "period": "month"}
    assert "Shop coupons the platform funds" in client.get("/platform/loyalty/budgets").get_data(as_text=True)


def test_push_form_sends_with_a_budget_and_refuses_a_bad_one(client, shop):
    """The push form's budget of 25 yuan reaches the push (two 10-yuan coupons issue, five are budget spent);
    a budget of 0 re-shows the form (422) with the message beside the budget."""
    template = coupon_ops.create_template(shop["programme"], TEN_OFF)
    db.session.commit()
    _login(client, shop["owner"])
    form = {"template_id": str(template.id), "segment_id": "", "channels": "inbox", "action": "send",
            "budget_kind": "amount", "budget": "0", "budget_period": "campaign"}
    refused = client.post("/admin/tea/loyalty/pushes/new", data=form)
    assert refused.status_code == 422 and "Must be at least 0.01." in refused.get_data(as_text=True)
    assert client.post("/admin/tea/loyalty/pushes/new", data={**form, "budget": "25"}).status_code == 302
    push_id = db.session.execute(db.select(PushResult.push_id)).scalars().first()
    assert _results(push_id) == {("issued", None): 2, ("skipped", "budget_spent"): 5}


def test_rule_budgets_from_the_document_show_on_the_budgets_page(client, shop, make_programme):
    """An earning rule with a 5,000-point monthly budget of which 1,200 were taken shows under its name with
    3,800 left and 24 % used; the OpenAPI document describes budgets on templates and pushes."""
    import copy

    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["rules"] = [{"name": "周末双倍", "name_en": "Double weekend", "weekdays": [6, 7], "multiplier": "2",
                               "budget": {"points": 5000, "period": "month"}}]
    programme = make_programme(shop["tenant"], doc)
    budgets.take(programme, "rule:周末双倍", {"points": 5000, "period": "month"}, 1200, clock.now())
    db.session.commit()
    _login(client, shop["owner"])
    page = client.get("/admin/tea/loyalty/budgets").get_data(as_text=True)
    for text in ("Double weekend", "1,200 pts", "3,800 pts", "24%"):
        assert text in page, text
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert "budget" in schemas["CouponTemplateBody"]["properties"]
    assert "budget" in schemas["PushBody"]["properties"]
    assert "patch" in spec["paths"]["/api/v1/shops/{shop}/coupon-templates/{template_id}"]


def test_joining_coupons_stop_when_their_budget_is_spent(shop, make_user, make_programme):
    """A 10-yuan joining coupon with a 20-yuan budget: the first two new members get one, the third joins with
    its points but without the coupon."""
    import copy

    template = coupon_ops.create_template(shop["programme"], {**TEN_OFF, "budget": {"amount": "20",
                                                                                    "period": "campaign"}})
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["join_coupon"] = template.id
    programme = make_programme(shop["tenant"], doc)
    joined = [make_user() for _ in range(3)]
    for user in joined:
        join_programme(programme, user)
    holders = set(db.session.execute(db.select(Coupon.user_id).where(Coupon.template_id == template.id)).scalars())
    assert holders == {joined[0].id, joined[1].id}
    assert membership(programme, joined[2]).points_available == 100  # the joining points still came
