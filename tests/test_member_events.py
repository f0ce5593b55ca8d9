"""Member events: reported by a shop's staff through the API or by the mall itself, credited within their limits."""

import copy
import threading
from datetime import date, timedelta

import pytest

from mall import clock
from mall.accounts.models import ApiToken
from mall.extensions import db
from mall.orders import operations as orders
from mall.tenants.models import StaffRole
from plugins.loyalty.events.models import EventReport
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import FOUR_TIERS
from tests.conftest import requires_pg
from tests.fixtures.programmes import START
from tests.races_support import signed_in

#: Four tiers (100 points for joining, 10 for a review) with events of every kind of limit.
EVENTS = {"follow_shop": {"points": 30, "limit": "once", "name": "关注店铺", "name_en": "Follow the shop"},
          "share": {"points": 5, "limit": "daily"}, "live": {"points": 8, "limit": "weekly"},
          "survey": {"points": 20, "limit": 3}, "profile_completed": {"points": 50, "limit": "once"}}
DOC = copy.deepcopy(FOUR_TIERS)
DOC["points"]["events"] = EVENTS


def _available(programme, user) -> int:
    db.session.expire_all()
    return membership(programme, user).points_available


@pytest.fixture
def world(make_shop, make_user, make_programme, api, add_staff):
    """A shop with the events, a manager's API client, and a member who joined at START (100 points)."""
    owner = make_user()
    shop = make_shop(owner=owner)
    programme = make_programme(shop, DOC)
    manager = make_user()
    add_staff(shop, manager, StaffRole.MANAGER)
    member = make_user()
    with clock.frozen_at(START):
        join_programme(programme, member)
    db.session.commit()
    staff = api(manager)

    def send(event, key, at=START, user=None, slug=None):
        body = {"user_id": (user or member).id, "event": event, "key": key}
        with clock.frozen_at(at):
            return staff.post(f"/api/v1/shops/{slug or shop.slug}/events", json=body)

    return {"shop": shop, "programme": programme, "member": member, "send": send, "owner": owner}


def test_an_event_limited_to_once_credits_once_and_a_replayed_key_answers_the_same(world):
    """follow_shop pays 30 once: 100 + 30 = 130; a second report under a new key credits 0 (limit); the first
    key again answers its first result with 200 and credits nothing."""
    send, programme, member = world["send"], world["programme"], world["member"]
    first = send("follow_shop", "wechat-1")
    assert first.status_code == 201
    assert first.json == {"user_id": member.id, "event": "follow_shop", "key": "wechat-1", "credited": 30,
                          "reason": None, "reported_at": first.json["reported_at"]}
    assert _available(programme, member) == 130
    again = send("follow_shop", "wechat-2")
    assert (again.status_code, again.json["credited"], again.json["reason"]) == (200, 0, "limit")
    replay = send("follow_shop", "wechat-1", at=START + timedelta(days=3))
    assert (replay.status_code, replay.json) == (200, first.json)
    assert _available(programme, member) == 130
    (entry,) = db.session.query(PointsEntry).filter_by(kind="event").all()
    assert (entry.delta, entry.reason) == (30, "follow_shop")


def test_a_daily_event_pays_again_on_the_next_local_day(world):
    """START is Monday 10:00 in Shanghai: share +5; 20:00 the same day nothing; 16:00 UTC is already Tuesday
    00:00 in Shanghai (still Monday in UTC): +5 again. 100 + 5 + 5 = 110."""
    send, programme, member = world["send"], world["programme"], world["member"]
    assert send("share", "s1").json["credited"] == 5
    assert send("share", "s2", at=START + timedelta(hours=10)).json["reason"] == "limit"
    assert send("share", "s3", at=START + timedelta(hours=14)).json["credited"] == 5
    assert _available(programme, member) == 110


