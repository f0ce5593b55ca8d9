"""The push form: every segment filter the API takes, judged by the same schema, with the API's audience count;
the push history with sender, send time and deliveries per channel; the win-back campaign's results."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mall import clock
from mall.extensions import db
from mall.notifications.models import Notification
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes.models import Campaign, Push, PushResult
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD

TZ = ZoneInfo("Asia/Shanghai")


def _midnight(day: date) -> str:
    return datetime.combine(day, datetime.min.time(), TZ).isoformat()


@pytest.fixture
def shop(make_shop, make_user, make_programme, make_product, checkout_at, api, client):
    """A shop with eight members of varied birthdays, consent, points, join dates and orders; the owner signed in."""
    owner = make_user(name="Wang Owner")
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "8 off", "kind": "amount_off", "value": "8",
                                                      "valid_days": 30})
    tea = make_product(tenant, price="30.00", stock=100, category="Tea")
    cup = make_product(tenant, price="12.00", stock=100, category="Cups")
    now = clock.now()
    users = []
    for i in range(8):
        user = make_user(name=f"Member {i}" if i else "Alice Tea", consent_email=i % 2 == 0, consent_sms=i % 3 == 0,
                         birthday=date(1990, 3 if i < 3 else 7, 5))
        membership = join_programme(programme, user)[0]
        membership.points_available = i * 100
        membership.joined_at = now - timedelta(days=10 * i)
        users.append(user)
    db.session.commit()
    checkout_at(users[1], now - timedelta(days=3), (tea, 1))
    checkout_at(users[2], now - timedelta(days=100), (cup, 2))
    checkout_at(users[2], now - timedelta(days=2), (cup, 1))
    checkout_at(users[3], now - timedelta(days=400), (tea, 3))
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    return {"api": api(owner), "template": template, "programme": programme, "tea": tea, "users": users,
            "client": client, "category": tea.category_id}


def _form(shop, **values) -> dict:
    return {"template_id": shop["template"].id, "channels": "inbox", **values}


def _count(html: str) -> int:
    found = re.search(r'data-field="count" value="(\d+)"', html)
    assert found, html[html.find("<main"):][:3000]
    return int(found[1])


FILTERS = [
    ({"tier": "normal"}, {"tier": ["normal"]}),
    ({"lifecycle": "repeat"}, {"lifecycle": "repeat"}),
    ({"lifecycle": "never_bought"}, {"lifecycle": "never_bought"}),
    ({"activity": "active"}, {"activity": "active"}),
    ({"consent": "sms"}, {"consent": "sms"}),
    ({"recent_days": "30", "recent_min_orders": "1"}, {"recent": {"days": 30, "min_orders": 1}}),
    ({"recent_days": "365", "recent_min_spend": "20.00"}, {"recent": {"days": 365, "min_spend": "20.00"}}),
    ({"min_spend": "25"}, {"min_spend": "25"}),
    ({"asleep_days": "30"}, {"asleep_days": 30}),
    ({"birthday_month": "3"}, {"birthday_month": 3}),
    ({"points_min": "200", "points_max": "500"}, {"points_min": 200, "points_max": 500}),
    ({"q": "alice"}, {"q": "alice"}),
]


@pytest.mark.parametrize("form,api_filter", FILTERS)
def test_each_filter_previews_the_apis_count(shop, form, api_filter):
    """Preview audience on the form finds as many members as the API's segment preview."""
    page = shop["client"].post("/admin/tea/loyalty/pushes/new", data=_form(shop, action="preview", **form))
    assert page.status_code == 200
    expected = shop["api"].post("/api/v1/shops/tea/segments/preview", {"filter": api_filter}).json["count"]
    assert _count(page.text) == expected


