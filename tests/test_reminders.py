"""Reminders: points about to lapse (per lot and threshold, inactivity), keeping and reaching a tier, the member's
choice, consent, the weekly cap and quiet hours; the settings page and API; the programme editor's fields."""

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from mall.notifications.models import MarketingContact, MarketingPolicy, Notification
from mall.notifications.operations import render
from plugins.loyalty.members.operations import credit_metric, join_programme, membership
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.programmes.operations import programme_for
from plugins.loyalty.reminders.models import Reminder
from plugins.loyalty.reminders.operations import set_preferences
from plugins.loyalty.seeds import FOUR_TIERS, TAOBAO, VANCL
from tests.conftest import requires_pg
from tests.fixtures.factories import PASSWORD

#: 10:00 in Shanghai on Monday 5 January 2026.
T0 = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
#: A point lot credited at T0 under "fixed, 365 days" lapses at 2027-01-05 02:00 UTC (10:00 in Shanghai):
#: its 30-day reminder is due from 2026-12-06 02:00 UTC, its 7-day one from 2026-12-29 02:00 UTC.
LAPSES = datetime(2027, 1, 5, 2, 0, tzinfo=UTC)


def _days(first: datetime, last: datetime, hour: int = 6):
    """A tick each day at `hour` UTC (14:00 in Shanghai, outside quiet hours) from `first` to `last`."""
    day = first.replace(hour=hour, minute=0)
    while day <= last:
        yield day
        day += timedelta(days=1)


def _tick_days(first, last):
    for moment in _days(first, last):
        run_tick(moment)


def _messages(user, channel="inbox", status="sent"):
    db.session.expire_all()
    return db.session.execute(db.select(Notification).where(
        Notification.user_id == user.id, Notification.channel == channel, Notification.status == status,
        Notification.kind.like("loyalty.reminder%")).order_by(Notification.id)).scalars().all()


def _words(notification, language="en"):
    with force_locale(language):
        return render(notification)


@pytest.fixture
def tea(make_shop, make_programme):
    """茶铺 / Tea House on the four-tier programme (without its joining points): points lapse 365 days after they
    are credited."""
    shop = make_shop(slug="tea")
    shop.name, shop.name_en = "茶铺", "Tea House"
    db.session.commit()
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["bonuses"]["join"] = 0
    return make_programme(shop, doc)


@pytest.fixture
def vancl(make_shop, make_programme):
    """凡客 / VANCL on the VANCL document: points lapse 365 days after the last order; VIP keeps with 1000 a year."""
    shop = make_shop(slug="vancl")
    shop.name, shop.name_en = "凡客", "VANCL"
    db.session.commit()
    return make_programme(shop, VANCL)


def _member(programme, user, at=T0):
    with clock.frozen_at(at):
        join_programme(programme, user)
        db.session.commit()
    return membership(programme, user)


def _lot(member, points, at, key):
    ledger.credit(member, points, "adjust", key, funded_by="shop", at=at)
    db.session.commit()


def test_a_lot_is_reminded_at_30_and_at_7_days_exactly_once_each(tea, make_user):
    """120 points credited at T0: daily ticks over the whole last 40 days give exactly two reminders, on 6 and
    29 December, both naming 5 January 2027, in the reader's language."""
    user = make_user()
    member = _member(tea, user)
    _lot(member, 120, T0, "test:lot:a")
    _tick_days(datetime(2026, 11, 26, tzinfo=UTC), datetime(2026, 12, 5, tzinfo=UTC))
    assert _messages(user) == []
    _tick_days(datetime(2026, 12, 6, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC))
    run_tick(datetime(2026, 12, 29, 7, tzinfo=UTC))  # a second tick the same day changes nothing
    first, second = _messages(user)
    assert (first.created_at, second.created_at) == (datetime(2026, 12, 6, 6, tzinfo=UTC),
                                                     datetime(2026, 12, 29, 6, tzinfo=UTC))
    assert _words(first) == "Tea House: 120 points expire on Jan 5, 2027."
    assert _words(second, "zh") == "茶铺：您有 120 积分将于 2027年1月5日 过期。"
    assert first.marketing and first.link == "/member/points"
    marks = db.session.execute(db.select(Reminder.days, Reminder.due_at).order_by(Reminder.id)).all()
    assert marks == [(30, LAPSES), (7, LAPSES)]
    # Each reached the member once: two marketing contacts.
    assert db.session.execute(db.select(db.func.count(MarketingContact.id))).scalar() == 2


