"""Races on PostgreSQL over one variant's stock: the last unit is sold once, and a merchant's edit made while
shoppers buy leaves the product's stock total equal to its variants'."""

import threading
from decimal import Decimal

from mall.accounts.models import ApiToken
from mall.catalog.models import Product, ProductVariant
from mall.extensions import db
from mall.orders.models import OrderLine
from tests.conftest import requires_pg

SIZES = [{"sku": "M", "options": {"size": "M"}, "price": Decimal("80.00"), "stock": 1},
         {"sku": "L", "options": {"size": "L"}, "price": Decimal("90.00"), "stock": 50}]


def _race(app, calls):
    """Run each call in its own thread and app context, all released at once; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = call()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@requires_pg
def test_two_shoppers_buying_the_last_unit_of_a_variant_one_gets_it(app, make_user, make_shop, make_product):
    product = make_product(make_shop(), name="Tee", variants=[dict(row) for row in SIZES])
    last = product.variants[0]
    tokens = [ApiToken.issue(make_user()) for _ in range(2)]
    db.session.commit()
    body = {"lines": [{"variant_id": last.id, "qty": 1}]}

    def buy(token):
        return lambda: app.test_client().post("/api/v1/checkout", json=body,
                                              headers={"Authorization": f"Bearer {token}"}).status_code

    statuses = _race(app, [buy(token) for token in tokens])
    assert sorted(statuses) == [201, 409], statuses
    db.session.expire_all()
    assert db.session.get(ProductVariant, last.id).stock == 0
    assert db.session.get(ProductVariant, product.variants[1].id).stock == 50
    assert db.session.get(Product, product.id).stock == 50
    assert db.session.query(OrderLine).filter_by(variant_id=last.id).count() == 1


@requires_pg
def test_an_edit_while_shoppers_buy_keeps_the_stock_total_right(app, make_user, make_shop, make_product):
    from mall.catalog import operations as catalog
    from mall.tenants.models import Tenant

    shop = make_shop()
    product = make_product(shop, name="Tee", variants=[dict(row) for row in SIZES])
    large = product.variants[1]
    buyers = [make_user() for _ in range(6)]
    ids = {"shop": shop.id, "product": product.id, "m": product.variants[0].id, "l": large.id}

    def buy(user):
        def call():
            from mall.checkout.operations import place_checkout

            place_checkout(db.session.merge(user), [{"variant_id": ids["l"], "qty": 2}], {})
            db.session.commit()
            return "bought"
        return call

    def edit():
        rows = [{"id": ids["m"], "sku": "M", "options": {"size": "M"}, "price": Decimal("80.00"), "stock": 4},
                {"id": ids["l"], "sku": "L", "options": {"size": "L"}, "price": Decimal("95.00"), "stock": 40}]
        catalog.save_product(db.session.get(Tenant, ids["shop"]), db.session.get(Product, ids["product"]),
                             {"name": "Tee", "variants": rows})
        db.session.commit()
        return "edited"

    assert sorted(_race(app, [buy(u) for u in buyers] + [edit])) == ["bought"] * 6 + ["edited"]
    db.session.expire_all()
    variants = db.session.query(ProductVariant).filter_by(product_id=ids["product"]).all()
    total = db.session.get(Product, ids["product"]).stock
    assert total == sum(v.stock for v in variants if v.is_active)
    # The merchant set 40: each purchase made before the edit was overwritten by it, each one after came off it.
    assert db.session.get(ProductVariant, ids["l"]).stock in range(40 - 12, 41, 2)
