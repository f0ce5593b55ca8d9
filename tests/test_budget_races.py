"""Budgets under concurrency on PostgreSQL: 32 members claim at once from coupons whose budgets are nearly spent."""

from decimal import Decimal

from mall import clock
from mall.accounts.models import User
from mall.extensions import db
from plugins.loyalty import keys
from plugins.loyalty.budgets import operations as budgets
from plugins.loyalty.coupons import operations as coupon_ops
from plugins.loyalty.coupons.models import Coupon, CouponTemplate
from plugins.loyalty.invariants import violations
from plugins.loyalty.programmes.models import Programme
from plugins.loyalty.seeds import FOUR_TIERS, PLATFORM_PROGRAMME
from tests.conftest import requires_pg
from tests.races_support import race

THREADS = 32




def _claims(programme_ids: list[int], template_ids: list[int], users: list[int]):
    def claim(i):
        programme = db.session.get(Programme, programme_ids[i % len(programme_ids)])
        coupon_ops.claim(programme, template_ids[i % len(template_ids)], db.session.get(User, users[i]))

    return claim


@requires_pg
def test_32_claims_from_a_nearly_spent_budget(app, make_shop, make_user, make_programme):
    """A 10-yuan coupon with a 100-yuan budget of which 63 is spent: 37 left is room for exactly 3 coupons.
    32 members claim at once: 3 succeed, 29 are refused as budget spent, and 93 of 100 is spent."""
    programme = make_programme(make_shop(), FOUR_TIERS)
    template = coupon_ops.create_template(programme, {"name": "10 off", "kind": "amount_off", "value": "10",
                                                      "valid_days": 7, "claimable": True,
                                                      "budget": {"amount": "100", "period": "campaign"}})
    owner = keys.template_budget(template.id)
    assert budgets.take(programme, owner, template.budget, Decimal("63"), clock.now()) == Decimal("63")
    db.session.commit()
    users = [make_user().id for _ in range(THREADS)]
    results = race(app, _claims([programme.id], [template.id], users), THREADS)
    assert results.count("ok") == 3
    assert results.count("coupon_budget_spent") == THREADS - 3
    db.session.expire_all()
    assert budgets.spent(programme, owner, template.budget, clock.now()) == Decimal("93")
    assert db.session.get(CouponTemplate, template.id).issued == 3
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 3
    assert violations() == []


@requires_pg
def test_two_shops_racing_for_the_platform_co_funding_budget(app, make_shop, make_user, make_programme):
    """Two shops' coupons of 10 split 0.4 cost the platform 4 each; its co-funding budget of 50 has 21 spent,
    so 29 left is room for 7. 16 members claim from each shop at once: 7 coupons in all, never more."""
    platform = make_programme(None, PLATFORM_PROGRAMME)
    platform.cofunding_budget = {"amount": "50.00", "period": "month"}
    budgets.take(platform, budgets.COFUNDING, platform.cofunding_budget, Decimal("21"), clock.now())
    programmes, templates = [], []
    for _ in range(2):
        programme = make_programme(make_shop(), FOUR_TIERS)
        programmes.append(programme.id)
        templates.append(coupon_ops.create_template(programme, {
            "name": "10 off", "kind": "amount_off", "value": "10", "valid_days": 7, "claimable": True,
            "funded_by": "split", "platform_share": "0.4"}).id)
    db.session.commit()
    users = [make_user().id for _ in range(THREADS)]
    results = race(app, _claims(programmes, templates, users), THREADS)
    assert results.count("ok") == 7
    db.session.expire_all()
    assert budgets.spent(platform, budgets.COFUNDING, platform.cofunding_budget, clock.now()) == Decimal("49")
    assert db.session.execute(db.select(db.func.count(Coupon.id))).scalar() == 7
    assert violations() == []