def test_a_weekly_event_pays_once_per_iso_week(world):
    """live +8 on Monday 5 January; Sunday 11 January 23:00 Shanghai is the same ISO week (limit); Monday
    12 January 00:30 Shanghai (Sunday 16:30 UTC) a new week: +8. 100 + 8 + 8 = 116."""
    send, programme, member = world["send"], world["programme"], world["member"]
    assert send("live", "l1").json["credited"] == 8
    assert send("live", "l2", at=START + timedelta(days=6, hours=13)).json["reason"] == "limit"
    assert send("live", "l3", at=START + timedelta(days=6, hours=14, minutes=30)).json["credited"] == 8
    assert _available(programme, member) == 116


def test_an_event_limited_to_n_times_pays_n_times_in_all(world):
    """survey pays 20 at most 3 times: four reports on four days credit 20, 20, 20, 0: 100 + 60 = 160."""
    send, programme, member = world["send"], world["programme"], world["member"]
    credited = [send("survey", f"q{i}", at=START + timedelta(days=i)).json["credited"] for i in range(4)]
    assert credited == [20, 20, 20, 0]
    assert _available(programme, member) == 160


def test_a_key_reused_with_another_body_is_a_409_and_credits_nothing(world, make_user, make_programme):
    send, programme, member = world["send"], world["programme"], world["member"]
    assert send("survey", "k").status_code == 201
    other = make_user()
    join_programme(programme, other)
    db.session.commit()
    for refused in (send("share", "k"), send("survey", "k", user=other)):
        assert (refused.status_code, refused.json["error"]["code"]) == (409, "key_reused")
    assert _available(programme, member) == 120
    assert _available(programme, other) == 100


def test_bad_reports_are_422s_on_their_fields(world, make_user):
    """An unknown event, the review bonus (the mall reports it) and a user who is not a member: 422 on the field,
    nothing recorded."""
    send = world["send"]
    stranger = make_user()
    cases = [(send("dance", "a"), "event"), (send("review", "b"), "event"), (send("share", "c", user=stranger),
                                                                            "user_id")]
    for reply, field in cases:
        assert reply.status_code == 422 and list(reply.json["error"]["fields"]) == [field], reply.json
    assert db.session.query(EventReport).count() == 0


def test_the_body_is_checked_field_by_field(world, api, make_user, add_staff):
    shop, member = world["shop"], world["member"]
    manager = make_user()
    add_staff(shop, manager, StaffRole.MANAGER)
    staff = api(manager)
    url = f"/api/v1/shops/{shop.slug}/events"
    cases = [({"user_id": 2**31, "event": "share", "key": "x"}, "user_id"),
             ({"user_id": 99_999_999, "event": "share", "key": "x"}, "user_id"),
             ({"user_id": member.id, "event": "share"}, "key"),
             ({"user_id": member.id, "event": "share", "key": "x", "points": 5}, "points"),
             ({"user_id": member.id, "event": "Share!", "key": "x"}, "event"),
             ({"user_id": str(member.id), "event": "share", "key": "x"}, "user_id"),
             ({"user_id": member.id, "event": "share", "key": "x" * 81}, "key")]
    for body, field in cases:
        reply = staff.post(url, json=body)
        assert reply.status_code == 422 and field in reply.json["error"]["fields"], (body, reply.json)
    assert db.session.query(EventReport).count() == 0


def test_who_may_report(world, api, make_user, make_shop, add_staff):
    """Only a manager or owner of the shop: a shopper, support staff and another shop's owner are refused
    (403), an unknown shop and a shop without a programme are 404, no token is 401."""
    shop, member = world["shop"], world["member"]
    body = {"user_id": member.id, "event": "share", "key": "w"}
    url = f"/api/v1/shops/{shop.slug}/events"
    support, elsewhere = make_user(), make_user()
    add_staff(shop, support, StaffRole.SUPPORT)
    bare = make_shop(owner=elsewhere)
    assert api(member).post(url, json=body).status_code == 403
    assert api(support).post(url, json=body).status_code == 403
    assert api(elsewhere).post(url, json=body).status_code == 403
    assert api().post(url, json=body).status_code == 401
    assert api(elsewhere).post("/api/v1/shops/no-such-shop/events", json=body).status_code == 404
    assert api(elsewhere).post(f"/api/v1/shops/{bare.slug}/events", json=body).status_code == 404
    assert api(world["owner"]).post(url, json=body).status_code == 201
    assert _available(world["programme"], member) == 105


