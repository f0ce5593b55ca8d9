"""Migration core_0008: every existing product becomes one default variant, and cart and order lines name it.

Runs the real migrations on a database of its own (a file on SQLite, a schema on PostgreSQL), with rows
written as core_0007 left them.
"""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from mall import CORE_MIGRATIONS
from mall.extensions import db
from tests.migration_support import database_at

SCHEMA = "variants_migration"
NOW = datetime(2026, 1, 5, 2, 0, tzinfo=UTC).replace(tzinfo=None)


@pytest.fixture
def old_database(tmp_path):
    """An app on an empty database of its own, migrated to core_0007 (the schema before variants)."""
    with database_at(tmp_path, SCHEMA, "core_0007") as app:
        yield app


def _table(name, *columns):
    return sa.table(name, *(sa.column(c) if isinstance(c, str) else c for c in columns))


def _seed(conn) -> None:
    """Two shops' products as core_0007 stored them (money in cents), a cart line and an ordered line."""
    true = sa.column("is_active", sa.Boolean)
    conn.execute(sa.insert(_table("tenants", "id", "slug", "name", "status", "timezone", "currency", "shipping_fee",
                                  "return_window_days", sa.column("is_self_operated", sa.Boolean), "description",
                                  "created_at")),
                 [{"id": i, "slug": f"s{i}", "name": "Shop", "status": "active", "timezone": "Asia/Shanghai",
                   "currency": "CNY", "shipping_fee": 0, "return_window_days": 7, "is_self_operated": False,
                   "description": "", "created_at": NOW} for i in (1, 2)])
    conn.execute(sa.insert(_table("users", "id", "email", "password_hash", "name",
                                  sa.column("consent_email", sa.Boolean), sa.column("consent_sms", sa.Boolean),
                                  "referral_code",
                                  sa.column("is_operator", sa.Boolean), sa.column("is_disabled", sa.Boolean),
                                  "created_at")),
                 [{"id": 1, "email": "a@example.com", "password_hash": "x", "name": "A", "consent_email": False,
                   "consent_sms": False, "referral_code": "R1", "is_operator": False, "is_disabled": False,
                   "created_at": NOW}])
    conn.execute(sa.insert(_table("products", "id", "tenant_id", "name", "description", "price", "stock",
                                  sa.column("sale", sa.Boolean), true, "created_at")),
                 [{"id": 7, "tenant_id": 1, "name": "Tea", "description": "", "price": 5900, "stock": 12,
                   "sale": False, "is_active": True, "created_at": NOW},
                  {"id": 8, "tenant_id": 2, "name": "Cup", "description": "", "price": 1250, "stock": 0,
                   "sale": True, "is_active": False, "created_at": NOW}])
    conn.execute(sa.insert(_table("cart_items", "id", "user_id", "product_id", "qty", "created_at")),
                 [{"id": 1, "user_id": 1, "product_id": 7, "qty": 2, "created_at": NOW}])
    conn.execute(sa.insert(_table("checkouts", "id", "user_id", "total", "created_at")),
                 [{"id": 1, "user_id": 1, "total": 1250, "created_at": NOW}])
    conn.execute(sa.insert(_table("orders", "id", "tenant_id", "user_id", "checkout_id", "status", "goods", "discount",
                                  "coupon_discount", "shipping", "points_used", "points_value", "wallet_paid",
                                  "gateway_paid", "total", "refunded_amount", sa.column("adjustments", sa.JSON),
                                  "created_at")),
                 [{"id": 1, "tenant_id": 2, "user_id": 1, "checkout_id": 1, "status": "paid", "goods": 1250,
                   "discount": 0, "coupon_discount": 0, "shipping": 0, "points_used": 0, "points_value": 0,
                   "wallet_paid": 0, "gateway_paid": 1250, "total": 1250, "refunded_amount": 0, "adjustments": [],
                   "created_at": NOW}])
    conn.execute(sa.insert(_table("order_lines", "id", "order_id", "tenant_id", "product_id", "name", "unit_price",
                                  "qty", sa.column("sale", sa.Boolean), "base", "net", "paid", "refunded_qty",
                                  "refunded_amount")),
                 [{"id": 1, "order_id": 1, "tenant_id": 2, "product_id": 8, "name": "Cup", "unit_price": 1250,
                   "qty": 1, "sale": True, "base": 1250, "net": 1250, "paid": 1250, "refunded_qty": 0,
                   "refunded_amount": 0}])


def test_each_product_becomes_one_default_variant_and_lines_point_at_it(old_database):
    with db.engine.begin() as conn:
        _seed(conn)
    # Through core_0008 and every later core migration, so the models below read the schema they describe.
    upgrade(directory=str(CORE_MIGRATIONS), revision="heads")
    with db.engine.connect() as conn:
        variants = conn.execute(sa.text(
            "SELECT id, tenant_id, product_id, sku, options, price, stock, position, is_active "
            "FROM product_variants ORDER BY product_id")).all()
        assert [tuple(v[1:4]) + tuple(v[5:]) for v in variants] == [
            (1, 7, "P7", 5900, 12, 0, True), (2, 8, "P8", 1250, 0, 0, True)]
        assert all(v.options in ({}, "{}") for v in variants)  # JSON on PostgreSQL, its text on SQLite
        by_product = {v.product_id: v.id for v in variants}
        assert conn.execute(sa.text("SELECT product_id, variant_id, qty FROM cart_items")).all() == [
            (7, by_product[7], 2)]
        assert conn.execute(sa.text("SELECT product_id, variant_id, variant_label FROM order_lines")).all() == [
            (8, by_product[8], "")]
        assert conn.execute(sa.text("SELECT id, price, stock FROM products ORDER BY id")).all() == [
            (7, 5900, 12), (8, 1250, 0)]
    # … which the models read as they read new rows.
    from mall.cart.models import CartItem
    from mall.catalog.models import Product
    from mall.orders.models import OrderLine

    tea = db.session.get(Product, 7)
    assert [(v.label, str(v.price), v.stock) for v in tea.variants] == [("", "59.00", 12)]
    assert db.session.get(CartItem, 1).variant is tea.variants[0]
    line = db.session.get(OrderLine, 1)
    assert (line.variant.sku, line.variant_label) == ("P8", "")
