"""The demo loads once, with shoppers spread over the seeds' tiers and points about to lapse."""

from datetime import timedelta

from mall import clock
from mall.accounts.models import User
from mall.demo import load_demo
from mall.extensions import db
from mall.tenants.models import Tenant
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.operations import effective_tier, membership
from plugins.loyalty.points.models import PointsLot
from plugins.loyalty.programmes.operations import programme_for
from plugins.loyalty.pushes.models import Push
from plugins.loyalty.pushes.operations import progress


def _tier(slug, email):
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one() if slug else None
    return effective_tier(membership(programme_for(tenant), User.by_email(email))).code


def test_demo_spreads_shoppers_over_tiers_and_leaves_points_about_to_lapse():
    """Carol is a VANCL VIP, Bob a Taobao VIP, Alice 银牌 in the four-tier shop and a Plus member; Bob's four-tier
    joining points lapse within a month; every ledger invariant holds; a second load does nothing."""
    assert load_demo() is True
    assert _tier("vancl", "carol@mall-demo.cn") == "vip"
    assert _tier("vancl", "alice@mall-demo.cn") == "normal"
    assert _tier("taobao", "bob@mall-demo.cn") == "vip"
    assert _tier("fourtier", "alice@mall-demo.cn") == "silver"
    assert _tier(None, "alice@mall-demo.cn") == "plus"
    assert _tier(None, "bob@mall-demo.cn") == "member"
    bob = membership(programme_for(db.session.execute(db.select(Tenant).filter_by(slug="fourtier")).scalar_one()),
                     User.by_email("bob@mall-demo.cn"))
    soon = db.session.execute(db.select(PointsLot).where(
        PointsLot.membership_id == bob.id, PointsLot.remaining > 0,
        PointsLot.expires_at <= clock.now() + timedelta(days=30))).scalars().all()
    assert sum(lot.remaining for lot in soon) == 100
    push = db.session.execute(db.select(Push)).scalar_one()
    state = progress(push)
    # Alice already holds the monthly 银牌 coupon (the per-member limit is 1); Bob gets one.
    assert (state["status"], state["targeted"], state["issued"], state["skipped_by_reason"]) == (
        "done", 2, 1, {"limit": 1})
    assert violations() == []
    assert load_demo() is False
