"""VANCL's rules (seed 002) must produce VANCL's numbers; every expected number is worked out by hand."""

from datetime import timedelta
from decimal import Decimal

import pytest

from mall import clock
from mall.cli import run_tick
from mall.errors import FieldErrors
from mall.extensions import db
from mall.orders import operations as orders
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.points.models import PointsEntry
from plugins.loyalty.seeds import VANCL
from plugins.loyalty.wallet.operations import move, wallet_for
from tests.fixtures.programmes import START


@pytest.fixture
def vancl(make_shop, make_product, make_programme):
    """The VANCL shop: a 1000 coat, a 500 pair of jeans, a 100 sale tee; no shipping fee."""
    shop = make_shop(slug="vancl", return_window_days=30)
    programme = make_programme(shop, VANCL)
    return {
        "shop": shop, "programme": programme,
        "coat": make_product(shop, price="1000.00", stock=1000),
        "jeans": make_product(shop, price="500.00", stock=1000),
        "tee": make_product(shop, price="100.00", stock=1000, sale=True),
    }


@pytest.fixture
def member(vancl, make_user):
    """A shopper who joined the VANCL programme at START."""
    user = make_user()
    with clock.frozen_at(START):
        join_programme(vancl["programme"], user)
        db.session.commit()
    return user


def _m(user, programme) -> Membership:
    db.session.expire_all()
    return db.session.execute(db.select(Membership).filter_by(user_id=user.id, programme_id=programme.id)).scalar_one()


def test_points_pending_until_settlement_then_vip_after_2000(vancl, member, checkout_at, settle):
    """1000 spent earns 2000 pending points, available 30 days after shipment; 2000 accumulated → VIP."""
    (order,) = checkout_at(member, START, (vancl["coat"], 1))
    m = _m(member, vancl["programme"])
    assert (m.points_pending, m.points_available) == (2000, 0)
    settle(order, START + timedelta(days=1))
    m = _m(member, vancl["programme"])
    assert (m.points_pending, m.points_available, m.tier_code) == (0, 2000, "normal")
    assert m.period_metric == Decimal("1000.00")

    (order,) = checkout_at(member, START + timedelta(days=40), (vancl["jeans"], 2))
    settle(order, START + timedelta(days=41))
    m = _m(member, vancl["programme"])
    assert m.tier_code == "vip"
    assert m.period_metric == Decimal("0.00")  # reset_on_change
    assert m.points_available == 4000
    assert m.period_end - m.period_start == timedelta(days=365)
    assert violations() == []


def test_vip_price_and_points_exclude_sale_items(vancl, member, checkout_at, settle):
    """VIP: the coat costs 980.00 (×0.98), the sale tee stays 100.00; (980×2 + 100×0.5) × 1.5 = 3015 points."""
    (order,) = checkout_at(member, START, (vancl["coat"], 2))
    settle(order, START + timedelta(days=1))
    assert _m(member, vancl["programme"]).tier_code == "vip"
    (order,) = checkout_at(member, START + timedelta(days=40), (vancl["coat"], 1), (vancl["tee"], 1))
    lines = {line.product_id: line for line in order.lines}
    assert lines[vancl["coat"].id].net == Decimal("980.00")
    assert lines[vancl["tee"].id].net == Decimal("100.00")
    assert order.discount == Decimal("20.00") and order.total == Decimal("1080.00")
    assert _m(member, vancl["programme"]).points_pending == 3015


def test_svip_only_by_2500_within_the_vip_year(vancl, member, checkout_at, settle):
    """2400 in the VIP year keeps VIP and restarts the count; 2500 within one VIP year makes SVIP."""
    (order,) = checkout_at(member, START, (vancl["coat"], 2))
    settle(order, START + timedelta(days=1))
    vip_end = _m(member, vancl["programme"]).period_end
    (order,) = checkout_at(member, START + timedelta(days=40), (vancl["tee"], 24))
    settle(order, START + timedelta(days=41))
    m = _m(member, vancl["programme"])
    assert (m.tier_code, m.period_metric) == ("vip", Decimal("2400.00"))
    run_tick(vip_end + timedelta(minutes=1))
    m = _m(member, vancl["programme"])
    assert (m.tier_code, m.period_metric) == ("vip", Decimal("0.00"))  # kept (1000 ≤ 2400), count restarts
    later = vip_end + timedelta(days=2)
    (order,) = checkout_at(member, later, (vancl["tee"], 2))
    settle(order, later + timedelta(days=1))
    assert _m(member, vancl["programme"]).tier_code == "vip"  # 200 in the new year is not 2500
    (order,) = checkout_at(member, later + timedelta(days=40), (vancl["tee"], 23))
    settle(order, later + timedelta(days=41))
    m = _m(member, vancl["programme"])
    assert (m.tier_code, m.period_metric) == ("svip", Decimal("0.00"))  # 200 + 2300 = 2500


@pytest.mark.parametrize("reach,spent,expected", [
    ("vip", 9, "normal"), ("vip", 12, "vip"),
    ("svip", 26, "svip"), ("svip", 12, "vip"), ("svip", 9, "normal"),
])
def test_year_end_keeps_or_drops_by_the_keep_amounts(vancl, member, checkout_at, settle, reach, spent, expected):
    """At the end of a level year: 900 → normal, 1200 → VIP (keep 1000), 2600 → SVIP (keep 2500)."""
    (order,) = checkout_at(member, START, (vancl["coat"], 2))
    settle(order, START + timedelta(days=1))
    at = START + timedelta(days=40)
    if reach == "svip":
        (order,) = checkout_at(member, at, (vancl["tee"], 25))
        settle(order, at + timedelta(days=1))
        at += timedelta(days=40)
    m = _m(member, vancl["programme"])
    assert m.tier_code == reach
    end = m.period_end
    (order,) = checkout_at(member, at, (vancl["tee"], spent))
    settle(order, at + timedelta(days=1))
    assert _m(member, vancl["programme"]).period_metric == Decimal(spent * 100)
    run_tick(end + timedelta(minutes=1))
    run_tick(end + timedelta(minutes=1))  # the same moment twice changes nothing more
    m = _m(member, vancl["programme"])
    assert m.tier_code == expected
    assert m.period_metric == Decimal("0.00")
    assert (m.period_end is None) == (expected == "normal")


