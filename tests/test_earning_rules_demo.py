"""The demo's earning rules: the generated trade earns under the double-points weekend, and every rule's
budget row holds exactly what its grants gave that month."""

from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import func

from mall.demo import Volume, load_demo
from mall.extensions import db
from plugins.loyalty.budgets.models import BudgetSpend
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.rules.models import RuleGrant

TINY = Volume(members=60, days=40, seed=11)


def test_the_demo_earns_under_its_rules_within_their_budgets():
    """Weekend orders carry "双倍积分周末" grants; per programme and month the budget's spend is the sum of that
    rule's grants; each member's weekly cap row is the sum of that member's grants that week."""
    assert load_demo(TINY) is True
    assert violations() == []
    grants = db.session.execute(db.select(RuleGrant)).scalars().all()
    weekend = [g for g in grants if g.name == "双倍积分周末" and g.points > 0]
    assert weekend, "no order of the demo earned under the weekend rule"
    programmes = {p.id: p for p in db.session.execute(db.select(Programme)).scalars()}
    members = {m.id: m for m in db.session.execute(db.select(Membership)).scalars()}
    by_month, by_week = defaultdict(int), defaultdict(int)
    for g in weekend:
        programme = programmes[members[g.membership_id].programme_id]
        # The rule's caps and budget are taken when the checkout is placed, so its periods are the grant's.
        local = g.created_at.astimezone(ZoneInfo(programme.tenant.timezone))
        by_month[(programme.id, local.strftime("%Y-%m"))] += g.points
        by_week[(programme.id, g.membership_id, local.strftime("%G-W%V"))] += g.points
    spends = {(s.programme_id, s.owner, s.period): int(s.spent)
              for s in db.session.execute(db.select(BudgetSpend)).scalars()}
    for (programme_id, month), points in by_month.items():
        assert spends[(programme_id, "rule:双倍积分周末", month)] == points
    for (programme_id, member_id, week), points in by_week.items():
        assert points <= 2000
        assert spends[(programme_id, f"rule:双倍积分周末:member:{member_id}", week)] == points
    assert db.session.execute(db.select(func.count(RuleGrant.id))).scalar() == len(grants)
