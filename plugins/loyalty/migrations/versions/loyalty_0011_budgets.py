"""campaign budgets: what each budget has spent in each period

Revision ID: loyalty_0011_budgets
Revises: loyalty_0010_member_tags_notes
Create Date: 2026-12-20 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0011_budgets'
down_revision = 'loyalty_0010_member_tags_notes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_budget_spends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=160), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('spent', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_budget_spends_programme_id_loyalty_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_budget_spends')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_loyalty_budget_spends_idempotency_key'))
    )
    op.create_index(op.f('ix_loyalty_budget_spends_programme_id'), 'loyalty_budget_spends', ['programme_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_loyalty_budget_spends_programme_id'), table_name='loyalty_budget_spends')
    op.drop_table('loyalty_budget_spends')