def test_lots_lapsing_on_different_days_are_reminded_apart_and_a_day_s_lots_together(tea, make_user):
    """100 at T0 and 20 two hours later lapse on the same day (one message of 120 points); 50 credited ten days
    later lapse on 15 January (its own message, due from 16 December)."""
    user = make_user()
    member = _member(tea, user)
    _lot(member, 100, T0, "test:lot:a")
    _lot(member, 20, T0 + timedelta(hours=2), "test:lot:c")
    _lot(member, 50, T0 + timedelta(days=10), "test:lot:b")
    _tick_days(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC))
    texts = [_words(n) for n in _messages(user)]
    assert texts == ["Tea House: 120 points expire on Jan 5, 2027.", "Tea House: 50 points expire on Jan 15, 2027."]
    # Three lots reminded at 30 days, the first two under one message.
    marks = db.session.execute(db.select(Reminder.lot_id, Reminder.message_key).order_by(Reminder.id)).all()
    assert len(marks) == 3 and marks[0].message_key == marks[1].message_key != marks[2].message_key


def test_a_lot_found_inside_both_thresholds_gets_one_reminder(tea, make_user):
    """A lot already 5 days from lapsing (reminders switched on late) gets the 7-day reminder only."""
    user = make_user()
    member = _member(tea, user)
    _lot(member, 10, T0, "test:lot:a")
    run_tick(datetime(2026, 12, 31, 6, tzinfo=UTC))
    run_tick(datetime(2027, 1, 1, 6, tzinfo=UTC))
    (only,) = _messages(user)
    assert _words(only) == "Tea House: 10 points expire on Jan 5, 2027."
    assert db.session.execute(db.select(Reminder.days)).scalars().all() == [7]


def test_inactivity_reminds_once_per_moment_and_threshold(vancl, make_user):
    """VANCL: everything lapses 365 days after the last order (here: joining at T0) → 5 January 2027; an order on
    31 December 2026 moves the moment to 31 December 2027, which is reminded afresh."""
    user = make_user()
    member = _member(vancl, user)
    _lot(member, 200, T0, "test:idle:a")
    _tick_days(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 3, tzinfo=UTC))
    assert [_words(n) for n in _messages(user)] == ["VANCL: 200 points expire on Jan 5, 2027."] * 2
    member = membership(vancl, user)
    member.last_order_at = datetime(2026, 12, 31, 2, tzinfo=UTC)
    db.session.commit()
    _tick_days(datetime(2027, 1, 4, tzinfo=UTC), datetime(2027, 12, 2, tzinfo=UTC) - timedelta(days=300))
    assert len(_messages(user)) == 2
    run_tick(datetime(2027, 12, 1, 6, tzinfo=UTC))
    run_tick(datetime(2027, 12, 2, 6, tzinfo=UTC))
    assert _words(_messages(user)[-1]) == "VANCL: 200 points expire on Dec 31, 2027."
    assert len(_messages(user)) == 3


def test_a_member_who_turned_expiry_reminders_off_gets_none(tea, make_user):
    """Expiry off: no reminder and no mark (turning it back on later reminds at the next threshold)."""
    user = make_user()
    member = _member(tea, user)
    _lot(member, 120, T0, "test:lot:a")
    set_preferences(user.id, expiry=False, tier=True)
    db.session.commit()
    _tick_days(datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 30, tzinfo=UTC))
    assert _messages(user) == [] and db.session.execute(db.select(Reminder.id)).first() is None
    set_preferences(user.id, expiry=True, tier=True)
    db.session.commit()
    run_tick(datetime(2026, 12, 31, 6, tzinfo=UTC))
    assert len(_messages(user)) == 1


