"""earning rules: what each rule gave each order

Revision ID: loyalty_0017_rules
Revises: loyalty_0016_campaign_budgets
Create Date: 2026-12-21 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0017_rules'
down_revision = 'loyalty_0016_campaign_budgets'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_rule_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('rule', sa.JSON(), nullable=False),
    sa.Column('asked', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['membership_id'], ['loyalty_memberships.id'], name=op.f('fk_loyalty_rule_grants_membership_id_loyalty_memberships')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_loyalty_rule_grants_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_rule_grants')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_loyalty_rule_grants_idempotency_key'))
    )
    op.create_index(op.f('ix_loyalty_rule_grants_membership_id'), 'loyalty_rule_grants', ['membership_id'], unique=False)
    op.create_index('ix_loyalty_rule_grants_order_member', 'loyalty_rule_grants', ['order_id', 'membership_id'], unique=False)


def downgrade():
    op.drop_index('ix_loyalty_rule_grants_order_member', table_name='loyalty_rule_grants')
    op.drop_index(op.f('ix_loyalty_rule_grants_membership_id'), table_name='loyalty_rule_grants')
    op.drop_table('loyalty_rule_grants')
