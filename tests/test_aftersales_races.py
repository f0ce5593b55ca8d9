"""After-sales races on PostgreSQL: two approvals of one request refund once; two requests never hold one unit."""

from decimal import Decimal

from mall.accounts.models import ApiToken
from mall.aftersales.models import AfterSale, AfterSaleHold
from mall.catalog.models import Product
from mall.extensions import db
from mall.orders.models import Order, Refund
from mall.tenants.models import StaffRole
from tests.conftest import requires_pg
from tests.fixtures.factories import ApiClient
from tests.races_support import CommitGate


def _client(app, user) -> ApiClient:
    """An API client of its own whose token has been used once (its last-use commit is behind it)."""
    client = ApiClient(app.test_client(), ApiToken.issue(user))
    db.session.commit()
    assert client.get("/api/v1/orders").status_code == 200
    return client


def _trade(make_user, make_shop, make_product, buy, add_staff):
    owner, manager, shopper = make_user(), make_user(), make_user()
    shop = make_shop(owner=owner, slug="race", shipping_fee=Decimal("6.00"))
    add_staff(shop, manager, StaffRole.MANAGER)
    product = make_product(shop, price="10.00", stock=10)
    order = buy(shopper, (product, 3)).orders[0]
    return shop, (owner, manager, shopper), product, order


@requires_pg
def test_two_approvals_of_one_request_refund_once(app, make_user, make_shop, make_product, buy, add_staff):
    shop, (owner, manager, shopper), product, order = _trade(make_user, make_shop, make_product, buy, add_staff)
    me = _client(app, shopper)
    asked = me.post(f"/api/v1/orders/{order.id}/after-sales",
                    {"kind": "refund", "lines": [{"line_id": order.lines[0].id, "qty": 1}], "reason": "Late"})
    assert asked.status_code == 201
    path = f"/api/v1/shops/{shop.slug}/after-sales/{asked.json['after_sale']['id']}/approve"
    staff = [_client(app, owner), _client(app, manager)]
    with CommitGate(2) as gate:
        answers = gate.run(*(lambda c=c: c.post(path) for c in staff))
    assert sorted(r.status_code for r in answers) == [200, 409]
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(Refund.id))).scalar() == 1
    refunded = db.session.get(Order, order.id)
    # One unit of three: the refund path's own check on the line would let a second refund through.
    assert (refunded.refunded_amount, refunded.lines[0].refunded_qty) == (Decimal("10.00"), 1)
    assert db.session.get(Product, product.id).stock == 10 - 3 + 1
    assert db.session.execute(db.select(AfterSale.status)).scalar_one() == "refunded"
    assert db.session.get(AfterSaleHold, order.lines[0].id).held == 0


@requires_pg
def test_two_requests_for_the_same_units_at_once_hold_them_once(app, make_user, make_shop, make_product, buy,
                                                                add_staff):
    shop, (_owner, _manager, shopper), _product, order = _trade(make_user, make_shop, make_product, buy, add_staff)
    phone, laptop = _client(app, shopper), _client(app, shopper)
    body = {"kind": "refund", "lines": [{"line_id": order.lines[0].id, "qty": 2}], "reason": "Late"}
    path = f"/api/v1/orders/{order.id}/after-sales"
    with CommitGate(2) as gate:
        answers = gate.run(lambda: phone.post(path, body), lambda: laptop.post(path, body))
    assert sorted(r.status_code for r in answers) == [201, 422]
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(AfterSale.id))).scalar() == 1
    assert db.session.get(AfterSaleHold, order.lines[0].id).held == 2
