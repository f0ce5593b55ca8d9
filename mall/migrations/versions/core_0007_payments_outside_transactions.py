"""payments outside transactions: the gateway's own books, checkout payment attempts, refunds sent later

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-12-02 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (Money, UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'core_0007'
down_revision = 'core_0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gateway_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('amount', mall.dbtypes.Money(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('charge_reference', sa.String(length=40), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gateway_charges')),
    sa.UniqueConstraint('key', name=op.f('uq_gateway_charges_key'))
    )
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_attempt', sa.Integer(), nullable=False, server_default='1'))
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gateway_state', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('gateway_state')
    with op.batch_alter_table('checkouts', schema=None) as batch_op:
        batch_op.drop_column('payment_attempt')
    op.drop_table('gateway_charges')