def test_the_platform_programme_takes_events_from_an_operator(make_user, make_programme, api):
    """Platform Plus with a daily "app_open" of 2 points: an operator reports it (50 joining + 2 = 52); a
    shopper may not."""
    from plugins.loyalty.seeds import PLATFORM_PROGRAMME

    doc = copy.deepcopy(PLATFORM_PROGRAMME)
    doc["points"]["events"] = {"app_open": {"points": 2, "limit": "daily"}}
    platform = make_programme(None, doc)
    shopper, operator = make_user(), make_user(operator=True)
    body = {"user_id": shopper.id, "event": "app_open", "key": "o1"}
    assert api(shopper).post("/api/v1/platform/events", json=body).status_code == 403
    assert api(operator).post("/api/v1/platform/events", json=body).json["credited"] == 2
    assert _available(platform, shopper) == 52


def test_a_completed_profile_credits_once(app, world, make_user, make_shop, make_programme):
    """The member has a name and a birthday but no phone: saving the account page with a phone completes the
    profile, +50 (100 + 50 = 150); saving again gives nothing more. Joining another shop whose programme pays
    for it with the profile complete pays there at once (100 + 50)."""
    programme, member = world["programme"], world["member"]
    member.birthday = date(1990, 5, 1)
    db.session.commit()
    client = signed_in(app, member)
    form = {"name": member.name, "phone": "", "birthday": "1990-05-01"}
    assert client.post("/account", data=form).status_code == 302
    assert _available(programme, member) == 100
    for _ in range(2):
        assert client.post("/account", data={**form, "phone": "13800000000"}).status_code == 302
        assert _available(programme, member) == 150
    other = make_programme(make_shop(), DOC)
    join_programme(other, member)
    db.session.commit()
    assert _available(other, member) == 150


def test_a_review_pays_its_bonus_through_the_event_path(world, api, make_product, checkout_at):
    """The review bonus (10) is a built-in event: one report per review, recorded as the review; 100 + 10."""
    shop, programme, member = world["shop"], world["programme"], world["member"]
    (order,) = checkout_at(member, START, (make_product(shop, price="30.00"), 1))
    orders.ship(order, None)
    orders.complete(order, None)
    db.session.commit()
    url = f"/api/v1/orders/{order.id}/lines/{order.lines[0].id}/review"
    assert api(member).post(url, json={"rating": 5, "text": "Lovely"}).status_code == 201
    assert _available(programme, member) == 110
    (row,) = db.session.query(EventReport).all()
    assert (row.event, row.source, row.points) == ("review", "review", 10)
    entry = db.session.get(PointsEntry, row.entry_id)
    assert (entry.kind, entry.idempotency_key) == ("review", f"review:{row.key}")


@requires_pg
def test_eight_reports_of_a_once_event_at_the_same_moment_credit_once(app, world, make_user, add_staff):
    """Eight staff requests for follow_shop with eight keys, released together: one credits 30, seven answer
    "limit"; the member has 100 + 30 = 130."""
    shop, programme, member = world["shop"], world["programme"], world["member"]
    manager = make_user()
    add_staff(shop, manager, StaffRole.MANAGER)
    token = ApiToken.issue(manager)
    db.session.commit()
    url, user_id = f"/api/v1/shops/{shop.slug}/events", member.id
    barrier = threading.Barrier(8)
    results: list = [None] * 8

    def run(i):
        with app.app_context():
            barrier.wait()
            try:
                reply = app.test_client().post(url, json={"user_id": user_id, "event": "follow_shop", "key": f"r{i}"},
                                               headers={"Authorization": f"Bearer {token}"})
                results[i] = (reply.status_code, reply.get_json().get("credited"))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [(200, 0)] * 7 + [(201, 30)], results
    assert _available(programme, member) == 130
    assert db.session.query(EventReport).filter_by(event="follow_shop").count() == 8


