"""campaign budgets on coupon templates and pushes, the platform's co-funding budget, and spend per day

Revision ID: loyalty_0016_campaign_budgets
Revises: loyalty_0015_reminders
Create Date: 2026-12-21 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'loyalty_0016_campaign_budgets'
down_revision = 'loyalty_0015_reminders'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('loyalty_coupon_templates') as batch:
        batch.add_column(sa.Column('budget', sa.JSON(), nullable=True))
    with op.batch_alter_table('loyalty_pushes') as batch:
        batch.add_column(sa.Column('budget', sa.JSON(), nullable=True))
    with op.batch_alter_table('loyalty_programmes') as batch:
        batch.add_column(sa.Column('cofunding_budget', sa.JSON(), nullable=True))
    op.create_table('loyalty_budget_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=160), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=220), nullable=False),
    sa.Column('spent', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_budget_days_programme_id_loyalty_programmes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_budget_days')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_loyalty_budget_days_idempotency_key'))
    )
    op.create_index('ix_loyalty_budget_days_owner', 'loyalty_budget_days', ['programme_id', 'owner', 'period'], unique=False)


def downgrade():
    op.drop_index('ix_loyalty_budget_days_owner', table_name='loyalty_budget_days')
    op.drop_table('loyalty_budget_days')
    with op.batch_alter_table('loyalty_programmes') as batch:
        batch.drop_column('cofunding_budget')
    with op.batch_alter_table('loyalty_pushes') as batch:
        batch.drop_column('budget')
    with op.batch_alter_table('loyalty_coupon_templates') as batch:
        batch.drop_column('budget')
