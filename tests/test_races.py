"""Races on PostgreSQL between people acting at the same moment: staff changes, coupon stock, double submits."""

from mall.extensions import db
from mall.tenants.models import Staff, StaffRole
from tests.conftest import requires_pg
from tests.races_support import CommitGate, flashes, signed_in

NO_LONGER_OWNER = "Only an owner of this shop can change its staff."


def _two_owners(app, make_user, make_shop, add_staff):
    first, second = make_user(), make_user()
    shop = make_shop(owner=first)
    add_staff(shop, second, StaffRole.OWNER)
    rows = {s.user_id: s.id for s in db.session.query(Staff).filter_by(tenant_id=shop.id)}
    return shop, [(signed_in(app, first), rows[second.id]), (signed_in(app, second), rows[first.id])]


def _race_staff_posts(app, shop, pairs, form):
    # Read here: signing in committed, so the shop would reload inside the racing threads.
    slug = shop.slug

    def post(client, staff_id):
        return lambda: client.post(f"/admin/{slug}/staff/{staff_id}", data=form)

    with CommitGate(len(pairs)) as gate:
        responses = gate.run(*(post(client, staff_id) for client, staff_id in pairs))
    assert all(r.status_code == 302 for r in responses)
    return [flashes(client) for client, _ in pairs]


def _owners(shop) -> int:
    db.session.expire_all()
    return db.session.query(Staff).filter_by(tenant_id=shop.id, role=StaffRole.OWNER).count()


@requires_pg
def test_two_owners_removing_each_other_at_once_leave_one_owner(app, make_user, make_shop, add_staff):
    shop, pairs = _two_owners(app, make_user, make_shop, add_staff)
    flashes = _race_staff_posts(app, shop, pairs, {"remove": "1"})
    assert sorted(f[0] for f in flashes) == sorted(["Staff updated.", NO_LONGER_OWNER])
    assert _owners(shop) == 1


@requires_pg
def test_two_owners_demoting_each_other_at_once_leave_one_owner(app, make_user, make_shop, add_staff):
    shop, pairs = _two_owners(app, make_user, make_shop, add_staff)
    flashes = _race_staff_posts(app, shop, pairs, {"role": StaffRole.MANAGER})
    assert sorted(f[0] for f in flashes) == sorted(["Staff updated.", NO_LONGER_OWNER])
    assert _owners(shop) == 1


def test_the_last_owner_can_be_neither_removed_nor_demoted(app, make_user, make_shop):
    owner = make_user()
    shop = make_shop(owner=owner)
    client = signed_in(app, owner)
    staff_id = db.session.query(Staff).filter_by(tenant_id=shop.id).one().id
    for form in ({"remove": "1"}, {"role": StaffRole.MANAGER}):
        assert client.post(f"/admin/{shop.slug}/staff/{staff_id}", data=form).status_code == 302
        assert flashes(client) == ["A shop needs at least one owner."]
    assert _owners(shop) == 1