def test_the_editor_has_event_rows_with_errors_beside_each_box(client, world, add_staff):
    """The owner adds "checkin_photo" (12 points, 2 times) in the spare row and changes share to weekly; a
    number of times of 5000 and a code given twice are refused beside their boxes and nothing is saved."""
    from tests.fixtures.factories import PASSWORD
    from tests.test_programme_editor import _form

    shop, programme = world["shop"], world["programme"]
    client.post("/lang/en")
    client.post("/login", data={"email": world["owner"].email, "password": PASSWORD})
    url = f"/admin/{shop.slug}/loyalty/programme"
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="event-row"') == 5 and page.count("event-row spare") == 1
    data = _form(client, url)
    rows = {data[f"events-{i}-code"]: i for i in range(5)}
    spare = {"events-5-code": "checkin_photo", "events-5-points": "12", "events-5-limit": "times",
             "events-5-times": "2", "events-5-name_en": "A photo of your purchase"}
    saved = client.post(url, data={**data, **spare, f"events-{rows['share']}-limit": "weekly", "action": "save"})
    assert saved.status_code == 302
    db.session.expire_all()
    events = programme.document["points"]["events"]
    assert events["checkin_photo"] == {"points": 12, "limit": 2, "name_en": "A photo of your purchase"}
    assert events["share"] == {"points": 5, "limit": "weekly"} and len(events) == 6
    data = _form(client, url)
    row = {data[f"events-{i}-code"]: i for i in range(6)}["survey"]
    bad = client.post(url, data={**data, f"events-{row}-times": "5000", "action": "save"})
    assert bad.status_code == 422 and "Use once, daily, weekly or a number of times from 1 to 1000." in bad.get_data(
        as_text=True)
    twice = client.post(url, data={**data, "events-6-code": "survey", "events-6-points": "1", "action": "save"})
    assert twice.status_code == 422 and "This event is given twice." in twice.get_data(as_text=True)
    db.session.expire_all()
    assert programme.version == 2


def test_a_limit_error_is_flattened_to_the_events_own_path():
    from marshmallow import ValidationError

    from plugins.loyalty.programmes.schemas import validate_document

    doc = copy.deepcopy(DOC)
    doc["points"]["events"]["share"]["limit"] = "hourly"
    doc["points"]["events"]["Bad Name"] = {"points": 1}
    with pytest.raises(ValidationError) as refused:
        validate_document(doc)
    assert set(refused.value.messages) == {"points.events.share.limit", "points.events.Bad Name"}


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ["Ways to earn", "Follow the shop", "+30 points", "once", "Done", "+5 points", "once a day",
            "Done today", "up to 3 times", "2 more times", "Complete your profile", "for each review",
            "Event bonus · Follow the shop"]),
    ("zh", ["赚积分", "关注店铺", "+30 积分", "每天一次", "今日已完成", "最多 3 次", "还可 2 次", "完善资料",
            "每次评价", "任务奖励 · 关注店铺"])])
def test_the_member_sees_ways_to_earn_and_the_history_names_the_event(app, world, lang, words):
    """After follow_shop, one share today and one survey: follow is done, share done today, survey 2 more."""
    send, member = world["send"], world["member"]
    now = clock.now()
    for event, key in (("follow_shop", "f"), ("share", "s"), ("survey", "q")):
        assert send(event, key, at=now).status_code == 201
    client = signed_in(app, member)
    client.post(f"/lang/{lang}")
    page = client.get(f"/member/points?programme={world['shop'].slug}").get_data(as_text=True)
    for text in words:
        assert text in page, text


def test_the_event_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    shop = paths["/api/v1/shops/{shop}/events"]["post"]
    assert set(shop["responses"]) >= {"200", "201", "403", "404", "409", "422"}
    body = shop["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/EventReportBody") and "/api/v1/platform/events" in paths
