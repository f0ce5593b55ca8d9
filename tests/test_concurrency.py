"""Concurrency on PostgreSQL: the last units of a product are sold exactly once."""

import threading

from mall.catalog.models import Product
from mall.checkout.operations import place_checkout
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.orders.models import Order
from tests.conftest import requires_pg


@requires_pg
def test_twenty_threads_buy_the_last_five_units(app, make_user, make_shop, make_product):
    product = make_product(make_shop(), stock=5)
    buyers = [make_user() for _ in range(20)]
    pid = product.id
    results: list[str] = []
    barrier = threading.Barrier(20)

    def attempt(user_id):
        with app.app_context():
            from mall.accounts.models import User

            barrier.wait()
            try:
                user = db.session.get(User, user_id)
                place_checkout(user, [{"product_id": pid, "qty": 1}], {})
                db.session.commit()
                results.append("ok")
            except (Conflict, FieldErrors):
                db.session.rollback()
                results.append("sold out")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(u.id,)) for u in buyers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 5 and results.count("sold out") == 15
    db.session.expire_all()
    assert db.session.get(Product, pid).stock == 0
    assert db.session.query(Order).count() == 5
