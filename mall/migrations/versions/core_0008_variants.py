"""variants: product_variants (SKU, options, price, stock); cart items and order lines name their variant

Every existing product becomes one default variant (options {}, the product's price and stock, SKU
"P<product id>"); cart items and order lines are pointed at it, and order lines get an empty variant label.

Revision ID: core_0008
Revises: core_0007
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (Money, UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'core_0008'
down_revision = 'core_0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('product_variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('price', mall.dbtypes.Money(), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('price >= 0', name=op.f('ck_product_variants_price_nonneg')),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variants_stock_nonneg')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_variants_product_id_products')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_product_variants_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    sa.UniqueConstraint('tenant_id', 'sku', name=op.f('uq_product_variants_tenant_id_sku'))
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_variants_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_variants_tenant_id'), ['tenant_id'], unique=False)

    # One default variant per product, in one statement (the product's id makes its SKU unique in the shop).
    # An archived product keeps its variant on sale: archiving stays the product's own switch.
    pg = op.get_bind().dialect.name == "postgresql"
    empty, true = ("CAST('{}' AS JSON)", "true") if pg else ("'{}'", "1")
    op.execute(
        "INSERT INTO product_variants (tenant_id, product_id, sku, options, price, stock, position, is_active, "
        "created_at) "
        f"SELECT tenant_id, id, 'P' || CAST(id AS VARCHAR(20)), {empty}, price, stock, 0, {true}, created_at "
        "FROM products"
    )

    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
    op.execute("UPDATE cart_items SET variant_id = (SELECT v.id FROM product_variants v "
               "WHERE v.product_id = cart_items.product_id)")
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_cart_items_user_id_product_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_cart_items_user_id_variant_id'), ['user_id', 'variant_id'])
        batch_op.create_foreign_key(batch_op.f('fk_cart_items_variant_id_product_variants'), 'product_variants',
                                    ['variant_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_cart_items_variant_id'), ['variant_id'], unique=False)

    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('variant_label', sa.String(length=160), server_default='', nullable=False))
    op.execute("UPDATE order_lines SET variant_id = (SELECT v.id FROM product_variants v "
               "WHERE v.product_id = order_lines.product_id)")
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_lines_variant_id_product_variants'), 'product_variants',
                                    ['variant_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_order_lines_variant_id'), ['variant_id'], unique=False)


def downgrade():
    # Back to one row per product: the first variant of each product speaks for it.
    op.execute("UPDATE products SET stock = (SELECT COALESCE(SUM(v.stock), 0) FROM product_variants v "
               "WHERE v.product_id = products.id)")
    op.execute("DELETE FROM cart_items WHERE id NOT IN (SELECT MIN(c.id) FROM cart_items c "
               "GROUP BY c.user_id, c.product_id)")
    with op.batch_alter_table('order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_lines_variant_id'))
        batch_op.drop_constraint(batch_op.f('fk_order_lines_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_column('variant_label')
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_items_variant_id'))
        batch_op.drop_constraint(batch_op.f('fk_cart_items_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_cart_items_user_id_variant_id'), type_='unique')
        batch_op.create_unique_constraint('uq_cart_items_user_id_product_id', ['user_id', 'product_id'])
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_variants_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_product_variants_product_id'))
    op.drop_table('product_variants')
