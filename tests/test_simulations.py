"""Programme simulation: the current version's column equals what actually happened, a draft differs as worked out
by hand, nothing but the simulation's row is written, and the API's tenancy, roles and bad input."""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func

from mall import clock
from mall.cli import run_tick
from mall.extensions import db
from mall.orders import operations as orders
from mall.orders.models import Order
from mall.tenants.models import StaffRole
from plugins.loyalty.members.models import Membership, TierChange
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import VANCL
from plugins.loyalty.simulations.models import Simulation
from plugins.loyalty.wallet.models import WalletEntry
from tests.fixtures.programmes import START

DAY = timedelta(days=1)
#: VANCL style with a 90-day validity and points lapsing 120 days after the last order, so that a few months of
#: history see tiers kept and lost and points lapse; VIP pays a 1 % wallet rebate.
DOC = copy.deepcopy(VANCL)
DOC["levels"]["window"]["days"] = 90
DOC["points"]["expiry"]["days"] = 120
DOC["levels"]["tiers"][1]["rebate_rate"] = "0.01"


def doubled(document: dict) -> dict:
    """The draft: twice the base rate, on sale items too."""
    draft = copy.deepcopy(document)
    draft["points"]["earn"]["points"], draft["points"]["earn"]["sale_points"] = "4", "1"
    return draft


@pytest.fixture
def history(make_shop, make_user, make_product, make_programme, checkout_at, settle, api, add_staff):
    """Four months of a shop: three members, settled orders, a VIP reached and lost, a refund, points spent."""
    boss = make_user(name="Boss")
    shop = make_shop(owner=boss)
    shop.return_window_days = 7
    db.session.commit()
    programme = make_programme(shop, DOC)
    coat = make_product(shop, price="1000.00", stock=100)
    sock = make_product(shop, price="100.00", stock=100, sale=True)
    ann, bob, cy = (make_user(name=n) for n in ("Ann", "Bob", "Cy"))
    with clock.frozen_at(START):
        for user in (ann, bob, cy):
            join_programme(programme, user)
        db.session.commit()

    def order(user, day, *items, points=None, refund=None):
        placed = checkout_at(user, START + day * DAY, *items, points=points)
        if refund is not None:
            with clock.frozen_at(START + (day + 1) * DAY):
                orders.refund(placed[0], None, refund(placed[0]))
                db.session.commit()
        settle(placed[0], START + (day + 2) * DAY)
        return placed[0]

    # Ann: 1000 + 1000 → VIP (the second settles on day 12), then two coats at 98 % and 1.5×, paying 200 points;
    # her 1956 in the VIP period keeps VIP when it ends on day 102.
    order(ann, 1, (coat, 1))
    order(ann, 3, (coat, 1))
    order(ann, 20, (coat, 2), points={shop.slug: 200})
    # Bob: two coats and two sale socks, one sock refunded before settlement → VIP; nothing more, so the 90-day
    # period ends with 0 < keep 1000 and he drops back; his points lapse 120 days after his last order.
    order(bob, 5, (coat, 2), (sock, 2), refund=lambda o: [{"line_id": o.lines[1].id, "qty": 1}])
    # Cy: sale items only.
    order(cy, 30, (sock, 3))
    order(cy, 60, (sock, 1))
    end = START + 130 * DAY
    run_tick(end)
    db.session.expire_all()
    owner = api(boss)
    return {"shop": shop, "programme": programme, "owner": owner, "boss": boss, "end": end, "api": api,
            "add_staff": add_staff, "make_user": make_user, "make_shop": make_shop}


def _simulate(h, document, months=6):
    with clock.frozen_at(h["end"]):
        reply = h["owner"].post(f"/api/v1/shops/{h['shop'].slug}/programme/simulate",
                                json={"document": document, "months": months})
    assert reply.status_code == 202, reply.json
    assert reply.json["simulation"]["status"] == "queued"
    got = h["owner"].get(f"/api/v1/shops/{h['shop'].slug}/programme/simulations/{reply.json['simulation']['id']}")
    assert got.status_code == 200 and got.json["simulation"]["status"] == "done"
    return got.json["simulation"]


