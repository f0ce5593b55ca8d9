"""Scheduled pushes, saved segments and the win-back campaign."""

from datetime import UTC, datetime, timedelta

import pytest

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.pushes.models import Campaign, Push, PushResult
from plugins.loyalty.seeds import FOUR_TIERS
from plugins.loyalty.segments.models import SavedSegment
from tests.fixtures.factories import PASSWORD

T0 = datetime(2026, 10, 5, 4, 0, tzinfo=UTC)  # noon in Shanghai


@pytest.fixture
def shop(make_shop, make_user, make_programme, api, client):
    """A four-tier shop (sleeping after 90 days) with four members and a signed-in owner."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "Come back", "kind": "amount_off", "value": "15",
                                                      "valid_days": 30})
    members = []
    for _ in range(4):
        member, _joined = join_programme(programme, make_user())
        members.append(member)
    db.session.commit()
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    return {"owner": api(owner), "template": template, "members": members, "programme": programme,
            "client": client}


def _last_order(member, at):
    db.session.execute(db.update(Membership).where(Membership.id == member.id).values(last_order_at=at))
    db.session.commit()


def test_scheduled_push_waits_for_the_tick(shop):
    """A push for tomorrow stays scheduled until a tick reaches its moment, then runs once."""
    with clock.frozen_at(T0):
        reply = shop["owner"].post("/api/v1/shops/tea/pushes", {
            "template_id": shop["template"].id, "scheduled_at": (T0 + timedelta(days=1)).isoformat()})
    push_id = reply.json["push"]["id"]
    assert reply.status_code == 202 and reply.json["push"]["status"] == "scheduled"
    run_tick(T0 + timedelta(hours=23))
    assert db.session.get(Push, push_id).status == "scheduled"
    report = run_tick(T0 + timedelta(days=1, minutes=1))
    push = db.session.get(Push, push_id)
    db.session.refresh(push)
    assert report["loyalty_scheduled_pushes"] == 1 and (push.status, push.targeted) == ("done", 4)
    assert run_tick(T0 + timedelta(days=2))["loyalty_scheduled_pushes"] == 0
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 4


@pytest.mark.parametrize("body,field", [
    ({"scheduled_at": "2020-01-01T00:00:00+00:00"}, "scheduled_at"),
    ({"scheduled_at": "tomorrow"}, "scheduled_at"),
    ({"filter": {}, "segment_id": 1}, "segment_id"),
    ({"segment_id": 999}, "segment_id"),
])
def test_bad_push_requests_are_422(shop, body, field):
    """A past or unreadable time, a filter and a segment together, or a foreign segment: 422, nothing queued."""
    reply = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id, **body})
    assert reply.status_code == 422 and field in reply.json["error"]["fields"], reply.json
    assert db.session.execute(db.select(db.func.count(Push.id))).scalar() == 0


def test_saved_segment_drives_the_member_list_and_a_push(shop, make_shop, make_user, make_programme):
    """Save "Sleeping" on the pushes page; the member list filters by it; a push to it reaches only them."""
    members = shop["members"]
    _last_order(members[0], clock.now() - timedelta(days=10))
    _last_order(members[1], clock.now() - timedelta(days=10))
    client = shop["client"]
    page = client.post("/admin/tea/loyalty/pushes", data={"action": "save", "name": "Recent buyers",
                                                         "template_id": shop["template"].id, "activity": "active"})
    assert page.status_code == 302, page.text
    saved = db.session.execute(db.select(SavedSegment)).scalar_one()
    assert saved.filter["activity"] == "active"
    again = client.post("/admin/tea/loyalty/pushes", data={"action": "save", "name": "Recent buyers",
                                                          "template_id": shop["template"].id})
    assert again.status_code == 422 and "已有同名人群" in again.text  # the form again, with the message
    assert db.session.execute(db.select(db.func.count(SavedSegment.id))).scalar() == 1
    listing = client.get(f"/admin/tea/loyalty/members?segment={saved.id}")
    assert listing.status_code == 200
    assert members[0].user.email in listing.text and members[2].user.email not in listing.text
    reply = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": shop["template"].id,
                                                             "segment_id": saved.id})
    push = db.session.get(Push, reply.json["push"]["id"])
    assert (push.status, push.targeted) == ("done", 2)
    # Another shop's saved segment is not this shop's.
    other = make_programme(make_shop(owner=make_user(), slug="cafe"), FOUR_TIERS)
    foreign = SavedSegment(programme_id=other.id, tenant_id=other.tenant_id, name="x", filter={})
    db.session.add(foreign)
    db.session.commit()
    assert client.post(f"/admin/tea/loyalty/segments/{foreign.id}/delete").status_code == 404
    assert client.post(f"/admin/tea/loyalty/segments/{saved.id}/delete").status_code == 302
    assert db.session.get(SavedSegment, saved.id) is None and db.session.get(SavedSegment, foreign.id)


def test_win_back_reaches_members_who_just_fell_asleep_once_per_period(shop):
    """Only members who became sleeping since the last run get the coupon, at most once a month."""
    a, b, c, d = shop["members"]
    _last_order(a, T0 - timedelta(days=95))  # asleep before the campaign began: not "just" asleep
    _last_order(b, T0 - timedelta(days=85))  # falls asleep on day 5
    _last_order(c, T0 - timedelta(days=10))  # falls asleep on day 80
    # d never bought: nothing to win back
    with clock.frozen_at(T0):
        reply = shop["client"].post("/admin/tea/loyalty/pushes/win-back", data={
            "campaign-template_id": shop["template"].id, "campaign-channels": ["inbox"],
            "campaign-period": "month", "campaign-is_active": "y"})
    assert reply.status_code == 302
    assert db.session.execute(db.select(Campaign)).scalar_one().last_run_at == T0

    def reached():
        return sorted(db.session.execute(db.select(PushResult.user_id).where(PushResult.outcome == "issued")
                                         .order_by(PushResult.user_id)).scalars())

    assert run_tick(T0 + timedelta(days=3))["loyalty_win_back_pushes"] == 0
    assert run_tick(T0 + timedelta(days=7))["loyalty_win_back_pushes"] == 1
    assert reached() == [b.user_id]
    assert run_tick(T0 + timedelta(days=8))["loyalty_win_back_pushes"] == 0  # no empty pushes
    # b buys, and (contrived) falls asleep again within the same month: not a second coupon this month.
    _last_order(b, T0 + timedelta(days=9) - timedelta(days=90))
    assert run_tick(T0 + timedelta(days=10))["loyalty_win_back_pushes"] == 1
    assert reached() == [b.user_id]
    run_tick(T0 + timedelta(days=81))  # c falls asleep in December
    assert reached() == sorted([b.user_id, c.user_id])
    pushes = db.session.execute(db.select(Push).order_by(Push.id)).scalars().all()
    assert [(p.period, p.targeted) for p in pushes] == [("2026-10", 1), ("2026-10", 0), ("2026-12", 1)]
