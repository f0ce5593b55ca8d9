"""Coupon push throughput on PostgreSQL + Redis against a raw COPY of the same rows, and segment previews at scale.

1. A push of one coupon to 100 000 members (inbox messages) through the RQ queue and a real
   `flask mall worker`, timed from the moment it is queued to `done`: coupons issued per second.
   A 10 000-member push runs first and the database is analysed, so the tables a push writes
   have rows and planner statistics, as they would in a mall that has been running.
2. The baseline, in the same run and database: `COPY` of 100 000 coupon rows into the same table.
   Goal: the push reaches at least 25 % of the COPY rate.
3. Segment previews (count and a sample) over a programme of 1 000 000 members. Goal: under 1 s.

    make bench                      # needs PostgreSQL and Redis (MALL_BENCH_REDIS_URL, default local)
    .venv/bin/python bench/push.py --members 100000 --preview-members 1000000
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import bench_apps, describe_machine  # noqa: E402

GOAL = 0.25
#: How the workers run jobs: in the worker process (no fork per job), the throughput setting.
WORKER_ARGS = os.environ.get("MALL_BENCH_WORKER_ARGS", "--no-fork").split()
PREVIEW_LIMIT = 1.0
FILTERS = {
    "everyone": {},
    "tier": {"tier": ["regular"]},
    "points 1000–2000": {"points_min": 1000, "points_max": 2000},
    "consent e-mail": {"consent": "email"},
    "sleeping": {"activity": "sleeping"},
    "birthday in May": {"birthday_month": 5},
    "joined this year": {"joined_after": "2026-01-01T00:00:00+00:00"},
    "never bought": {"lifecycle": "never_bought"},
}


def _redis_url() -> str | None:
    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("MALL_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        Redis.from_url(url, socket_connect_timeout=3).ping()
    except RedisError:
        return None
    return url


def _shop(slug: str, members: int):
    """A four-tier shop with `members` bulk-created members and a coupon template without stock limit."""
    from mall.accounts import operations as accounts
    from mall.extensions import db
    from mall.tenants import operations as tenants
    from plugins.loyalty.coupons import operations as coupon_ops
    from plugins.loyalty.programmes.operations import save_document
    from plugins.loyalty.seeds import FOUR_TIERS
    from tests.fixtures.bulk import bulk_members

    owner = accounts.register(f"owner@{slug}.example", "bench-pass-1", "Owner")
    shop = tenants.create_tenant(slug, slug.title(), owner.email)
    programme = save_document(shop, FOUR_TIERS)
    bulk_members(programme, members, tag=uuid.uuid4().hex[:6])
    template = coupon_ops.create_template(programme, {"name": "10 off", "kind": "amount_off", "value": "10",
                                                      "valid_days": 30})
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    return programme, template


def _push_rate(app, url: str, redis_url: str, queue: str, members: int, workers: int) -> tuple[float, float]:
    """(coupons per second, seconds) for a push to every member, worked by real RQ workers."""
    from mall.extensions import db
    from plugins.loyalty.pushes import operations as pushes
    from plugins.loyalty.pushes.models import Push

    with app.app_context():
        # A finished push first, so the tables a push writes have rows and statistics, as in a running mall.
        warm, warm_template = _shop("warmup", max(members // 10, 1000))
        _inline(url, warm.id, warm_template.id)
        programme, template = _shop("pushbench", members)
        outbox = tempfile.mkdtemp()
        env = {**os.environ, "MALL_DATABASE_URL": url, "REDIS_URL": redis_url, "MALL_QUEUE_NAME": queue,
               "MALL_OUTBOX_DIR": outbox, "MALL_SMS_OUTBOX_DIR": outbox}
        running = [subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "mall", "worker", *WORKER_ARGS],
                                    cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL) for _ in range(workers)]
        try:
            time.sleep(3)  # let the workers start and register before the clock runs
            _checkpoint(app)
            started = time.perf_counter()
            push = pushes.create_push(programme, {"template_id": template.id, "filter": {}, "channels": ["inbox"]})
            db.session.commit()
            push_id = push.id
            while True:
                db.session.rollback()
                state = db.session.get(Push, push_id)
                db.session.refresh(state)
                if state.status in ("done", "cancelled"):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            issued = pushes.progress(state)["issued"]
        finally:
            for worker in running:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait()
        if issued != members:
            raise SystemExit(f"the push issued {issued} coupons for {members} members")
        return issued / elapsed, elapsed


def _inline(url: str, programme_id: int, template_id: int) -> None:
    """Run a push to completion on the embedded queue (the warm-up)."""
    from mall import create_app
    from mall.extensions import db
    from plugins.loyalty.programmes.models import Programme
    from plugins.loyalty.pushes import operations as pushes

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "EMBEDDED_QUEUE_INLINE": True, "SECRET_KEY": "bench",
                      "MALL_PLUGINS": ["loyalty"]})
    with app.app_context():
        pushes.create_push(db.session.get(Programme, programme_id), {"template_id": template_id, "filter": {}})
        db.session.commit()


def _checkpoint(app) -> None:
    """Flush dirty pages before a measurement so neither side pays for the other's writes (needs superuser)."""
    from mall.extensions import db

    with app.app_context():
        try:
            db.session.execute(db.text("CHECKPOINT"))
            db.session.commit()
        except Exception:  # not allowed for this role: measure without it
            db.session.rollback()