def test_dated_and_category_filters_match_the_api(shop):
    """Dates are the shop's midnights; the favourite category is the shop's own."""
    today = clock.local_date("Asia/Shanghai")
    cases = [({"joined_after": (today - timedelta(days=25)).isoformat()},
              {"joined_after": _midnight(today - timedelta(days=25))}),
             ({"joined_before": (today - timedelta(days=25)).isoformat()},
              {"joined_before": _midnight(today - timedelta(days=25))}),
             ({"slept_since": (today - timedelta(days=500)).isoformat()},
              {"slept_since": _midnight(today - timedelta(days=500))}),
             ({"preferred_category": str(shop["category"])}, {"preferred_category": shop["category"]})]
    counts = []
    for form, api_filter in cases:
        page = shop["client"].post("/admin/tea/loyalty/pushes/new", data=_form(shop, action="preview", **form))
        expected = shop["api"].post("/api/v1/shops/tea/segments/preview", {"filter": api_filter}).json["count"]
        assert _count(page.text) == expected
        counts.append(expected)
    assert counts[0] == 3 and counts[1] == 5 and counts[3] == 2  # not trivially everyone or no one


def test_every_filter_at_once_is_the_apis_count(shop):
    """All the filters together are one segment, counted as the API counts it."""
    form = {"tier": "normal", "recent_days": "365", "recent_min_orders": "1", "min_spend": "10", "points_max": "900",
            "birthday_month": "3", "consent": "email"}
    page = shop["client"].post("/admin/tea/loyalty/pushes/new", data=_form(shop, action="preview", **form))
    expected = shop["api"].post("/api/v1/shops/tea/segments/preview", {"filter": {
        "tier": ["normal"], "recent": {"days": 365, "min_orders": 1}, "min_spend": "10", "points_max": 900,
        "birthday_month": 3, "consent": "email"}}).json["count"]
    assert _count(page.text) == expected


@pytest.mark.parametrize("form,message", [
    ({"recent_min_orders": "2"}, "This field is required."),
    ({"points_min": "500", "points_max": "100"}, "Must not be below points_min."),
    ({"birthday_month": "13"}, "Must be between 1 and 12."),
    ({"asleep_days": "99999999"}, "Must be between 0 and 36500."),
    ({"recent_days": "0"}, "Must be between 1 and 3650."),
    ({"min_spend": "1.234"}, "Enter an amount with at most two decimals"),
    ({"joined_after": "2026-05-02", "joined_before": "2026-05-01"}, "Must be after joined_after."),
    ({"joined_after": "1900-01-01"}, "Give a moment from 1970-01-01 to 2100-01-01."),
    ({"lifecycle": "sometimes"}, "Must be one of"),
    ({"preferred_category": "abc"}, "Enter a whole number."),
    ({"q": "x" * 101}, "Must be at most 100 characters"),
])
@pytest.mark.parametrize("action", ["preview", "send"])
def test_bad_filters_reshow_the_form_with_the_schemas_message(shop, form, message, action):
    """A 422 with the message beside the box; nothing is pushed."""
    page = shop["client"].post("/admin/tea/loyalty/pushes/new", data=_form(shop, action=action, **form))
    assert page.status_code == 422
    assert message in page.text and 'class="error"' in page.text
    assert db.session.execute(db.select(Push)).first() is None


def test_history_shows_sender_local_time_and_deliveries_per_channel(shop):
    """Sent from the form on inbox and e-mail: the history names the sender, the send time at the shop's clock and,
    per channel, the sent / failed / pending counts the delivery records hold."""
    sent = shop["client"].post("/admin/tea/loyalty/pushes/new",
                               data=_form(shop, action="send", channels=["inbox", "email"]))
    assert sent.status_code == 302
    push = db.session.execute(db.select(Push)).scalar_one()
    rows = db.session.execute(db.select(Notification).where(Notification.idempotency_key.like(f"push:{push.id}:%"))
                              ).scalars().all()
    emails = [n for n in rows if n.channel == "email"]
    assert len([n for n in rows if n.channel == "inbox"]) == 8 and len(emails) == 4
    emails[0].status = "failed"
    emails[1].status = "sent"
    db.session.commit()
    expected = {"email": {"sent": sum(n.status == "sent" for n in emails),
                          "failed": 1, "pending": sum(n.status in ("queued", "sending") for n in emails)},
                "inbox": {"sent": 8, "failed": 0, "pending": 0}}
    assert pushes.deliveries_of([push.id])[push.id] == expected
    page = shop["client"].get("/admin/tea/loyalty/pushes").text
    assert "Wang Owner" in page
    local = (push.started_at or push.created_at).astimezone(TZ)
    assert f"{local.hour:02d}:{local.minute:02d}" in page
    assert f"{expected['email']['sent']} sent" in page and "1 failed" in page and "8 sent" in page


