"""Points-mall races on PostgreSQL: members redeeming the last unit at once, one member passing the limit at once."""

from decimal import Decimal

from mall.accounts.models import User
from mall.checkout.operations import place_checkout
from mall.extensions import db
from plugins.loyalty.invariants import violations
from plugins.loyalty.members.models import Membership
from plugins.loyalty.members.operations import join
from plugins.loyalty.points import operations as ledger
from plugins.loyalty.pointsmall import operations as mall
from plugins.loyalty.pointsmall.models import MallCount, MallPurchase
from plugins.loyalty.seeds import VANCL
from tests.conftest import requires_pg
from tests.fixtures.factories import give_address
from tests.races_support import race

THREADS = 8




def _setup(make_shop, make_product, make_programme, make_user, stock, limit, members):
    """A shop whose 500.00 lamp (stock `stock`) costs 100 points, `members` members with 1000 points each."""
    shop = make_shop()
    programme = make_programme(shop, VANCL)
    lamp = make_product(shop, price="500.00", stock=stock)
    mall.mark(programme, lamp.variants[0], {"points_price": 100, "cash_price": Decimal("0"),
                                            "per_member_limit": limit})
    users = []
    for i in range(members):
        user = make_user()
        give_address(user)
        member, _created = join(programme, user)
        ledger.credit(member, 1000, "adjust", f"race-seed:{i}")
        users.append(user.id)
    db.session.commit()
    return lamp.variants[0].id, users


def _redeem(variant_id, user_id):
    place_checkout(db.session.get(User, user_id), [{"variant_id": variant_id, "qty": 1, "redeem": True}], {})


@requires_pg
def test_members_redeeming_the_last_unit_at_once_one_gets_it(app, make_shop, make_product, make_programme, make_user):
    """8 members redeem the one lamp left at once: one order, 100 points spent once in all, 7 refusals."""
    variant_id, users = _setup(make_shop, make_product, make_programme, make_user, stock=1, limit=None,
                               members=THREADS)
    results = race(app, lambda i: _redeem(variant_id, users[i]), THREADS)
    assert results.count("ok") == 1 and results.count("out_of_stock") == THREADS - 1
    db.session.expire_all()
    assert sum(m.points_available for m in db.session.execute(db.select(Membership)).scalars()) == 1000 * THREADS - 100
    assert db.session.execute(db.select(db.func.count(MallPurchase.id))).scalar() == 1
    assert violations() == []


@requires_pg
def test_one_member_passing_the_per_member_limit_at_once(app, make_shop, make_product, make_programme, make_user):
    """One member redeems one lamp in 8 checkouts at once with a limit of 2: two orders, 200 points, 6 refusals."""
    variant_id, users = _setup(make_shop, make_product, make_programme, make_user, stock=100, limit=2, members=1)
    results = race(app, lambda i: _redeem(variant_id, users[0]), THREADS)
    assert results.count("ok") == 2 and results.count("limit_reached") == THREADS - 2
    db.session.expire_all()
    assert db.session.execute(db.select(Membership)).scalar_one().points_available == 800
    assert db.session.execute(db.select(MallCount.bought)).scalar_one() == 2
    assert violations() == []
