"""The Taobao-shop rolling window and the four-tier scheme's coupons, with hand-computed expectations."""

from datetime import UTC, date, datetime, timedelta

from mall.cli import run_tick
from mall.extensions import db
from plugins.loyalty.coupons.models import Coupon
from plugins.loyalty.demo import four_tiers_programme
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.seeds import TAOBAO
from tests.fixtures.programmes import START


def _tier(user, programme) -> str:
    db.session.expire_all()
    return db.session.execute(
        db.select(Membership.tier_code).filter_by(user_id=user.id, programme_id=programme.id)
    ).scalar_one()


def test_taobao_rolling_90_days_moves_up_at_once_and_down_at_month_ends(
        make_shop, make_user, make_product, make_programme, checkout_at, settle):
    """900 in 90 days → VIP at once; +700 → SVIP at once; at 1 June only 700 is left in the window → normal."""
    shop = make_shop(slug="taobao")
    programme = make_programme(shop, TAOBAO)
    item = make_product(shop, price="100.00", stock=100)
    user = make_user()
    join_programme(programme, user, at=START)
    db.session.commit()
    (order,) = checkout_at(user, START, (item, 9))
    settle(order, START + timedelta(days=1))  # counted 5 Feb
    assert _tier(user, programme) == "vip"
    run_tick(datetime(2026, 3, 1, 1, tzinfo=UTC))  # window 1 Dec – 1 Mar holds 900
    assert _tier(user, programme) == "vip"
    (order,) = checkout_at(user, datetime(2026, 3, 2, tzinfo=UTC), (item, 7))
    settle(order, datetime(2026, 3, 3, tzinfo=UTC))  # counted 2 Apr: 1600 in the window
    assert _tier(user, programme) == "svip"
    run_tick(datetime(2026, 5, 1, 1, tzinfo=UTC))  # 31 Jan – 1 May: 900 + 700
    assert _tier(user, programme) == "svip"
    run_tick(datetime(2026, 6, 1, 1, tzinfo=UTC))  # 3 Mar – 1 Jun: 700 only
    assert _tier(user, programme) == "normal"
    run_tick(datetime(2026, 6, 1, 2, tzinfo=UTC))
    assert _tier(user, programme) == "normal"
    assert violations() == []


def test_four_tiers_birthday_monthly_and_quarterly_coupons_once_per_period(
        make_shop, make_user, make_product, checkout_at, settle):
    """Birthday 20 %-off once a year; silver's monthly and gold's quarterly coupons once per period."""
    shop = make_shop(slug="fourtier")
    programme, templates = four_tiers_programme(shop)
    birthday, monthly, quarterly = templates["birthday"], templates["monthly"], templates["quarterly"]
    db.session.commit()
    item = make_product(shop, price="1000.00", stock=100)
    user = make_user(birthday=date(1990, 3, 15))
    join_programme(programme, user, at=START)
    db.session.commit()
    (order,) = checkout_at(user, START, (item, 1))
    settle(order, START + timedelta(days=1))  # 1000 lifetime → silver on 5 Feb
    assert _tier(user, programme) == "silver"

    def count(template):
        db.session.expire_all()
        return db.session.execute(db.select(db.func.count(Coupon.id)).filter_by(template_id=template.id)).scalar()

    run_tick(datetime(2026, 2, 20, tzinfo=UTC))
    assert count(monthly) == 1  # February's (the settle tick issued it already)
    run_tick(datetime(2026, 3, 10, tzinfo=UTC))
    run_tick(datetime(2026, 3, 11, tzinfo=UTC))
    assert (count(monthly), count(birthday)) == (2, 0)
    run_tick(datetime(2026, 3, 15, 1, tzinfo=UTC))
    run_tick(datetime(2026, 3, 20, tzinfo=UTC))
    assert count(birthday) == 1
    (order,) = checkout_at(user, datetime(2026, 3, 21, tzinfo=UTC), (item, 4))
    settle(order, datetime(2026, 3, 22, tzinfo=UTC))  # 5000 lifetime → gold on 21 Apr
    assert _tier(user, programme) == "gold"
    run_tick(datetime(2026, 5, 2, tzinfo=UTC))
    run_tick(datetime(2026, 6, 2, tzinfo=UTC))
    assert count(quarterly) == 1  # one for Q2
    run_tick(datetime(2026, 7, 2, tzinfo=UTC))
    assert count(quarterly) == 2  # Q3
    assert count(monthly) == 2  # gold has no monthly coupon
    run_tick(datetime(2027, 3, 16, tzinfo=UTC))
    assert count(birthday) == 2
    assert violations() == []
