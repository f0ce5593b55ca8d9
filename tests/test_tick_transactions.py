"""The tick works one shop at a time: a shop's failure is rolled back alone, and mail leaves only after a commit."""

import copy
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from mall import clock, jobs, signals
from mall.cli import run_tick
from mall.extensions import db
from mall.notifications.models import Notification
from mall.orders import operations as orders
from mall.orders.models import Order, OrderStatus
from plugins.loyalty import tick as loyalty_tick
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme, membership
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import FOUR_TIERS
from tests.fixtures.programmes import START

#: Past both shops' return window (7 days) after shipping at START: 10:00 on 13 January in Shanghai.
AT = START + timedelta(days=8)


def _doc():
    doc = copy.deepcopy(FOUR_TIERS)
    doc["points"]["bonuses"]["birthday"] = 88
    return doc


@pytest.fixture
def mall(make_shop, make_user, make_product, make_programme, checkout_at):
    """Shops `good` and `bad`: one shipped order each, due at AT, from a member whose birthday AT is."""
    user = make_user(birthday=clock.local_date(clock.zone_of(None), AT).replace(year=1990))
    shops, programmes, placed = {}, {}, {}
    for slug in ("good", "bad"):
        shops[slug] = make_shop(slug=slug, return_window_days=7)
        programmes[slug] = make_programme(shops[slug], _doc())
        with clock.frozen_at(START):
            join_programme(programmes[slug], user)
        db.session.commit()
        (placed[slug],) = checkout_at(user, START, (make_product(shops[slug], price="30.00"), 1))
        with clock.frozen_at(START):
            orders.ship(placed[slug], None)
        db.session.commit()
    return {"user": user, "shops": shops, "programmes": programmes, "orders": {k: o.id for k, o in placed.items()}}


def _due_email(user, key, at):
    """A queued e-mail row that is due at `at` (as a retried or deferred delivery is)."""
    row = Notification(user_id=user.id, channel="email", kind="loyalty.birthday", params={}, status="queued",
                       idempotency_key=key, address=user.email, send_after=at - timedelta(minutes=1),
                       created_at=at - timedelta(hours=1))
    db.session.add(row)
    db.session.commit()
    return row.id


def _outbox(app):
    folder = Path(app.config["OUTBOX_DIR"])
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


@pytest.fixture(autouse=True)
def _empty_outbox(app):
    for name in _outbox(app):
        (Path(app.config["OUTBOX_DIR"]) / name).unlink()


def _status(order_id):
    return db.session.execute(db.select(Order.status).where(Order.id == order_id)).scalar()


def _points(programme, user):
    db.session.expire_all()
    member = membership(programme, user)
    return member.points_available, member.points_pending


def _entries(programme=None):
    """Ledger rows (of one programme's members)."""
    query = db.select(db.func.count(PointsEntry.id))
    if programme is not None:
        query = query.join(Membership, Membership.id == PointsEntry.membership_id).where(
            Membership.programme_id == programme.id)
    return db.session.execute(query).scalar()


def _break_shop(monkeypatch, app, tenant_id):
    """Make the shop's settlement and its members' tick raise; returns the receiver to disconnect."""
    def refuse_settlement(sender, order, **kwargs):
        if order.tenant_id == tenant_id:
            raise RuntimeError("settlement rules broken")

    real = loyalty_tick._member_tick

    def member_tick(programme, member, *args):
        if programme.tenant_id == tenant_id:
            raise RuntimeError("programme rules broken")
        return real(programme, member, *args)

    monkeypatch.setattr(loyalty_tick, "_member_tick", member_tick)
    signals.order_settled.connect(refuse_settlement, sender=app)
    return refuse_settlement


def test_one_shops_failure_is_rolled_back_alone_and_the_next_tick_finishes_it(mall, app, monkeypatch):
    """`bad` raises in settlement and in its members' tick: only its work is rolled back and reported; `good`
    settles, gets its birthday bonus and its mail; the tick after that settles `bad` and repeats nothing."""
    user, good, bad = mall["user"], mall["programmes"]["good"], mall["programmes"]["bad"]
    email = _due_email(user, "retry:1:email", AT)
    receiver = _break_shop(monkeypatch, app, mall["shops"]["bad"].id)
    try:
        result = app.test_cli_runner().invoke(args=["mall", "tick", "--at", AT.isoformat()])
    finally:
        signals.order_settled.disconnect(receiver, sender=app)
        monkeypatch.undo()
    assert result.exit_code == 1
    assert "failed_shops=1" in result.output and "orders_settled=1" in result.output
    assert "bad: RuntimeError: settlement rules broken" in result.output
    assert _status(mall["orders"]["good"]) == OrderStatus.SETTLED
    assert _status(mall["orders"]["bad"]) == OrderStatus.SHIPPED
    assert _points(good, user) == (100 + 30 + 88, 0)
    assert _points(bad, user) == (100, 30)
    assert db.session.get(Notification, email).status == "sent" and _outbox(app) == ["retry_1_email.eml"]
    entries = _entries(good)

    report = run_tick(AT)
    assert (report["failed_shops"], report.failed) == (0, {})
    assert (report["orders_settled"], report["loyalty_birthday"], report["messages_due"]) == (1, 1, 0)
    assert _status(mall["orders"]["bad"]) == OrderStatus.SETTLED
    assert _points(good, user) == (100 + 30 + 88, 0)
    assert _points(bad, user) == (100 + 30 + 88, 0)
    assert _entries(good) == entries  # nothing of good's again
    assert _outbox(app) == ["retry_1_email.eml"]


