"""Push holdouts: the requested share is held back by the seed, gets nothing, and the report compares the groups."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.extensions import db
from mall.notifications.models import Notification
from mall.orders.models import OrderStatus
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.invariants import violations
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes.models import Push, PushResult
from plugins.loyalty.seeds import FOUR_TIERS
from tests.analytics_support import bulk_members, paid_order
from tests.fixtures.factories import PASSWORD

T = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def shop(make_shop, make_user, make_programme, api):
    """A shop with a programme and an unlimited coupon; members are added by each test."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "8 off", "kind": "amount_off", "value": "8",
                                                      "valid_days": 30, "per_member_limit": 1})
    db.session.commit()
    return {"owner": api(owner), "owner_email": owner.email, "tenant": tenant, "programme": programme,
            "template": template}


def _push(shop, **body):
    with clock.frozen_at(T):
        reply = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id, "filter": {},
                                                                **body})
    assert reply.status_code == 202, reply.json
    return db.session.get(Push, reply.json["push"]["id"])


def _held(push) -> set[int]:
    return set(db.session.execute(db.select(PushResult.user_id).where(
        PushResult.push_id == push.id, PushResult.outcome == "holdout")).scalars())


def test_holdout_is_the_share_and_gets_nothing(shop):
    """1,000 members at 10 %: exactly 100 held back, 900 coupons and messages, none to a held-back member."""
    bulk_members(shop["programme"], 1000, T - timedelta(days=30))
    push = _push(shop, holdout="0.1", seed=42)
    state = shop["owner"].get(f"/api/v1/shops/tea/pushes/{push.id}").json["push"]
    assert (state["status"], state["targeted"], state["held_out"], state["issued"]) == ("done", 1000, 100, 900)
    assert state["holdout"] == "0.100"
    held = _held(push)
    assert len(held) == 100
    assert db.session.execute(db.select(db.func.count(Coupon.id)).where(Coupon.user_id.in_(held))).scalar() == 0
    assert db.session.execute(db.select(db.func.count(Notification.id))
                              .where(Notification.user_id.in_(held))).scalar() == 0
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 900
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 900
    assert violations() == []


def test_same_seed_same_members(shop):
    """The same seed over the same members holds back the same ones; another seed picks others; a float share works."""
    bulk_members(shop["programme"], 200, T - timedelta(days=30))
    first, second, other = _push(shop, holdout=0.25, seed=7), _push(shop, holdout="0.25", seed=7), \
        _push(shop, holdout="0.25", seed=8)
    assert first.holdout == Decimal("0.25") and first.seed == 7
    assert len(_held(first)) == 50 and _held(first) == _held(second)
    assert _held(other) != _held(first) and len(_held(other)) == 50


@pytest.mark.parametrize("bad", [-0.1, "0.51", 1, "abc", "NaN", "0.1234", True, None])
def test_holdout_bounds(shop, bad):
    """Outside 0 to 0.5, not a number or with more than three decimals: 422 on holdout, no push made."""
    reply = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id, "holdout": bad})
    assert reply.status_code == 422 and "holdout" in reply.json["error"]["fields"]
    assert db.session.execute(db.select(db.func.count(Push.id))).scalar() == 0


def test_holdout_of_a_half_and_none(shop):
    """0.5 is allowed; no holdout holds nobody back and has no report."""
    bulk_members(shop["programme"], 9, T - timedelta(days=30))
    half, plain = _push(shop, holdout="0.5", seed=1), _push(shop)
    assert len(_held(half)) == 5  # 4.5 rounds half up
    assert _held(plain) == set() and plain.holdout == 0


