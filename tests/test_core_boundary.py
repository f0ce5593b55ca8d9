"""A refused merchant action on an order changes nothing and says why on the order's page."""

from decimal import Decimal

from mall.catalog.models import Product
from mall.extensions import db
from mall.orders.models import Order, OrderLine, Refund
from tests.races_support import signed_in


def _state(order_id: int) -> tuple:
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    lines = db.session.execute(db.select(OrderLine.refunded_qty, OrderLine.refunded_amount)
                               .where(OrderLine.order_id == order_id).order_by(OrderLine.id)).all()
    refunds = db.session.execute(db.select(db.func.count(Refund.id)).where(Refund.order_id == order_id)).scalar()
    stock = db.session.execute(db.select(Product.stock).order_by(Product.id)).scalars().all()
    return order.status, order.shipped_at, order.refunded_amount, lines, refunds, stock


def test_refunding_more_than_is_left_changes_nothing(app, make_user, make_shop, make_product, buy):
    owner = make_user()
    shop = make_shop(owner=owner)
    product = make_product(shop, price="10.00", stock=5)
    order = buy(make_user(), (product, 3)).orders[0]
    line_id = order.lines[0].id
    staff = signed_in(app, owner)
    base = f"/admin/{shop.slug}/orders/{order.id}"
    first = staff.post(base + "/refund", data={f"qty_{line_id}": "1"}, follow_redirects=True)
    assert "Refund recorded." in first.get_data(as_text=True)
    before = _state(order.id)
    assert before[2] == Decimal("10.00") and before[4] == 1

    over = staff.post(base + "/refund", data={f"qty_{line_id}": "3"})
    assert over.status_code == 302 and over.location.endswith(base)
    page = staff.get(over.location).get_data(as_text=True)
    assert "Please correct the refund. At most 2 can still be refunded." in page
    assert _state(order.id) == before


def test_shipping_twice_changes_nothing(app, make_user, make_shop, make_product, buy):
    owner = make_user()
    shop = make_shop(owner=owner)
    order = buy(make_user(), (make_product(shop, stock=5), 1)).orders[0]
    staff = signed_in(app, owner)
    base = f"/admin/{shop.slug}/orders/{order.id}"
    assert "Order shipped." in staff.post(base + "/ship", follow_redirects=True).get_data(as_text=True)
    before = _state(order.id)
    assert before[0] == "shipped"

    again = staff.post(base + "/ship", follow_redirects=True)
    assert again.request.path == base
    assert "Only paid orders that have not shipped can be shipped." in again.get_data(as_text=True)
    assert _state(order.id) == before


def test_refusing_to_remove_the_last_owner_keeps_the_staff_page(app, make_user, make_shop):
    from mall.tenants.models import Staff

    owner = make_user()
    shop = make_shop(owner=owner)
    member = db.session.execute(db.select(Staff).filter_by(tenant_id=shop.id, user_id=owner.id)).scalar_one()
    staff = signed_in(app, owner)
    page = staff.post(f"/admin/{shop.slug}/staff/{member.id}", data={"remove": "1"}, follow_redirects=True)
    assert page.request.path == f"/admin/{shop.slug}/staff"
    assert "A shop needs at least one owner." in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Staff, member.id).role == "owner"