def test_quiet_hours_hold_the_email_and_release_it_after(tea, make_user, app):
    """The 7-day threshold is crossed at 02:00 UTC; a tick at 15:30 UTC (23:30 in Shanghai) puts the reminder in the
    inbox at once and holds the e-mail until 08:00 (00:00 UTC), when the next tick sends it."""
    outbox = Path(app.config["OUTBOX_DIR"])
    for path in outbox.glob("*") if outbox.exists() else []:
        path.unlink()
    user = make_user(consent_email=True)
    member = _member(tea, user)
    _lot(member, 120, T0, "test:lot:a")
    set_preferences(user.id, expiry=True, tier=True)
    late = datetime(2026, 12, 29, 15, 30, tzinfo=UTC)
    run_tick(late)
    assert len(_messages(user)) == 1
    (mail,) = _messages(user, "email", "queued")
    morning = datetime(2026, 12, 30, 0, 0, tzinfo=UTC)
    assert mail.send_after == morning and not list(outbox.glob("*"))
    run_tick(morning - timedelta(minutes=1))
    assert _messages(user, "email", "queued") and not list(outbox.glob("*"))
    run_tick(morning + timedelta(minutes=1))
    (sent,) = _messages(user, "email", "sent")
    assert sent.id == mail.id and len(list(outbox.glob("*.eml"))) == 1
    # The member reads Chinese by default: the e-mail's subject and body are in Chinese (MIME-encoded).
    assert sent.address == user.email and sent.marketing


def test_the_weekly_cap_holds_a_reminder_until_the_week_has_room(tea, make_user):
    """Cap 1 and a marketing message on 3 December: the 30-day reminder (6 December) waits; it is held again
    each day until 10 December, when the week since 3 December is over."""
    db.session.add(MarketingPolicy(id=1, weekly_cap=1, quiet_start=22, quiet_end=8, held="defer"))
    user = make_user()
    member = _member(tea, user)
    _lot(member, 120, T0, "test:lot:a")
    db.session.add(MarketingContact(user_id=user.id, idempotency_key="push:1:1", at=datetime(2026, 12, 3, 6,
                                                                                             tzinfo=UTC)))
    db.session.commit()
    run_tick(datetime(2026, 12, 6, 6, tzinfo=UTC))
    (held,) = _messages(user, "inbox", "queued")
    assert held.send_after == datetime(2026, 12, 7, 6, tzinfo=UTC) and _messages(user) == []
    _tick_days(datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 9, tzinfo=UTC))
    assert _messages(user) == []
    run_tick(datetime(2026, 12, 10, 6, 1, tzinfo=UTC))
    (sent,) = _messages(user)
    assert sent.id == held.id
    assert db.session.execute(db.select(db.func.count(MarketingContact.id))).scalar() == 2


def test_keep_tier_names_the_amount_and_the_day(vancl, make_user):
    """VIP reached at T0 (2000 credited): a year's period to 5 January 2027 and the count restarts. 436.60 more
    during the year leaves 1000 − 436.60 = 563.40 to keep VIP, reminded 30 days before, on 6 December, once."""
    user = make_user()
    member = _member(vancl, user)
    with clock.frozen_at(T0):
        credit_metric(member, Decimal("2000.00"), "test:metric:1", at=T0)
        credit_metric(member, Decimal("436.60"), "test:metric:2", at=T0 + timedelta(days=100))
        db.session.commit()
    assert membership(vancl, user).period_end == LAPSES
    _tick_days(datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 20, tzinfo=UTC))
    reached, keep = _messages(user)
    assert _words(reached) == "VANCL: you reached VIP."
    assert _words(keep) == "VANCL: keep VIP — spend ¥563.40 more by Jan 5, 2027."
    assert "¥563.40" in _words(keep, "zh") and "2027年1月5日" in _words(keep, "zh")
    assert keep.created_at == datetime(2026, 12, 6, 6, tzinfo=UTC)