def test_win_back_results_count_issued_used_orders_and_revenue(shop, checkout_at):
    """Coupons of the campaign's pushes: how many were issued and used, in how many orders, for how much."""
    programme = shop["programme"]
    campaign = Campaign(programme_id=programme.id, tenant_id=programme.tenant_id, template_id=shop["template"].id,
                        channels=["inbox"], period="month", last_run_at=clock.now())
    db.session.add(campaign)
    db.session.flush()
    push = pushes.create_push(programme, {"template_id": shop["template"].id, "filter": {}})
    push.campaign_id, push.period = campaign.id, "2026-11"
    db.session.commit()
    coupon_id = db.session.execute(db.select(PushResult.coupon_id).where(
        PushResult.push_id == push.id, PushResult.user_id == shop["users"][4].id)).scalar_one()
    (order,) = checkout_at(shop["users"][4], clock.now(), (shop["tea"], 2), coupons=[coupon_id])
    results = pushes.campaign_results(campaign)
    assert (results["issued"], results["used"], results["orders"], results["revenue"]) == (8, 1, 1, order.total)
    page = shop["client"].get("/admin/tea/loyalty/pushes").text
    assert f"¥{order.total}" in page and "Win-back campaign" in page


def test_history_empty_state_and_pages(shop):
    """No pushes: the empty state offers a new push; 25 pushes: two pages."""
    assert "No pushes yet" in shop["client"].get("/admin/tea/loyalty/pushes").text
    for _ in range(25):
        pushes.create_push(shop["programme"], {"template_id": shop["template"].id, "filter": {"q": "nobody"}})
    db.session.commit()
    first = shop["client"].get("/admin/tea/loyalty/pushes").text
    assert "Page 1 of 2" in first
    assert shop["client"].get("/admin/tea/loyalty/pushes?page=2").status_code == 200


def test_foreign_pushes_and_segments_are_not_this_shops(shop, make_shop, make_user, make_programme):
    """Another shop's push is a 404 here; its saved segment cannot be chosen on this form."""
    other = make_programme(make_shop(owner=make_user(), slug="cafe"), FOUR_TIERS)
    template = coupon_ops.create_template(other, {"name": "x", "kind": "amount_off", "value": "1", "valid_days": 3})
    foreign = pushes.create_push(other, {"template_id": template.id, "filter": {}})
    db.session.commit()
    client = shop["client"]
    assert client.get(f"/admin/tea/loyalty/pushes/{foreign.id}").status_code == 404
    assert client.get(f"/admin/tea/loyalty/pushes/{foreign.id}.json").status_code == 404
    bad = client.post("/admin/tea/loyalty/pushes/new", data=_form(shop, action="send", template_id=template.id))
    assert bad.status_code == 422
    assert db.session.execute(db.select(db.func.count(Push.id))).scalar() == 1
    assert db.session.execute(db.select(db.func.count(Membership.id))).scalar() >= 8


def test_the_pages_script_gets_the_count_or_the_messages(shop):
    """With X-Audience: 1 the form answers its script with the count, or with the messages (422)."""
    client = shop["client"]
    reply = client.post("/admin/tea/loyalty/pushes/new", data=_form(shop, action="preview", lifecycle="repeat"),
                        headers={"X-Audience": "1"})
    expected = shop["api"].post("/api/v1/shops/tea/segments/preview", {"filter": {"lifecycle": "repeat"}}).json
    assert reply.status_code == 200 and reply.json["count"] == expected["count"]
    bad = client.post("/admin/tea/loyalty/pushes/new", data=_form(shop, action="preview", birthday_month="13"),
                      headers={"X-Audience": "1"})
    assert bad.status_code == 422 and bad.json["count"] is None and "Must be between 1 and 12." in bad.json["errors"][0]