def _actual(programme) -> dict:
    members = db.select(Membership.id).where(Membership.programme_id == programme.id)
    issued = db.session.execute(db.select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
        PointsEntry.membership_id.in_(members), PointsEntry.bucket == "available", PointsEntry.kind == "earn")).scalar()
    by_tier = dict(db.session.execute(db.select(Membership.tier_code, func.count()).where(
        Membership.programme_id == programme.id).group_by(Membership.tier_code)).all())
    liability = db.session.execute(db.select(func.sum(Membership.points_available)).where(
        Membership.programme_id == programme.id)).scalar()
    discount = sum(o.discount for o in db.session.execute(db.select(Order).where(
        Order.tenant_id == programme.tenant_id, Order.settled_at.is_not(None))).scalars())
    rebates = sum((e.delta for e in db.session.execute(db.select(WalletEntry).where(WalletEntry.kind == "rebate"))
                   .scalars()), Decimal(0))
    moves = dict(db.session.execute(db.select(TierChange.reason, func.count()).where(
        TierChange.membership_id.in_(members)).group_by(TierChange.reason)).all())
    return {"points_issued": issued, "members_by_tier": by_tier, "liability": liability,
            "discount_cost": discount, "rebates": rebates, "moves": moves}


def _counts() -> dict:
    return {t.name: db.session.execute(db.select(func.count()).select_from(t)).scalar()
            for t in db.metadata.sorted_tables}


def test_the_current_column_equals_what_happened_and_a_doubled_rate_is_worked_out_by_hand(history):
    actual = _actual(history["programme"])
    # What happened, worked out by hand from the arithmetic (PROGRAMME.md):
    # Ann 2000 + 2000 + 2 × 1.5 × (1960 − 4.00 paid in points) = 9868; Bob keeps 2 coats and 1 sock:
    # 2 × 2000 + 0.5 × 100 = 4050; Cy 0.5 × 400 = 200.
    assert actual["points_issued"] == 2000 + 2000 + 5868 + 4050 + 150 + 50
    # Ann is VIP; Bob reached VIP on day 14 and lost it when the period ended (day 104); Cy stayed in the lowest tier.
    assert actual["members_by_tier"] == {"vip": 1, "normal": 2}
    assert (actual["moves"]["up"], actual["moves"]["down"]) == (2, 1)
    # Bob's 4050 lapsed on day 125 (120 days after his order on day 5); Ann keeps 9868 − 200; Cy keeps 200.
    assert actual["liability"] == 9868 - 200 + 200
    # Ann's VIP order: 2000 − 1960 = 40. Rebates at 1 % of each order settled as VIP (the tier after its own
    # level credit): Ann's second (1000.00) and third (1956.00), Bob's (2100.00).
    assert actual["discount_cost"] == Decimal("40.00")
    assert actual["rebates"] == Decimal("10.00") + Decimal("19.56") + Decimal("21.00")
    before = _counts()
    sim = _simulate(history, doubled(DOC))
    after = _counts()
    assert {k: after[k] - before[k] for k in before if after[k] != before[k]} == {"loyalty_simulations": 1}
    current, draft = sim["current"], sim["draft"]
    assert current["points_issued"] == actual["points_issued"]
    assert {k: v for k, v in current["members_by_tier"].items() if v} == actual["members_by_tier"]
    assert current["liability"] == actual["liability"]
    assert Decimal(current["discount_cost"]) == actual["discount_cost"]
    assert Decimal(current["rebates"]) == actual["rebates"]
    assert current["tier_moves"] == {"up": 2, "down": 1}
    # Twice the rate: every order earns exactly twice (no fractions were floored), tiers and money are unchanged.
    assert draft["points_issued"] == 2 * actual["points_issued"]
    assert draft["members_by_tier"] == current["members_by_tier"]
    assert (draft["discount_cost"], draft["rebates"]) == (current["discount_cost"], current["rebates"])
    # Ann keeps 2 × 9868 − 200, Cy 2 × 200; Bob's points lapse the same.
    assert draft["liability"] == 2 * 9868 - 200 + 400
    top = sim["most_affected"]
    assert [(m["name"], m["difference"]) for m in top] == [("Ann", 9868), ("Bob", 4050), ("Cy", 200)]


def test_a_draft_without_the_vip_tier_threshold_changes_tiers_and_discounts(history):
    draft = copy.deepcopy(DOC)
    draft["levels"]["tiers"][1]["threshold"] = "5000"
    draft["levels"]["tiers"][2]["threshold"] = "6000"
    sim = _simulate(history, draft)
    # Nobody reaches 5000 in a period: no moves, no member price, no rebates. The simulation keeps the money shoppers
    # actually paid, so Ann's third order earns 2 × 1956 at the normal tier's 1× (not 2 × 1.5 × 1956).
    assert sim["draft"]["members_by_tier"] == {"normal": 3, "vip": 0, "svip": 0}
    assert sim["draft"]["tier_moves"] == {"up": 0, "down": 0}
    assert (sim["draft"]["discount_cost"], sim["draft"]["rebates"]) == ("0.00", "0.00")
    assert sim["draft"]["points_issued"] == 2000 + 2000 + 3912 + 4050 + 150 + 50


