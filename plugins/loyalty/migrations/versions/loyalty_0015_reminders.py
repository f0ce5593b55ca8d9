"""reminders: each reminder decided (once per key) and each member's choice of reminders

Revision ID: loyalty_0015_reminders
Revises: loyalty_0014_points_mall
Create Date: 2026-12-21 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0015_reminders'
down_revision = 'loyalty_0014_points_mall'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=True),
    sa.Column('days', sa.Integer(), nullable=True),
    sa.Column('due_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=160), nullable=False),
    sa.Column('message_key', sa.String(length=160), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('expiry', 'keep', 'reached')", name=op.f('ck_loyalty_reminders_kind')),
    sa.ForeignKeyConstraint(['lot_id'], ['loyalty_points_lots.id'], name=op.f('fk_loyalty_reminders_lot_id_loyalty_points_lots')),
    sa.ForeignKeyConstraint(['membership_id'], ['loyalty_memberships.id'], name=op.f('fk_loyalty_reminders_membership_id_loyalty_memberships')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_loyalty_reminders_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_loyalty_reminders_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_reminders')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_loyalty_reminders_idempotency_key'))
    )
    op.create_index(op.f('ix_loyalty_reminders_membership_id'), 'loyalty_reminders', ['membership_id'], unique=False)
    op.create_index('ix_loyalty_reminders_user', 'loyalty_reminders', ['user_id', 'id'], unique=False)
    op.create_table('loyalty_reminder_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('expiry', sa.Boolean(), nullable=False),
    sa.Column('tier', sa.Boolean(), nullable=False),
    sa.Column('updated_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_loyalty_reminder_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_reminder_preferences')),
    sa.UniqueConstraint('user_id', name=op.f('uq_loyalty_reminder_preferences_user_id'))
    )


def downgrade():
    op.drop_table('loyalty_reminder_preferences')
    op.drop_index('ix_loyalty_reminders_user', table_name='loyalty_reminders')
    op.drop_index(op.f('ix_loyalty_reminders_membership_id'), table_name='loyalty_reminders')
    op.drop_table('loyalty_reminders')
