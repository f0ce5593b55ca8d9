"""A 20 000-member push on PostgreSQL + Redis with real `rq` workers, and the same with a worker killed mid-chunk."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func

from mall.extensions import db
from mall.notifications.models import MarketingPolicy, Notification
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.pushes import operations as pushes
from plugins.loyalty.pushes.models import Push, PushResult
from plugins.loyalty.seeds import FOUR_TIERS
from tests.conftest import DB_URL, REDIS_URL, make_test_app, requires_pg, requires_redis
from tests.fixtures.bulk import members_bulk

pytestmark = [requires_pg, requires_redis]
MEMBERS, STOCK = 20_000, 19_700
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def world(make_shop, make_user, make_programme, tmp_path):
    """A shop with 20 000 members (1 in 10 agree to e-mail, 1 in 20 to SMS), a coupon with stock 19 700 that 100
    members already hold, no quiet hours (the test must not depend on the time of day), and a Redis-backed app."""
    tenant = make_shop(owner=make_user(), slug="big")
    programme = make_programme(tenant, FOUR_TIERS)
    members_bulk(programme, MEMBERS, tag=uuid.uuid4().hex[:6])
    template = coupon_ops.create_template(programme, {"name": "20 off", "kind": "amount_off", "value": "20",
                                                      "valid_days": 30, "stock": STOCK, "per_member_limit": 1})
    holders = db.session.execute(db.select(db.text("user_id FROM loyalty_memberships WHERE programme_id = :p "
                                                   "ORDER BY id LIMIT 100"), ), {"p": programme.id}).scalars().all()
    from mall.accounts.models import User

    for user_id in holders:
        coupon_ops.issue(template, db.session.get(User, user_id), "staff")
    db.session.add(MarketingPolicy(id=1, weekly_cap=3, quiet_start=0, quiet_end=0, held="defer"))
    db.session.commit()
    queue = f"mall-test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "MALL_DATABASE_URL": DB_URL, "REDIS_URL": REDIS_URL, "MALL_QUEUE_NAME": queue,
           "MALL_OUTBOX_DIR": str(tmp_path / "outbox"), "MALL_SMS_OUTBOX_DIR": str(tmp_path / "sms"),
           "MALL_SMS_PROVIDER": "tests.jobs_support:CountingSms"}
    (tmp_path / "sms").mkdir()
    app = make_test_app(REDIS_URL=REDIS_URL, QUEUE_NAME=queue, EMBEDDED_QUEUE_INLINE=False)
    return {"programme": programme, "template": template, "env": env, "app": app, "tmp": tmp_path}


def _start(world, burst=False):
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "mall", "worker"] + (["--burst"] if burst else [])
    log = world["tmp"] / f"worker-{time.monotonic_ns()}.log"
    with open(log, "w") as handle:
        worker = subprocess.Popen(command, cwd=ROOT, env=world["env"], start_new_session=True,
                                  stdout=handle, stderr=subprocess.STDOUT)
    worker.log = log
    return worker


def _push(world) -> int:
    with world["app"].app_context():
        programme = db.session.merge(world["programme"])
        push = pushes.create_push(programme, {"template_id": world["template"].id, "filter": {},
                                              "channels": ["inbox", "email", "sms"]})
        db.session.commit()
        return push.id


def _results(push_id) -> int:
    db.session.rollback()
    return db.session.execute(db.select(func.count(PushResult.id)).where(PushResult.push_id == push_id)).scalar()


def _wait(worker, seconds=300):
    try:
        worker.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        raise
    assert worker.returncode == 0, worker.log.read_text()[-3000:]


def _assert_exact(world, push_id):
    """One coupon per eligible member, counts that add up, stock kept, one message per member and channel."""
    db.session.rollback()
    push = db.session.get(Push, push_id)
    assert push.status == "done"
    outcomes = dict(db.session.execute(db.select(PushResult.reason, func.count(PushResult.id))
                                       .where(PushResult.push_id == push_id).group_by(PushResult.reason)).all())
    assert push.targeted == MEMBERS and sum(outcomes.values()) == MEMBERS
    assert outcomes == {None: STOCK - 100, "limit": 100, "out_of_stock": MEMBERS - STOCK}
    template = db.session.get(CouponTemplate, world["template"].id)
    coupons = db.session.execute(db.select(func.count(Coupon.id)).where(Coupon.template_id == template.id)).scalar()
    assert template.issued == coupons == STOCK
    doubled = db.session.execute(db.select(Coupon.user_id).where(Coupon.template_id == template.id)
                                 .group_by(Coupon.user_id).having(func.count() > 1)).all()
    assert doubled == []
    issued_users = db.select(PushResult.user_id).where(PushResult.push_id == push_id, PushResult.outcome == "issued")
    for channel, expected in (("inbox", STOCK - 100), ("email", None), ("sms", None)):
        rows = db.session.execute(db.select(Notification.user_id, func.count()).where(
            Notification.channel == channel, Notification.user_id.in_(issued_users))
            .group_by(Notification.user_id)).all()
        assert all(n == 1 for _u, n in rows), channel
        if expected is not None:
            assert len(rows) == expected
        statuses = set(db.session.execute(db.select(Notification.status).where(Notification.channel == channel)
                                          .distinct()).scalars())
        assert statuses == {"sent"}, (channel, statuses)
    emails = db.session.execute(db.select(func.count(Notification.id)).where(Notification.channel == "email")).scalar()
    texts = db.session.execute(db.select(func.count(Notification.id)).where(Notification.channel == "sms")).scalar()
    assert emails > 1500 and texts > 700
    assert len(list((world["tmp"] / "outbox").glob("*.eml"))) == emails
    calls = (world["tmp"] / "sms" / "calls.log").read_text().split()
    assert len(calls) == len(set(calls)) == texts  # no text was handed to the gateway twice
    skipped_users = db.select(PushResult.user_id).where(PushResult.push_id == push_id, PushResult.outcome == "skipped")
    assert db.session.execute(db.select(func.count(Notification.id))
                              .where(Notification.user_id.in_(skipped_users))).scalar() == 0


def test_push_to_20000_members_with_an_rq_worker(world):
    """Done when #1: a real worker issues exactly one coupon per eligible member and one message each."""
    push_id = _push(world)
    _wait(_start(world, burst=True))
    _assert_exact(world, push_id)


def test_worker_killed_mid_chunk_then_restarted(world):
    """Done when #2: SIGKILL a worker in the middle of the push; a new worker finishes with exactly the same result."""
    push_id = _push(world)
    worker = _start(world)
    deadline = time.monotonic() + 120
    while _results(push_id) < 3000 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-chunk
    worker.wait()
    done = _results(push_id)
    assert 0 < done < MEMBERS, "the kill must land in the middle of the push"
    db.session.rollback()
    assert db.session.get(Push, push_id).status == "running"
    _wait(_start(world, burst=True))
    _assert_exact(world, push_id)
