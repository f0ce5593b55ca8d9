"""Earning under a rule whose budget is nearly spent, 16 checkouts at once on PostgreSQL: never over the budget."""


from mall import clock
from mall.accounts.models import User
from mall.checkout.operations import place_checkout
from mall.extensions import db
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join_programme
from plugins.loyalty.rules.models import RuleGrant
from tests.conftest import requires_pg
from tests.fixtures.factories import give_address
from tests.races_support import race

THREADS = 16
BUDGET = {"points": 10000, "period": "campaign"}
CAP = {"points": 60, "period": "campaign"}
DOC = {
    "name": "Race shop",
    "points": {"earn": {"per_amount": "1.00", "points": "1"},
               "rules": [{"name": "Double", "multiplier": "2", "stacking": "add", "budget": BUDGET,
                          "cap_per_member": CAP}]},
    "levels": {"tiers": [{"code": "member", "name": "会员", "threshold": "0"}]},
}




@requires_pg
def test_sixteen_checkouts_under_a_nearly_spent_budget_and_a_member_cap(app, make_shop, make_user, make_product,
                                                                       make_programme):
    """8 members each pay twice at once for 100.00: the rule asks 100 extra a time, the member's cap allows 60
    in all, and only 350 of the budget's 10000 are left (9650 spent). Members' caps would give 8 × 60 = 480, so
    the budget decides: exactly 350 rule points in all, no member above 60, and each member's cap counts exactly
    the rule points that member got (what the budget refused went back to the cap)."""
    shop = make_shop(slug="race-rules")
    programme = make_programme(shop, DOC)
    product = make_product(shop, price="100.00", stock=1000)
    users = [make_user() for _i in range(8)]
    for user in users:
        join_programme(programme, user)
        give_address(user)
    assert budgets.take(programme, "rule:Double", BUDGET, 9650, clock.now()) == 9650
    db.session.commit()
    uids, pid = [u.id for u in users], product.id

    def pay(i):
        place_checkout(db.session.get(User, uids[i % 8]), [{"product_id": pid, "qty": 1}], {})

    assert race(app, pay, THREADS, catch=Exception) == ["ok"] * THREADS
    db.session.expire_all()
    assert budgets.spent(programme, "rule:Double", BUDGET, clock.now()) == 10000
    given = db.session.execute(db.select(RuleGrant.membership_id, db.func.sum(RuleGrant.points))
                               .group_by(RuleGrant.membership_id)).all()
    assert sum(points for _m, points in given) == 350
    assert all(points <= 60 for _m, points in given)
    members = db.session.execute(db.select(Membership).where(Membership.programme_id == programme.id)).scalars()
    for member in members:
        got = sum(db.session.execute(db.select(RuleGrant.points).filter_by(membership_id=member.id)).scalars())
        assert budgets.spent(programme, f"rule:Double:member:{member.id}", CAP,
                             clock.now()) == got
        # 2 × 100 base points plus what the rule gave.
        assert member.points_pending == 200 + got
    assert violations() == []
