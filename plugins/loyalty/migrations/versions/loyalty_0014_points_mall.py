"""points mall: items sold for points, purchases and per-member counts

Revision ID: loyalty_0014_points_mall
Revises: loyalty_0013_events
Create Date: 2026-12-20 11:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (Money, UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0014_points_mall'
down_revision = 'loyalty_0013_events'
branch_labels = None
depends_on = 'core_0008'  # product_variants


def upgrade():
    op.create_table('loyalty_redeemables',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('variant_id', sa.Integer(), nullable=False),
    sa.Column('points_price', sa.Integer(), nullable=False),
    sa.Column('cash_price', mall.dbtypes.Money(), nullable=False),
    sa.Column('min_tier', sa.String(length=40), nullable=True),
    sa.Column('hide_locked', sa.Boolean(), nullable=False),
    sa.Column('per_member_limit', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('points_price >= 1', name=op.f('ck_loyalty_redeemables_points_price')),
    sa.CheckConstraint('cash_price >= 0', name=op.f('ck_loyalty_redeemables_cash_price')),
    sa.CheckConstraint('per_member_limit IS NULL OR per_member_limit >= 1',
                       name=op.f('ck_loyalty_redeemables_per_member_limit')),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_redeemables_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_redeemables_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_loyalty_redeemables_product_id_products')),
    sa.ForeignKeyConstraint(['variant_id'], ['product_variants.id'], name=op.f('fk_loyalty_redeemables_variant_id_product_variants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_redeemables')),
    sa.UniqueConstraint('variant_id', name=op.f('uq_loyalty_redeemables_variant_id'))
    )
    op.create_index(op.f('ix_loyalty_redeemables_programme_id'), 'loyalty_redeemables', ['programme_id'], unique=False)
    op.create_index(op.f('ix_loyalty_redeemables_tenant_id'), 'loyalty_redeemables', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_loyalty_redeemables_product_id'), 'loyalty_redeemables', ['product_id'], unique=False)
    op.create_table('loyalty_mall_purchases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redeemable_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('cash', mall.dbtypes.Money(), nullable=False),
    sa.Column('qty_returned', sa.Integer(), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('qty_returned >= 0 AND qty_returned <= qty', name=op.f('ck_loyalty_mall_purchases_qty_returned')),
    sa.ForeignKeyConstraint(['redeemable_id'], ['loyalty_redeemables.id'], name=op.f('fk_loyalty_mall_purchases_redeemable_id_loyalty_redeemables')),
    sa.ForeignKeyConstraint(['membership_id'], ['loyalty_memberships.id'], name=op.f('fk_loyalty_mall_purchases_membership_id_loyalty_memberships')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_loyalty_mall_purchases_order_id_orders')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], name=op.f('fk_loyalty_mall_purchases_order_line_id_order_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_mall_purchases')),
    sa.UniqueConstraint('order_line_id', name=op.f('uq_loyalty_mall_purchases_order_line_id'))
    )
    op.create_index(op.f('ix_loyalty_mall_purchases_redeemable_id'), 'loyalty_mall_purchases', ['redeemable_id'], unique=False)
    op.create_index(op.f('ix_loyalty_mall_purchases_membership_id'), 'loyalty_mall_purchases', ['membership_id'], unique=False)
    op.create_index(op.f('ix_loyalty_mall_purchases_order_id'), 'loyalty_mall_purchases', ['order_id'], unique=False)
    op.create_table('loyalty_mall_counts',
    sa.Column('redeemable_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('bought', sa.Integer(), nullable=False),
    sa.CheckConstraint('bought >= 0', name=op.f('ck_loyalty_mall_counts_bought')),
    sa.ForeignKeyConstraint(['redeemable_id'], ['loyalty_redeemables.id'], name=op.f('fk_loyalty_mall_counts_redeemable_id_loyalty_redeemables')),
    sa.ForeignKeyConstraint(['membership_id'], ['loyalty_memberships.id'], name=op.f('fk_loyalty_mall_counts_membership_id_loyalty_memberships')),
    sa.PrimaryKeyConstraint('redeemable_id', 'membership_id', name=op.f('pk_loyalty_mall_counts'))
    )


def downgrade():
    op.drop_table('loyalty_mall_counts')
    op.drop_index(op.f('ix_loyalty_mall_purchases_order_id'), table_name='loyalty_mall_purchases')
    op.drop_index(op.f('ix_loyalty_mall_purchases_membership_id'), table_name='loyalty_mall_purchases')
    op.drop_index(op.f('ix_loyalty_mall_purchases_redeemable_id'), table_name='loyalty_mall_purchases')
    op.drop_table('loyalty_mall_purchases')
    op.drop_index(op.f('ix_loyalty_redeemables_product_id'), table_name='loyalty_redeemables')
    op.drop_index(op.f('ix_loyalty_redeemables_tenant_id'), table_name='loyalty_redeemables')
    op.drop_index(op.f('ix_loyalty_redeemables_programme_id'), table_name='loyalty_redeemables')
    op.drop_table('loyalty_redeemables')
