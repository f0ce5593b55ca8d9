"""Races on PostgreSQL in one shopper's address book: two tabs moving the default, two adding the last address."""

from mall.addresses.models import Address
from mall.addresses.operations import MAX_ADDRESSES, add_address
from mall.extensions import db
from tests.conftest import requires_pg
from tests.fixtures.factories import HOME
from tests.races_support import CommitGate, signed_in


def _book(user) -> list[tuple[int, bool]]:
    db.session.expire_all()
    return db.session.execute(db.select(Address.id, Address.is_default).where(Address.user_id == user.id)
                              .order_by(Address.id)).all()


@requires_pg
def test_two_tabs_choosing_different_defaults_leave_exactly_one(app, make_user):
    user = make_user()
    second = add_address(user, {**HOME, "street": "Second 2"}).id
    third = add_address(user, {**HOME, "street": "Third 3"}).id
    db.session.commit()
    tabs = [signed_in(app, user), signed_in(app, user)]
    with CommitGate(2) as gate:
        replies = gate.run(lambda: tabs[0].post(f"/addresses/{second}/default"),
                           lambda: tabs[1].post(f"/addresses/{third}/default"))
    assert [r.status_code for r in replies] == [302, 302]
    defaults = [i for i, is_default in _book(user) if is_default]
    assert len(defaults) == 1 and defaults[0] in (second, third)


@requires_pg
def test_two_tabs_adding_the_last_address_keep_the_bound(app, make_user):
    user = make_user()
    for i in range(MAX_ADDRESSES - 2):
        add_address(user, {**HOME, "street": f"Road {i}"})
    db.session.commit()
    tabs = [signed_in(app, user), signed_in(app, user)]
    with CommitGate(2) as gate:
        replies = gate.run(lambda: tabs[0].post("/addresses/new", data={**HOME, "street": "Left tab"}),
                           lambda: tabs[1].post("/addresses/new", data={**HOME, "street": "Right tab"}))
    assert sorted(r.status_code for r in replies) == [302, 422]
    assert len(_book(user)) == MAX_ADDRESSES
