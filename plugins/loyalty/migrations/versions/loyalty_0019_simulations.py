"""programme simulations: a draft replayed over past orders

Revision ID: loyalty_0019_simulations
Revises: loyalty_0018_transfers
Create Date: 2026-12-22 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0019_simulations'
down_revision = 'loyalty_0018_transfers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_simulations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_simulations_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loyalty_simulations_created_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_simulations'))
    )
    op.create_index('ix_loyalty_simulations_programme', 'loyalty_simulations', ['programme_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_loyalty_simulations_programme', table_name='loyalty_simulations')
    op.drop_table('loyalty_simulations')