def test_report_on_a_hand_computed_case(shop, make_shop):
    """10 members, 20 %: 8 treated (6 bought, ¥260 net) against 2 held back (1 bought, ¥60) in 14 days.

    Conversion 75 % against 50 %: 25 points; variance .75×.25/8 + .5×.5/2 = 0.1484375, margin 1.96 × √ = 75.51 points.
    """
    users = bulk_members(shop["programme"], 10, T - timedelta(days=30))
    push = _push(shop, holdout="0.2", seed=3)
    held = sorted(_held(push))
    treated = [u for u in users if u not in held]
    assert len(held) == 2
    tea, other = shop["tenant"].id, make_shop(slug="coffee").id
    for uid, total in zip(treated[:6], ("100", "50", "30", "20", "10", "40"), strict=True):
        paid_order(uid, tea, total, T + timedelta(days=1), refunded="15" if total == "40" else "0")
    paid_order(treated[0], tea, "25", T + timedelta(days=13, hours=23))  # a second order: still one buyer
    paid_order(held[0], tea, "60", T + timedelta(days=2))
    # Not counted: before the push, after the 14 days, in another shop, never paid.
    paid_order(treated[6], tea, "500", T - timedelta(hours=1))
    paid_order(treated[7], tea, "500", T + timedelta(days=14, hours=1))
    paid_order(held[1], other, "500", T + timedelta(days=1))
    paid_order(held[1], tea, "500", T + timedelta(days=1), status=OrderStatus.CANCELLED)
    db.session.commit()
    report = pushes.holdout_report(push, 14)
    assert report["treated"]["members"] == 8 and report["treated"]["buyers"] == 6
    assert report["treated"]["revenue"] == Decimal("260.00") and report["treated"]["per_member"] == Decimal("32.50")
    assert report["holdout"]["members"] == 2 and report["holdout"]["buyers"] == 1
    assert report["holdout"]["revenue"] == Decimal("60.00") and report["holdout"]["per_member"] == Decimal("30.00")
    assert (report["lift"], report["low"], report["high"]) == (25.0, -50.51, 100.51)
    # 15 days take in the order at 14 days and an hour: 7 of 8 treated bought.
    assert pushes.holdout_report(push, 15)["treated"]["buyers"] == 7


def test_report_page(shop, client):
    """The push page shows both groups and the interval; a bad number of days is a 422 with a message; a push
    without a holdout has no such section."""
    users = bulk_members(shop["programme"], 10, T - timedelta(days=30))
    push = _push(shop, holdout="0.2", seed=3)
    held = _held(push)
    paid_order(next(u for u in users if u not in held), shop["tenant"].id, "80", T + timedelta(days=1))
    db.session.commit()
    client.post("/lang/en")
    client.post("/login", data={"email": shop["owner_email"], "password": PASSWORD})
    with clock.frozen_at(T + timedelta(days=20)):
        page = client.get(f"/admin/tea/loyalty/pushes/{push.id}?days=14")
        assert page.status_code == 200
        assert "Effect against the holdout" in page.text and "Held back" in page.text
        assert 'data-group="treated"' in page.text and "12.5%" in page.text and "¥80.00" in page.text
        assert "+12.50 percentage points" in page.text
        for bad in ("0", "91", "x", "1e3"):
            refused = client.get(f"/admin/tea/loyalty/pushes/{push.id}?days={bad}")
            assert refused.status_code == 422 and "Pick 1 to 90 days" in refused.text
        plain = _push(shop)
        assert "Effect against the holdout" not in client.get(f"/admin/tea/loyalty/pushes/{plain.id}").text


def test_push_form_takes_a_percentage(shop, client):
    """The form's 10 is a holdout of 0.1; 60 is refused beside the box (422) and pushes nothing."""
    bulk_members(shop["programme"], 10, T - timedelta(days=30))
    client.post("/lang/en")
    client.post("/login", data={"email": shop["owner_email"], "password": PASSWORD})
    form = {"template_id": shop["template"].id, "channels": "inbox", "action": "send"}
    refused = client.post("/admin/tea/loyalty/pushes/new", data={**form, "holdout": "60"})
    assert refused.status_code == 422 and "Number must be between 0 and 50." in refused.text
    assert db.session.execute(db.select(db.func.count(Push.id))).scalar() == 0
    assert client.post("/admin/tea/loyalty/pushes/new", data={**form, "holdout": "10"}).status_code == 302
    push = db.session.execute(db.select(Push)).scalar_one()
    assert push.holdout == Decimal("0.1") and len(_held(push)) == 1
