"""Push messages: e-mail and SMS with consent, delivery rows and retries, the weekly cap and quiet hours."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from mall.notifications.models import MarketingContact, MarketingPolicy, Notification
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.pushes.models import PushResult
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.factories import PASSWORD
from tests.jobs_support import FlakySms

#: 12:00 and 23:30 in Shanghai (the shop's zone); quiet hours are 22:00–08:00 by default.
NOON = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)


@pytest.fixture
def shop(make_shop, make_user, make_programme, api):
    """Six members: 0–1 agree to e-mail, 2–3 to SMS (3 has no phone), 4–5 to nothing."""
    owner = make_user()
    tenant = make_shop(owner=owner, slug="tea")
    programme = make_programme(tenant, FOUR_TIERS)
    templates = [coupon_ops.create_template(programme, {"name": f"{n} off", "kind": "amount_off", "value": str(n),
                                                        "valid_days": 30})
                 for n in (5, 8, 10)]
    users = []
    for i in range(6):
        user = make_user(consent_email=i < 2, consent_sms=i in (2, 3), phone="13800000000" if i == 2 else None)
        join_programme(programme, user)
        users.append(user)
    db.session.commit()
    return {"owner": api(owner), "templates": templates, "users": users, "programme": programme}


def _push(shop, template, channels, at):
    with clock.frozen_at(at):
        reply = shop["owner"].post("/api/v1/shops/tea/pushes", {"template_id": template.id, "filter": {},
                                                                 "channels": channels})
    assert reply.status_code == 202, reply.json
    return reply.json["push"]["id"]


def _rows(**where):
    return db.session.execute(db.select(Notification).filter_by(**where).order_by(Notification.id)).scalars().all()


def _files(app, kind):
    folder = Path(app.config["OUTBOX_DIR" if kind == "email" else "SMS_OUTBOX_DIR"])
    return sorted(folder.glob("*")) if folder.exists() else []


@pytest.fixture(autouse=True)
def _empty_outboxes(app):
    for kind in ("email", "sms"):
        for path in _files(app, kind):
            path.unlink()


def test_each_channel_reaches_those_who_agreed(shop, app):
    """Six inbox messages, two e-mails (written to the outbox), one SMS (the member with a phone)."""
    push_id = _push(shop, shop["templates"][0], ["inbox", "email", "sms"], NOON)
    users = shop["users"]
    assert len(_rows(channel="inbox", status="sent")) == 6
    emails = _rows(channel="email")
    assert [(n.user_id, n.status, n.address) for n in emails] == [(users[0].id, "sent", users[0].email),
                                                                  (users[1].id, "sent", users[1].email)]
    assert [(n.user_id, n.status, n.address) for n in _rows(channel="sms")] == [(users[2].id, "sent", "13800000000")]
    files = _files(app, "email")
    assert [f.name for f in files] == sorted(f"push_{push_id}_{u.id}_email.eml" for u in users[:2])
    assert "Subject:" in files[0].read_text() and users[0].email in Path(files[0]).read_text()
    assert len(_files(app, "sms")) == 1
    # One marketing contact per member, however many channels carried the message.
    assert db.session.execute(db.select(db.func.count(MarketingContact.id))).scalar() == 6


def test_failed_sms_is_retried_and_sent_once(shop, app, monkeypatch):
    """The gateway fails twice: the row waits with its error, the tick retries, one text goes out."""
    monkeypatch.setitem(app.config, "SMS_PROVIDER", "tests.jobs_support:FlakySms")
    monkeypatch.setattr(FlakySms, "failures", 2)
    monkeypatch.setattr(FlakySms, "calls", [])
    _push(shop, shop["templates"][0], ["sms"], NOON)
    (row,) = _rows(channel="sms")
    assert (row.status, row.attempts, row.error) == ("queued", 1, "gateway timed out")
    assert row.send_after == NOON + timedelta(minutes=1)
    run_tick(NOON + timedelta(seconds=30))
    assert db.session.get(Notification, row.id).attempts == 1  # not due yet
    run_tick(NOON + timedelta(minutes=2))
    run_tick(NOON + timedelta(minutes=10))
    row = db.session.get(Notification, row.id)
    db.session.refresh(row)
    assert (row.status, row.attempts, row.error) == ("sent", 3, None)
    assert len(FlakySms.calls) == 3 and len(_files(app, "sms")) == 1


def test_a_worker_dying_after_sending_does_not_send_twice(shop, app):
    """A row left `sending` (sent, not yet marked) is handed out again after ten minutes; the key stops a repeat."""
    _push(shop, shop["templates"][0], ["email"], NOON)
    first = _rows(channel="email")[0]
    before = _files(app, "email")[0].read_text()
    db.session.execute(db.update(Notification).where(Notification.id == first.id)
                       .values(status="sending", claimed_at=NOON))
    db.session.commit()
    run_tick(NOON + timedelta(minutes=5))
    assert db.session.get(Notification, first.id).status == "sending"
    run_tick(NOON + timedelta(minutes=11))
    row = db.session.get(Notification, first.id)
    db.session.refresh(row)
    assert (row.status, row.attempts) == ("sent", 2)
    assert len(_files(app, "email")) == 2 and _files(app, "email")[0].read_text() == before


def test_weekly_cap_holds_messages_but_not_coupons(shop, app):
    """Cap 2: the third push of the week still issues coupons, but its messages wait a day (or are dropped)."""
    db.session.add(MarketingPolicy(id=1, weekly_cap=2, quiet_start=22, quiet_end=8, held="defer"))
    db.session.commit()
    _push(shop, shop["templates"][0], ["inbox"], NOON)
    _push(shop, shop["templates"][1], ["inbox"], NOON + timedelta(hours=1))
    third = _push(shop, shop["templates"][2], ["inbox", "email"], NOON + timedelta(hours=2))
    state = shop["owner"].get(f"/api/v1/shops/tea/pushes/{third}").json["push"]
    assert (state["targeted"], state["issued"], state["skipped"], state["coupons"]) == (6, 0, 6, 6)
    assert state["skipped_by_reason"] == {"weekly_cap": 6}
    assert db.session.execute(db.select(db.func.count(Coupon.id))
                              .where(Coupon.template_id == shop["templates"][2].id)).scalar() == 6
    held = _rows(channel="inbox", status="queued")
    assert len(held) == 6 and {n.send_after for n in held} == {NOON + timedelta(hours=2, days=1)}
    inbox = shop["users"][0]
    assert shop["owner"].get("/api/v1/me").status_code == 200
    # Not in the inbox yet, and the header does not count it.
    from mall.notifications.operations import unread_count

    assert unread_count(inbox.id) == 2
    # A day later the week still holds two contacts: the message waits another day; a week on, it goes.
    run_tick(NOON + timedelta(hours=2, days=1, minutes=1))
    assert len(_rows(channel="inbox", status="queued")) == 6
    run_tick(NOON + timedelta(days=7, hours=3))
    assert len(_rows(channel="inbox", status="queued")) == 0
    assert unread_count(inbox.id) == 3
    assert len(_files(app, "email")) == 2


def test_weekly_cap_can_drop_instead(shop):
    """With "drop", held-back messages are recorded as dropped and never sent."""
    db.session.add(MarketingPolicy(id=1, weekly_cap=1, quiet_start=22, quiet_end=8, held="drop"))
    db.session.commit()
    _push(shop, shop["templates"][0], ["inbox"], NOON)
    _push(shop, shop["templates"][1], ["inbox", "email"], NOON + timedelta(hours=1))
    assert len(_rows(status="dropped")) == 6 + 2
    run_tick(NOON + timedelta(days=9))
    assert len(_rows(status="dropped")) == 8 and len(_rows(channel="inbox", status="sent")) == 6


def test_quiet_hours_hold_email_and_sms_until_morning(shop, app):
    """At 23:30 shop time the inbox message arrives at once; e-mail and SMS wait until 08:00."""
    push_id = _push(shop, shop["templates"][0], ["inbox", "email", "sms"], LATE)
    morning = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert len(_rows(channel="inbox", status="sent")) == 6
    waiting = _rows(channel="email") + _rows(channel="sms")
    assert len(waiting) == 3 and {(n.status, n.send_after) for n in waiting} == {("queued", morning)}
    reasons = dict(db.session.execute(db.select(PushResult.user_id, PushResult.reason)
                                      .where(PushResult.push_id == push_id)).all())
    users = shop["users"]
    # Held back: those an interrupting channel reaches (3 agreed to SMS but has no phone: inbox only).
    assert {u for u, r in reasons.items() if r == "quiet_hours"} == {users[i].id for i in (0, 1, 2)}
    assert _files(app, "email") == []
    run_tick(morning - timedelta(minutes=1))
    assert _files(app, "email") == []
    run_tick(morning + timedelta(minutes=1))
    assert len(_files(app, "email")) == 2 and len(_files(app, "sms")) == 1
    assert db.session.execute(db.select(db.func.count(MarketingContact.id))).scalar() == 6


def test_operator_sets_the_limits(client, make_user):
    """The messages page saves the cap and quiet hours (audited); a bad cap re-shows the form with a message."""
    operator = make_user(operator=True)
    client.post("/login", data={"email": operator.email, "password": PASSWORD})
    page = client.get("/platform/messages")
    assert page.status_code == 200 and "22:00" in page.text
    bad = client.post("/platform/messages", data={"weekly_cap": "-1", "quiet_start": "22", "quiet_end": "8",
                                                  "held": "defer"})
    assert bad.status_code == 422 and db.session.get(MarketingPolicy, 1) is None
    good = client.post("/platform/messages", data={"weekly_cap": "5", "quiet_start": "21", "quiet_end": "9",
                                                   "held": "drop"})
    assert good.status_code == 302
    saved = db.session.get(MarketingPolicy, 1)
    assert (saved.weekly_cap, saved.quiet_start, saved.quiet_end, saved.held) == (5, 21, 9, "drop")
    from mall.audit.models import AuditEntry

    entry = db.session.execute(db.select(AuditEntry).filter_by(action="marketing.policy")).scalar_one()
    assert entry.details["before"]["weekly_cap"] == 3 and entry.details["after"]["weekly_cap"] == 5


def test_shop_staff_cannot_set_the_limits(client, make_user):
    """Only operators reach the messages page."""
    client.post("/login", data={"email": make_user().email, "password": PASSWORD})
    assert client.get("/platform/messages").status_code in (403, 404)
