"""after-sales: requests on orders (refund only, or return and refund), their lines, and the units they hold

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'core_0010'
down_revision = 'core_0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('after_sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason_code', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('reject_reason', sa.String(length=500), nullable=True),
    sa.Column('carrier', sa.String(length=40), nullable=True),
    sa.Column('tracking_no', sa.String(length=40), nullable=True),
    sa.Column('refund_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('approved_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('rejected_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('returned_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('received_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('refunded_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('refund', 'return')", name=op.f('ck_after_sales_kind')),
    sa.CheckConstraint("status IN ('requested', 'approved', 'rejected', 'returning', 'refunded')",
                       name=op.f('ck_after_sales_status')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_after_sales_decided_by_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_after_sales_order_id_orders')),
    sa.ForeignKeyConstraint(['refund_id'], ['refunds.id'], name=op.f('fk_after_sales_refund_id_refunds')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_after_sales_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_after_sales_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sales'))
    )
    with op.batch_alter_table('after_sales', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sales_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_after_sales_tenant_status', ['tenant_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_after_sales_user', ['user_id', 'id'], unique=False)

    op.create_table('after_sale_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('after_sale_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_after_sale_lines_qty_pos')),
    sa.ForeignKeyConstraint(['after_sale_id'], ['after_sales.id'],
                            name=op.f('fk_after_sale_lines_after_sale_id_after_sales')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'],
                            name=op.f('fk_after_sale_lines_order_line_id_order_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_after_sale_lines')),
    sa.UniqueConstraint('after_sale_id', 'order_line_id', name=op.f('uq_after_sale_lines_after_sale_id_order_line_id'))
    )
    with op.batch_alter_table('after_sale_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_after_sale_lines_after_sale_id'), ['after_sale_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_after_sale_lines_order_line_id'), ['order_line_id'], unique=False)

    op.create_table('after_sale_holds',
    sa.Column('order_line_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('held', sa.Integer(), nullable=False),
    sa.CheckConstraint('held >= 0', name=op.f('ck_after_sale_holds_held_nonneg')),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'],
                            name=op.f('fk_after_sale_holds_order_line_id_order_lines')),
    sa.PrimaryKeyConstraint('order_line_id', name=op.f('pk_after_sale_holds'))
    )


def downgrade():
    op.drop_table('after_sale_holds')
    with op.batch_alter_table('after_sale_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_after_sale_lines_order_line_id'))
        batch_op.drop_index(batch_op.f('ix_after_sale_lines_after_sale_id'))
    op.drop_table('after_sale_lines')
    with op.batch_alter_table('after_sales', schema=None) as batch_op:
        batch_op.drop_index('ix_after_sales_user')
        batch_op.drop_index('ix_after_sales_tenant_status')
        batch_op.drop_index(batch_op.f('ix_after_sales_order_id'))
    op.drop_table('after_sales')