def test_a_failing_chunk_keeps_the_chunks_before_it_and_the_next_tick_does_the_rest(make_shop, make_user,
                                                                                    make_programme, monkeypatch):
    """Members are ticked in chunks that commit one by one: the third member's failure stops the programme after
    the first chunk of two; the next tick gives the birthday bonus to the other three, and to nobody twice."""
    shop = make_shop(slug="big")
    programme = make_programme(shop, _doc())
    birthday = clock.local_date(clock.zone_of(shop), AT).replace(year=1990)
    users = [make_user(birthday=birthday) for _ in range(5)]
    with clock.frozen_at(START):
        for user in users:
            join_programme(programme, user)
    db.session.commit()
    monkeypatch.setattr(loyalty_tick, "BATCH", 2)
    real, third = loyalty_tick._member_tick, membership(programme, users[2]).id

    def member_tick(programme, member, *args):
        if member.id == third:
            raise RuntimeError("one member's data is broken")
        return real(programme, member, *args)

    monkeypatch.setattr(loyalty_tick, "_member_tick", member_tick)
    report = run_tick(AT)
    assert (report["loyalty_birthday"], report.failed) == (2, {"big": "RuntimeError: one member's data is broken"})
    assert [_points(programme, u)[0] for u in users] == [188, 188, 100, 100, 100]
    monkeypatch.setattr(loyalty_tick, "_member_tick", real)
    assert run_tick(AT)["loyalty_birthday"] == 3
    assert [_points(programme, u)[0] for u in users] == [188] * 5


def test_no_mail_leaves_before_the_commit_that_justifies_it(mall, app):
    """The commit that would release the due e-mail fails: nothing reaches the outbox and the row still waits;
    the next tick sends it once. At the moment of that commit the outbox is still empty."""
    email = _due_email(mall["user"], "retry:2:email", AT)
    seen = []

    def fail_release(session):
        if any(job.path.endswith(":deliver") for job in jobs.pending()):
            raise RuntimeError("database went away")

    event.listen(Session, "before_commit", fail_release)
    try:
        report = run_tick(AT)
    finally:
        event.remove(Session, "before_commit", fail_release)
    assert report.failed == {"delivery": "RuntimeError: database went away"}
    assert _outbox(app) == []
    row = db.session.get(Notification, email)
    assert (row.status, row.attempts) == ("queued", 0)
    assert _status(mall["orders"]["good"]) == OrderStatus.SETTLED  # the shops' work committed on its own

    def look(session):
        if any(job.path.endswith(":deliver") for job in jobs.pending()):
            seen.append(_outbox(app))

    event.listen(Session, "before_commit", look)
    try:
        report = run_tick(AT + timedelta(minutes=1))
    finally:
        event.remove(Session, "before_commit", look)
    assert seen == [[]] and report["failed_shops"] == 0
    db.session.expire_all()
    assert db.session.get(Notification, email).status == "sent" and _outbox(app) == ["retry_2_email.eml"]


def test_a_dry_run_reports_and_changes_nothing(mall, app):
    """`--dry-run` counts the due orders and messages, commits nothing, sends nothing."""
    email = _due_email(mall["user"], "retry:3:email", AT)
    entries = _entries()
    result = app.test_cli_runner().invoke(args=["mall", "tick", "--at", AT.isoformat(), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "[dry run]" in result.output and "orders_settled=2" in result.output and "messages_due=1" in result.output
    db.session.expire_all()
    assert {_status(order_id) for order_id in mall["orders"].values()} == {OrderStatus.SHIPPED}
    assert _entries() == entries
    assert db.session.get(Notification, email).status == "queued" and _outbox(app) == []
    assert db.session.execute(db.select(db.func.count(Notification.id))).scalar() == 1


def _raising_receiver(sender, **kwargs):
    raise RuntimeError("plugin bug")


def test_a_receiver_that_raises_stops_no_other_work(mall, app):
    """A tick receiver that lets an error out is rolled back and reported; settlement and the others still run."""
    email = _due_email(mall["user"], "retry:4:email", AT)
    signals.tick.connect(_raising_receiver, sender=app)
    try:
        report = run_tick(AT)
    finally:
        signals.tick.disconnect(_raising_receiver, sender=app)
    assert report.failed == {f"{__name__}._raising_receiver": "RuntimeError: plugin bug"}
    assert (report["orders_settled"], report["loyalty_birthday"], report["messages_due"]) == (2, 2, 1)
    assert db.session.get(Notification, email).status == "sent"