def test_keep_tier_is_not_sent_when_the_amount_is_reached(vancl, make_user):
    """1000 counted in the period already keeps VIP: no reminder."""
    user = make_user()
    member = _member(vancl, user)
    credit_metric(member, Decimal("2000.00"), "test:metric:1", at=T0)
    credit_metric(member, Decimal("1000.00"), "test:metric:2", at=T0 + timedelta(days=10))
    db.session.commit()
    _tick_days(datetime(2026, 12, 5, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
    assert [n.kind for n in _messages(user)] == ["loyalty.reminder_reached"]


def test_rolling_window_keep_tier(make_shop, make_programme, make_user):
    """Taobao: 90 rolling days re-evaluated each month; VIP from 800. 850 on 20 October 2026 counts at the
    1 December evaluation only if after 2 September: it does, so no reminder. 850 on 1 September does not: from
    1 November (30 days before 1 December) the member is told to spend ¥800.00 by 30 November."""
    programme = make_programme(make_shop(slug="taobao"), TAOBAO)
    kept, dropping = make_user(), make_user()
    for user, at in ((kept, datetime(2026, 10, 20, 2, tzinfo=UTC)), (dropping, datetime(2026, 9, 1, 2, tzinfo=UTC))):
        member = _member(programme, user, at)
        credit_metric(member, Decimal("850.00"), f"test:metric:{user.id}", at=at)
        db.session.commit()
    run_tick(datetime(2026, 11, 1, 6, tzinfo=UTC))
    run_tick(datetime(2026, 11, 2, 6, tzinfo=UTC))
    assert [n.kind for n in _messages(kept)] == ["loyalty.reminder_reached"]
    reached, keep = _messages(dropping)
    assert _words(keep) == "Shop: keep VIP — spend ¥800.00 more by Nov 30, 2026."


def test_you_reached_is_sent_once_per_tier_change(vancl, make_user):
    """The same credit replayed and many ticks: one "you reached VIP"; SVIP later is a second message; a member
    with tier reminders off gets neither."""
    user, quiet = make_user(), make_user()
    set_preferences(quiet.id, expiry=True, tier=False)
    for who in (user, quiet):
        member = _member(vancl, who)
        assert credit_metric(member, Decimal("2000.00"), "test:metric:1:" + str(who.id), at=T0)
        assert not credit_metric(member, Decimal("2000.00"), "test:metric:1:" + str(who.id), at=T0)
        db.session.commit()
    _tick_days(T0, T0 + timedelta(days=3))
    assert [_words(n) for n in _messages(user)] == ["VANCL: you reached VIP."]
    member = membership(vancl, user)
    credit_metric(member, Decimal("2500.00"), "test:metric:2", at=T0 + timedelta(days=5))
    db.session.commit()
    assert [_words(n, "zh") for n in _messages(user)] == ["凡客：恭喜您升级为VIP。", "凡客：恭喜您升级为SVIP。"]
    assert len(_messages(user)) == 2 and _messages(quiet) == []


def test_reminders_api(api, make_user, client):
    """GET answers both on by default; PUT saves both; anything but true/false, a missing or unknown field is a 422;
    without a token a 401."""
    user = make_user()
    me = api(user)
    assert me.get("/api/v1/me/reminders").json == {"expiry": True, "tier": True}
    saved = me.put("/api/v1/me/reminders", {"expiry": False, "tier": True})
    assert saved.status_code == 200 and saved.json == {"expiry": False, "tier": True}
    assert me.get("/api/v1/me/reminders").json == {"expiry": False, "tier": True}
    for body, field in (({"expiry": "no", "tier": True}, "expiry"), ({"expiry": 1, "tier": True}, "expiry"),
                        ({"expiry": True}, "tier"), ({"expiry": True, "tier": True, "sms": True}, "sms")):
        bad = me.put("/api/v1/me/reminders", body)
        assert bad.status_code == 422 and field in bad.json["error"]["fields"], (body, bad.json)
    assert me.put("/api/v1/me/reminders", [True]).status_code == 400  # not an object: the core's 400
    assert me.get("/api/v1/me/reminders").json == {"expiry": False, "tier": True}
    assert client.get("/api/v1/me/reminders").status_code == 401
    assert client.put("/api/v1/me/reminders", json={"expiry": True, "tier": True}).status_code == 401
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/me/reminders"])


def test_settings_page_and_inbox(client, tea, make_user):
    """The member centre's page saves the choice and lists the latest reminders; the inbox links to it."""
    user = make_user()
    member = _member(tea, user)
    _lot(member, 120, T0, "test:lot:a")
    run_tick(datetime(2026, 12, 6, 6, tzinfo=UTC))
    client.post("/lang/en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    page = client.get("/member/reminders").get_data(as_text=True)
    assert "Tea House: 120 points expire on Jan 5, 2027." in page and page.count('checked') == 2
    saved = client.post("/member/reminders", data={"tier": "y"}, follow_redirects=True)
    assert saved.status_code == 200 and "Your reminder choices are saved." in saved.get_data(as_text=True)
    from plugins.loyalty.reminders.operations import preferences

    assert preferences(user.id) == {"expiry": False, "tier": True}
    inbox = client.get("/member/inbox").get_data(as_text=True)
    assert "/member/reminders" in inbox and "Tea House: 120 points expire on Jan 5, 2027." in inbox


def test_programme_editor_edits_the_reminder_days(client, make_shop, make_user, make_programme):
    """The editor shows 30, 7 and 30; it saves 60, 14, 3 and no keep-tier reminders; 0 and 400 are refused by the
    field."""
    from tests.test_programme_editor import _form

    owner = make_user()
    shop = make_shop(owner=owner, slug="tea")
    make_programme(shop, copy.deepcopy(FOUR_TIERS))
    client.post("/lang/en")
    client.post("/login", data={"email": owner.email, "password": PASSWORD})
    url = "/admin/tea/loyalty/programme"
    data = _form(client, url)
    assert (data["reminders-expiry_days"], data["reminders-tier_days"]) == ("30, 7", "30")
    bad = client.post(url, data={**data, "reminders-expiry_days": "0, 400", "action": "save"})
    assert bad.status_code == 422 and "reminders-expiry_days" in bad.get_data(as_text=True)
    good = client.post(url, data={**data, "reminders-expiry_days": "60, 14,3", "reminders-tier_days": "",
                                  "action": "save"})
    assert good.status_code == 302
    db.session.expire_all()
    saved = programme_for(shop).document["points"]["reminders"]
    assert saved == {"expiry_days": [60, 14, 3], "tier_days": None}


def test_the_demo_leaves_reminders_in_the_shoppers_inboxes():
    """After the demo: Bob is reminded that his 100 four-tier joining points lapse, Carol what keeps her Fresh Orchard
    silver card (¥300.00, none of it counted at the next evaluation), and both were told the tiers they reached."""
    from mall.accounts.models import User
    from mall.demo import load_demo

    assert load_demo() is True
    bob, carol = User.by_email("bob@mall-demo.cn"), User.by_email("carol@mall-demo.cn")
    bob_says = [_words(n) for n in _messages(bob)]
    carol_says = [_words(n) for n in _messages(carol)]
    assert any(text.startswith("Mingxiang Tea House: 100 points expire on") for text in bob_says)
    assert "Taobao Handmade: you reached VIP." in bob_says
    assert "Fresh Orchard: you reached Silver card." in carol_says
    keep = [text for text in carol_says if text.startswith("Fresh Orchard: keep Silver card — spend ¥300.00 more by")]
    # Due 30 days before the next month begins: every day but the first of a 31-day month.
    from plugins.loyalty.reminders.operations import next_boundary

    due = clock.now() >= next_boundary(clock.now(), "Asia/Shanghai", "month") - timedelta(days=30)
    assert len(keep) == (1 if due else 0)


@requires_pg
def test_ticks_at_once_remind_once(app, tea, make_user):
    """PostgreSQL, 16 threads running the reminder step for the same member and moment: the UNIQUE key per lot and
    threshold lets one through; one message, one marketing contact."""
    import threading

    from plugins.loyalty.members.models import Membership
    from plugins.loyalty.programmes.models import Programme
    from plugins.loyalty.reminders.operations import remind

    user = make_user()
    member = _member(tea, user)
    _lot(member, 120, T0, "test:lot:a")
    ids, at, sent = (tea.id, member.id), datetime(2026, 12, 6, 6, tzinfo=UTC), []
    barrier = threading.Barrier(16)

    def attempt():
        with app.app_context(), clock.frozen_at(at):
            barrier.wait()
            sent.append(remind(db.session.get(Programme, ids[0]), db.session.get(Membership, ids[1]), at))
            db.session.commit()
            db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == [0] * 15 + [1]
    assert len(_messages(user)) == 1
    assert db.session.execute(db.select(db.func.count(Reminder.id))).scalar() == 1
    assert db.session.execute(db.select(db.func.count(MarketingContact.id))).scalar() == 1
