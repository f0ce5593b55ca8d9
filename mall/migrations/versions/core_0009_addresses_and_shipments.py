"""addresses and shipments: a shopper's address book, each order's copy of its address, carrier and tracking

Revision ID: core_0009
Revises: core_0008
Create Date: 2026-12-10 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'core_0009'
down_revision = 'core_0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('addresses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('city', sa.String(length=40), nullable=False),
    sa.Column('district', sa.String(length=40), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=False),
    sa.Column('postcode', sa.String(length=12), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_addresses_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_addresses'))
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addresses_user_id'), ['user_id'], unique=False)
        # At most one default address per shopper.
        batch_op.create_index('uq_addresses_one_default', ['user_id'], unique=True,
                              sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))

    # Orders placed before keep no address (NULL): pages and the API show "no address recorded".
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('carrier', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('tracking_no', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('tracking_no')
        batch_op.drop_column('carrier')
        batch_op.drop_column('address')

    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_index('uq_addresses_one_default', sqlite_where=sa.text('is_default'),
                            postgresql_where=sa.text('is_default'))
        batch_op.drop_index(batch_op.f('ix_addresses_user_id'))

    op.drop_table('addresses')
