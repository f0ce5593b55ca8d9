"""media and search: product images, units sold per product, trigram indexes for search on PostgreSQL

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (Money, UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'core_0011'
down_revision = 'core_0010'
branch_labels = None
depends_on = None

#: (index, table, column) searched with ILIKE '%…%' and word similarity: trigram GIN indexes serve both.
TRIGRAM_INDEXES = [
    ('ix_products_name_trgm', 'products', 'name'),
    ('ix_categories_name_trgm', 'categories', 'name'),
    ('ix_tenants_name_trgm', 'tenants', 'name'),
]


def trigram_ops() -> str:
    """pg_trgm's operator class, named with the schema the extension lives in (which need not be on the path)."""
    schema = op.get_bind().execute(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'")).scalar_one()
    return f'"{schema}".gin_trgm_ops'


def upgrade():
    op.create_table('product_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('thumb_key', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('position >= 0', name=op.f('ck_product_images_position_nonneg')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_images_product_id_products'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_product_images_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_images'))
    )
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.create_index('ix_product_images_product_position', ['product_id', 'position'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_images_tenant_id'), ['tenant_id'], unique=False)

    # A plain ADD COLUMN with its CHECK inline: SQLite's batch mode would copy the table to add a constraint,
    # and products is referenced by order and cart lines, so the copy could not drop the old table.
    op.add_column('products', sa.Column('sales', sa.Integer(),
                                        sa.CheckConstraint('sales >= 0', name=op.f('ck_products_sales_nonneg')),
                                        nullable=False, server_default='0'))
    op.create_index(op.f('ix_products_sales'), 'products', ['sales'], unique=False)
    # Units already sold: paid lines less what was refunded of them (a cancelled paid order refunded all).
    op.execute(
        "UPDATE products SET sales = (SELECT COALESCE(SUM(order_lines.qty - order_lines.refunded_qty), 0) "
        "FROM order_lines JOIN orders ON orders.id = order_lines.order_id "
        "WHERE order_lines.product_id = products.id AND orders.paid_at IS NOT NULL)"
    )

    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        ops = trigram_ops()
        for name, table, column in TRIGRAM_INDEXES:
            op.execute(f'CREATE INDEX {name} ON {table} USING gin ({column} {ops})')


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for name, _table, _column in TRIGRAM_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
        # pg_trgm stays: other database objects may use it, and it costs nothing unused.
    op.drop_index(op.f('ix_products_sales'), table_name='products')
    op.drop_column('products', 'sales')  # its CHECK goes with it (SQLite 3.35+ and PostgreSQL alike)
    with op.batch_alter_table('product_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_images_tenant_id'))
        batch_op.drop_index('ix_product_images_product_position')
    op.drop_table('product_images')