def test_all_points_lapse_after_a_year_without_purchase(vancl, member, checkout_at, settle):
    """Inactivity: points last 365 days after the last paid order; then every point lapses."""
    (order,) = checkout_at(member, START, (vancl["coat"], 1))
    settle(order, START + timedelta(days=1))
    run_tick(START + timedelta(days=364))
    assert _m(member, vancl["programme"]).points_available == 2000
    run_tick(START + timedelta(days=365, hours=1))
    m = _m(member, vancl["programme"])
    assert m.points_available == 0
    expired = db.session.execute(db.select(PointsEntry).filter_by(membership_id=m.id, kind="expire")).scalars().all()
    assert [e.delta for e in expired] == [-2000]
    assert violations() == []


def test_gift_balance_earns_at_its_own_rate(vancl, member, checkout_at):
    """500 of a 1000 order paid from the bonus (gift) balance earns 1 per yuan, the rest 2: 1500 points."""
    with clock.frozen_at(START):
        move(wallet_for(member), "bonus", Decimal("500.00"), "adjust", "gift:1", reason="gift")
        db.session.commit()
    (order,) = checkout_at(member, START, (vancl["coat"], 1), wallet="500.00")
    assert (order.wallet_paid, order.gateway_paid) == (Decimal("500.00"), Decimal("500.00"))
    assert _m(member, vancl["programme"]).points_pending == 1500
    assert wallet_for(member).bonus == Decimal("0.00")


def test_points_pay_within_the_cap_and_minimum(vancl, member, checkout_at, settle):
    """100 points = 2 yuan; at most 30 % of goods; fewer than 100 or more than the balance is a 422."""
    (order,) = checkout_at(member, START, (vancl["coat"], 1))
    settle(order, START + timedelta(days=1))  # 2000 points available
    at = START + timedelta(days=40)
    with pytest.raises(FieldErrors) as too_many:
        checkout_at(member, at, (vancl["jeans"], 1), points={"vancl": 2001})
    assert "2000" in too_many.value.message
    db.session.rollback()
    with pytest.raises(FieldErrors):
        checkout_at(member, at, (vancl["jeans"], 1), points={"vancl": 99})
    db.session.rollback()
    (order,) = checkout_at(member, at, (vancl["jeans"], 1), points={"vancl": 2000})
    assert (order.points_used, order.points_value, order.total) == (2000, Decimal("40.00"), Decimal("460.00"))
    m = _m(member, vancl["programme"])
    assert m.points_available == 0
    assert m.points_pending == 920  # (500 − 40) × 2


def test_full_refund_returns_points_to_their_lots_and_cancels_pending(vancl, member, checkout_at, settle):
    """A full refund puts the 2000 redeemed points back and cancels the order's pending points."""
    (order,) = checkout_at(member, START, (vancl["coat"], 1))
    settle(order, START + timedelta(days=1))
    (order,) = checkout_at(member, START + timedelta(days=40), (vancl["jeans"], 1), points={"vancl": 2000})
    orders.refund(order, None, full=True)
    db.session.commit()
    m = _m(member, vancl["programme"])
    assert (m.points_available, m.points_pending) == (2000, 0)
    assert violations() == []


def test_partial_refund_returns_the_share_and_trims_pending(vancl, member, checkout_at, settle):
    """Coat + jeans with 1000 points (20.00): refunding the jeans returns round(1000 × 493.33/1480) = 333
    points and leaves pending at floor(986.67 × 2) = 1973."""
    (order,) = checkout_at(member, START, (vancl["coat"], 1))
    settle(order, START + timedelta(days=1))
    (order,) = checkout_at(member, START + timedelta(days=40), (vancl["coat"], 1), (vancl["jeans"], 1),
                           points={"vancl": 1000})
    lines = {line.product_id: line for line in order.lines}
    assert lines[vancl["coat"].id].paid == Decimal("986.67")
    assert lines[vancl["jeans"].id].paid == Decimal("493.33")
    assert _m(member, vancl["programme"]).points_pending == 2960
    orders.refund(order, None, lines=[{"line_id": lines[vancl["jeans"].id].id, "qty": 1}])
    db.session.commit()
    m = _m(member, vancl["programme"])
    assert m.points_available == 1000 + 333
    assert m.points_pending == 1973
    assert violations() == []


def test_partial_refund_rounds_returned_points_half_up(vancl, member, checkout_at, settle):
    """Three jeans with 200 points (4.00) paid 1496.00; one back is 498.67, so round(200 × 498.67/1496) =
    round(66.67) = 67 points come back, not 66."""
    (order,) = checkout_at(member, START, (vancl["coat"], 1))
    settle(order, START + timedelta(days=1))
    (order,) = checkout_at(member, START + timedelta(days=40), (vancl["jeans"], 3), points={"vancl": 200})
    assert order.lines[0].paid == Decimal("1496.00")
    orders.refund(order, None, lines=[{"line_id": order.lines[0].id, "qty": 1}])
    db.session.commit()
    assert _m(member, vancl["programme"]).points_available == 2000 - 200 + 67
    assert violations() == []
