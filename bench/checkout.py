"""Checkouts per second through the API, loyalty plugin disabled vs enabled, measured in the same run.

The same cart (two regular items from one shop) is bought again and again through
`POST /api/v1/checkout`. Without the plugin it is a plain checkout; with it the shopper is a
VIP of a VANCL-style programme and pays with member price, a coupon, points and wallet money.
Rounds alternate between the two so that both see the same machine and database state.

    make bench                      # PostgreSQL at MALL_BENCH_DATABASE_URL (default: local, database mall_bench)
    .venv/bin/python bench/checkout.py --rounds 5 --per-round 100
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_apps, describe_machine  # noqa: E402

GOAL = 0.70  # loyalty may cost at most 30 % of throughput


def _seed(app, checkouts: int) -> dict:
    """A VANCL shop, a VIP shopper with points, wallet money and one coupon per enabled checkout."""
    from datetime import timedelta
    from decimal import Decimal

    from mall import clock
    from mall.accounts import operations as accounts
    from mall.accounts.models import ApiToken
    from mall.addresses.operations import add_address
    from mall.catalog import operations as catalog
    from mall.extensions import db
    from mall.tenants import operations as tenants
    from plugins.loyalty.coupons import operations as coupon_ops
    from plugins.loyalty.members.operations import join_programme
    from plugins.loyalty.points import operations as ledger
    from plugins.loyalty.programmes.operations import save_document
    from plugins.loyalty.seeds import VANCL
    from plugins.loyalty.wallet.operations import move, wallet_for

    with app.app_context():
        owner = accounts.register("owner@bench.example", "bench-pass-1", "Owner")
        shopper = accounts.register("shopper@bench.example", "bench-pass-1", "Shopper")
        add_address(shopper, {"name": "Shopper", "phone": "13800138000", "region": "上海市", "city": "上海市",
                              "street": "南京西路 1266 号"})
        shop = tenants.create_tenant("bench", "Bench shop", owner.email, shipping_fee=Decimal("8.00"))
        coat = catalog.save_product(shop, None, {"name": "Coat", "price": Decimal("100.00"), "stock": 1_000_000,
                                                 "sale": False, "category": "Coats"})
        jeans = catalog.save_product(shop, None, {"name": "Jeans", "price": Decimal("50.00"), "stock": 1_000_000,
                                                  "sale": False, "category": "Jeans"})
        programme = save_document(shop, VANCL)
        member, _ = join_programme(programme, shopper)
        now = clock.now()
        member.tier_code, member.period_start, member.period_end = "vip", now, now + timedelta(days=365)
        ledger.credit(member, 100 * checkouts + 1000, "adjust", "bench:points", reason="bench")
        move(wallet_for(shopper), "cash", Decimal("10.00") * checkouts + 100, "adjust", "bench:wallet", reason="bench")
        template = coupon_ops.create_template(programme, {"name": "5 off", "kind": "amount_off", "value": "5",
                                                          "valid_days": 30})
        coupons = [coupon_ops.issue(template, shopper, "staff", f"bench:{i}").id for i in range(checkouts)]
        token = ApiToken.issue(shopper)
        db.session.commit()
        return {"token": token, "lines": [{"product_id": coat.id, "qty": 1}, {"product_id": jeans.id, "qty": 2}],
                "coupons": coupons}


def _round(app, seed, n: int, loyalty: bool, first_coupon: int) -> float:
    """Checkouts per second for n checkouts in a row."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {seed['token']}"}
    started = time.perf_counter()
    for i in range(n):
        body = {"lines": seed["lines"]}
        if loyalty:
            body.update(coupons=[seed["coupons"][first_coupon + i]], points={"bench": 100}, wallet="10.00")
        response = client.post("/api/v1/checkout", json=body, headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"checkout failed ({'enabled' if loyalty else 'disabled'}): {response.get_json()}")
    return n / (time.perf_counter() - started)


def main(argv=None) -> int:
    """Run the benchmark and print a table with the ratio (exit 1 on a miss only with --strict)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--warm-up", type=int, default=20)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the ratio misses the goal")
    args = parser.parse_args(argv)
    total = (args.rounds * args.per_round) + args.warm_up
    plain, loyal, database = bench_apps()
    seed = _seed(loyal, total)
    used = 0
    _round(plain, seed, args.warm_up, False, 0)
    _round(loyal, seed, args.warm_up, True, used)
    used += args.warm_up
    disabled, enabled = [], []
    for _ in range(args.rounds):
        disabled.append(_round(plain, seed, args.per_round, False, 0))
        enabled.append(_round(loyal, seed, args.per_round, True, used))
        used += args.per_round
    off, on = statistics.median(disabled), statistics.median(enabled)
    ratio = on / off
    print(describe_machine(database))
    print(f"rounds: {args.rounds} × {args.per_round} checkouts each way (after {args.warm_up} warm-up)")
    print(f"{'loyalty plugin':<16} {'checkouts/s (median)':>22} {'rounds':>40}")
    print(f"{'disabled':<16} {off:>22.1f} {', '.join(f'{x:.1f}' for x in disabled):>40}")
    print(f"{'enabled':<16} {on:>22.1f} {', '.join(f'{x:.1f}' for x in enabled):>40}")
    verdict = "meets" if ratio >= GOAL else "MISSES"
    print(f"ratio enabled/disabled: {ratio:.2f} ({verdict} the goal of at least {GOAL:.2f})")
    return 1 if args.strict and ratio < GOAL else 0


if __name__ == "__main__":
    raise SystemExit(main())