def test_bad_input_is_a_422_and_writes_nothing(history):
    url = f"/api/v1/shops/{history['shop'].slug}/programme/simulate"
    owner = history["owner"]
    for body, field in (({"document": DOC, "months": 0}, "months"), ({"document": DOC, "months": 25}, "months"),
                        ({"document": DOC, "months": "6"}, "months"), ({"document": DOC}, "months"),
                        ({"document": DOC, "months": True}, "months"), ({"document": DOC, "months": 2.5}, "months"),
                        ({"months": 3}, "document"), ({"document": [], "months": 3}, "document"),
                        ({"document": {"name": "x"}, "months": 3}, "document.points"),
                        ({"document": DOC, "months": 3, "extra": 1}, "extra")):
        reply = owner.post(url, json=body)
        assert reply.status_code == 422, body
        assert any(k.startswith(field) for k in reply.json["error"]["fields"]), reply.json
    bad = copy.deepcopy(DOC)
    bad["levels"]["tiers"][1]["discount"] = "1.5"
    assert owner.post(url, json={"document": bad, "months": 3}).status_code == 422
    assert db.session.execute(db.select(func.count(Simulation.id))).scalar() == 0


def test_tenancy_and_roles(history, make_programme):
    sim = _simulate(history, doubled(DOC))
    stranger = history["make_user"](name="Stranger")
    other = history["make_shop"](owner=stranger)
    make_programme(other, DOC)
    foreign = history["api"](stranger)
    assert foreign.get(f"/api/v1/shops/{other.slug}/programme/simulations/{sim['id']}").status_code == 404
    assert foreign.get(f"/api/v1/shops/{history['shop'].slug}/programme/simulations/{sim['id']}").status_code == 403
    support = history["make_user"](name="Sue")
    history["add_staff"](history["shop"], support, StaffRole.SUPPORT)
    as_support = history["api"](support)
    url = f"/api/v1/shops/{history['shop'].slug}/programme"
    assert as_support.get(f"{url}/simulations/{sim['id']}").status_code == 200
    assert as_support.post(f"{url}/simulate", json={"document": DOC, "months": 3}).status_code == 403
    assert history["owner"].get(f"{url}/simulations/999999").status_code == 404


def test_lifetime_tiers_fixed_expiry_and_joining_bonus_match_too(make_shop, make_user, make_product, make_programme,
                                                                  checkout_at, settle, api):
    """The four-tier seed (lifetime spend, 1/2/3/4× multipliers, fixed one-year expiry, 100 points for joining):
    the current column equals the ledgers again, the joining bonus counting in the liability only."""
    from plugins.loyalty.seeds import FOUR_TIERS

    boss = make_user(name="Boss")
    shop = make_shop(owner=boss)
    shop.return_window_days = 7
    db.session.commit()
    programme = make_programme(shop, FOUR_TIERS)
    teapot = make_product(shop, price="600.00", stock=100)
    dee, eve = make_user(name="Dee"), make_user(name="Eve")
    with clock.frozen_at(START):
        join_programme(programme, dee)
        join_programme(programme, eve)
        db.session.commit()
    for user, day, qty in ((dee, 1, 1), (dee, 10, 1), (dee, 30, 2), (eve, 15, 1)):
        placed = checkout_at(user, START + day * DAY, (teapot, qty))
        settle(placed[0], START + (day + 1) * DAY)
    end = START + 60 * DAY
    run_tick(end)
    db.session.expire_all()
    actual = _actual(programme)
    # Dee: 600 (regular) + 600 (regular; 1200 reaches silver at its settlement) + 2 × 1200 at 2× = 3600; Eve 600.
    assert actual["points_issued"] == 600 + 600 + 2400 + 600
    assert actual["members_by_tier"] == {"silver": 1, "regular": 1}
    assert actual["liability"] == 4200 + 200
    history = {"shop": shop, "owner": api(boss), "end": end}
    sim = _simulate(history, doubled(FOUR_TIERS), months=3)
    current = sim["current"]
    assert (current["points_issued"], current["liability"]) == (actual["points_issued"], actual["liability"])
    assert {k: v for k, v in current["members_by_tier"].items() if v} == actual["members_by_tier"]
    assert current["tier_moves"] == {"up": 1, "down": 0}
    # Twice the rate (4 a yuan is what doubled() sets: FOUR_TIERS earns 1, so the draft earns 4×): 4 × 4200.
    assert sim["draft"]["points_issued"] == 4 * 4200