def _copy_rate(app, members: int) -> tuple[float, float]:
    """(rows per second, seconds) for COPY of one coupon row per member into loyalty_coupons."""
    from datetime import UTC, datetime, timedelta

    from mall.extensions import db
    from plugins.loyalty.coupons import operations as coupon_ops
    from plugins.loyalty.members.models import Membership
    from plugins.loyalty.programmes.models import Programme

    with app.app_context():
        programme = db.session.execute(db.select(Programme).order_by(Programme.id.desc())).scalars().first()
        template = coupon_ops.create_template(programme, {"name": "copy", "kind": "amount_off", "value": "1",
                                                          "valid_days": 30})
        db.session.commit()
        users = db.session.execute(db.select(Membership.user_id).where(Membership.programme_id == programme.id)
                                   .limit(members)).scalars().all()
        now = datetime.now(UTC).replace(tzinfo=None)
        until = now + timedelta(days=30)
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            started = time.perf_counter()
            with cursor.copy("COPY loyalty_coupons (template_id, programme_id, user_id, source, issue_key, "
                             "valid_from, valid_until, created_at) FROM STDIN") as copy:
                for user_id in users:
                    copy.write_row((template.id, programme.id, user_id, "push", f"copy:{template.id}:{user_id}",
                                    now, until, now))
            connection.commit()
            elapsed = time.perf_counter() - started
        finally:
            connection.close()
        return len(users) / elapsed, elapsed


def _previews(app, members: int, repeats: int) -> dict[str, tuple[int, float]]:
    """Median seconds of `preview()` per filter over a programme of `members` members."""
    from mall.extensions import db
    from plugins.loyalty.segments.operations import preview
    from plugins.loyalty.segments.schemas import SegmentSchema

    with app.app_context():
        programme, _template = _shop("previewbench", members)
        results = {}
        for name, raw in FILTERS.items():
            f = SegmentSchema().load(raw)
            times, count = [], 0
            for _ in range(repeats):
                started = time.perf_counter()
                count = preview(programme, f)["count"]
                times.append(time.perf_counter() - started)
                db.session.rollback()
            results[name] = (count, statistics.median(times))
        return results


def main() -> int:
    """Run the three measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--preview-members", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="RQ workers (default: one per CPU)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    redis_url = _redis_url()
    _plain, loyal, label = bench_apps()
    url = loyal.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql") or redis_url is None:
        print(f"bench/push.py needs PostgreSQL and Redis (database: {label}; redis: "
              f"{redis_url or 'unreachable'}); skipped.")
        return 1 if args.strict else 0
    from mall import create_app

    queue = f"mall-bench-{uuid.uuid4().hex[:6]}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url, "QUEUE_NAME": queue,
                      "SECRET_KEY": "bench", "MALL_PLUGINS": ["loyalty"]})
    print(describe_machine(label) + f"; queue: RQ on Redis, {args.workers} worker(s) {' '.join(WORKER_ARGS)}")
    push_rate, push_s = _push_rate(app, url, redis_url, queue, args.members, args.workers)
    copies = []
    for _ in range(args.repeats):
        _checkpoint(app)
        copies.append(_copy_rate(app, args.members))
    copy_rate, copy_s = max(copies)  # the best COPY: the baseline is never flattered by a slow round
    ratio = push_rate / copy_rate
    print(f"{'':24}{'rows':>9}{'seconds':>10}{'rows/s':>10}")
    print(f"{'push (queue → done)':24}{args.members:>9}{push_s:>10.2f}{push_rate:>10.0f}")
    print(f"{'COPY coupon rows (best)':24}{args.members:>9}{copy_s:>10.2f}{copy_rate:>10.0f}"
          f"   rounds: {', '.join(f'{rate:.0f}' for rate, _s in copies)}")
    met = ratio >= GOAL
    print(f"ratio push/COPY: {ratio:.2f} ({'meets' if met else 'MISSES'} the goal of at least {GOAL:.2f})")
    print(f"segment preview over {args.preview_members} members (median of {args.repeats}):")
    slow = []
    for name, (count, seconds) in _previews(app, args.preview_members, args.repeats).items():
        print(f"  {name:22}{count:>9} members{seconds * 1000:>9.0f} ms")
        if seconds >= PREVIEW_LIMIT:
            slow.append(name)
    print("previews: " + (f"SLOWER than {PREVIEW_LIMIT:.0f} s: {', '.join(slow)}" if slow
                          else f"all under {PREVIEW_LIMIT:.0f} s"))
    return 1 if args.strict and (not met or slow) else 0


if __name__ == "__main__":
    sys.exit(main())
