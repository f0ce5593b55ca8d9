"""Server time of the member centre's points, coupons and wallet pages for a member with 10 000 ledger entries.

Each page is rendered for a heavy member (10 000 points entries, 10 000 wallet entries,
2 000 coupons) and, as the baseline in the same run, for a light member (10 of each).
The goal: every heavy page under 50 ms, through pagination and indexes.

    .venv/bin/python bench/pages.py --entries 10000 --requests 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_apps, describe_machine  # noqa: E402

GOAL_MS = 50.0
PAGES = ("/member/points?programme=bench", "/member/coupons", "/member/wallet")


def _member(app, email: str, entries: int, coupons: int) -> None:
    """A shopper of the bench shop with `entries` points and wallet rows and `coupons` coupons, bulk-inserted."""
    from datetime import timedelta
    from decimal import Decimal

    from sqlalchemy import insert

    from mall import clock
    from mall.accounts import operations as accounts
    from mall.extensions import db
    from mall.tenants.models import Tenant
    from plugins.loyalty.coupons.models import Coupon
    from plugins.loyalty.coupons.operations import create_template
    from plugins.loyalty.members.operations import join_programme
    from plugins.loyalty.points.models import PointsEntry, PointsLot
    from plugins.loyalty.programmes.operations import programme_for
    from plugins.loyalty.wallet.models import WalletEntry
    from plugins.loyalty.wallet.operations import wallet_for

    with app.app_context():
        user = accounts.register(email, "bench-pass-1", email.split("@")[0])
        tenant = db.session.execute(db.select(Tenant).filter_by(slug="bench")).scalar_one()
        programme = programme_for(tenant)
        member, _created = join_programme(programme, user)
        wallet = wallet_for(user)
        now = clock.now()
        # Rows that balance: every points entry is +1 in its own lot, every wallet entry +1.00 cash.
        db.session.execute(insert(PointsEntry), [
            {"membership_id": member.id, "bucket": "available", "delta": 1, "kind": "check_in",
             "programme_version": 1, "idempotency_key": f"bench:{email}:{i}", "created_at": now - timedelta(minutes=i),
             "expires_at": now + timedelta(days=i % 60)} for i in range(entries)])
        db.session.execute(insert(PointsLot), [
            {"membership_id": member.id, "amount": 1, "remaining": 1, "expires_at": now + timedelta(days=i % 60),
             "created_at": now} for i in range(entries)])
        db.session.execute(insert(WalletEntry), [
            {"wallet_id": wallet.id, "balance": "cash", "delta": Decimal("1.00"), "kind": "top_up",
             "idempotency_key": f"bench:{email}:w{i}", "created_at": now - timedelta(minutes=i)}
            for i in range(entries)])
        member.points_available += entries
        wallet.cash += Decimal(entries)
        template = create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                               "valid_days": 30})
        db.session.execute(insert(Coupon), [
            {"template_id": template.id, "programme_id": programme.id, "user_id": user.id, "source": "staff",
             "issue_key": f"bench:{email}:c{i}", "valid_from": now, "valid_until": now + timedelta(days=30 - i % 40),
             "created_at": now} for i in range(coupons)])
        template.issued = coupons
        db.session.commit()


def _timings(app, email: str, requests: int) -> dict[str, float]:
    """Median milliseconds per page, signed in as the member."""
    client = app.test_client()
    client.post("/login", data={"email": email, "password": "bench-pass-1"})
    out = {}
    for path in PAGES:
        client.get(path)  # warm the template and the statement caches
        samples = []
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        out[path] = statistics.median(samples)
    return out


def main(argv=None) -> int:
    """Seed a light and a heavy member, time the pages, print the table (exit 1 on a miss with --strict)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a page misses the goal")
    args = parser.parse_args(argv)
    _plain, app, database = bench_apps()
    app.config["WTF_CSRF_ENABLED"] = False
    from bench.checkout import _seed

    _seed(app, 1)
    _member(app, "light@bench.example", 10, 10)
    _member(app, "heavy@bench.example", args.entries, args.entries // 5)
    light = _timings(app, "light@bench.example", args.requests)
    heavy = _timings(app, "heavy@bench.example", args.requests)
    print(describe_machine(database))
    print(f"median of {args.requests} requests; heavy member: {args.entries} points and wallet entries, "
          f"{args.entries // 5} coupons; light member: 10 of each")
    print(f"{'page':<34} {'light ms':>9} {'heavy ms':>9} {'ratio':>6}  goal < {GOAL_MS:.0f} ms")
    missed = False
    for path in PAGES:
        ok = heavy[path] < GOAL_MS
        missed |= not ok
        print(f"{path:<34} {light[path]:>9.1f} {heavy[path]:>9.1f} {heavy[path] / light[path]:>6.2f}  "
              f"{'meets' if ok else 'MISSES'}")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
