"""order credit rows: the (order_id, membership_id) unique index serves look-ups by order

Revision ID: loyalty_0007
Revises: loyalty_0006
Create Date: 2026-11-22 18:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'loyalty_0007'
down_revision = 'loyalty_0006'
branch_labels = None
depends_on = None


def upgrade():
    # Every checkout writes credit rows; an index the unique constraint already covers only costs writes.
    with op.batch_alter_table('loyalty_order_credits', schema=None) as batch_op:
        batch_op.drop_index('ix_loyalty_order_credits_order_id')


def downgrade():
    with op.batch_alter_table('loyalty_order_credits', schema=None) as batch_op:
        batch_op.create_index('ix_loyalty_order_credits_order_id', ['order_id'], unique=False)
