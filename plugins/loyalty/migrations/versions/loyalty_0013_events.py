"""member events: each report with its key and what it credited

Revision ID: loyalty_0013_events
Revises: loyalty_0012_referrals
Create Date: 2026-12-21 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'loyalty_0013_events'
down_revision = 'loyalty_0012_referrals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('loyalty_event_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=True),
    sa.Column('slot', sa.String(length=16), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=160), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('points >= 0', name=op.f('ck_loyalty_event_reports_points_nonneg')),
    sa.ForeignKeyConstraint(['programme_id'], ['loyalty_programmes.id'], name=op.f('fk_loyalty_event_reports_programme_id_loyalty_programmes')),
    sa.ForeignKeyConstraint(['membership_id'], ['loyalty_memberships.id'], name=op.f('fk_loyalty_event_reports_membership_id_loyalty_memberships')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_loyalty_event_reports_user_id_users')),
    sa.ForeignKeyConstraint(['entry_id'], ['loyalty_points_entries.id'], name=op.f('fk_loyalty_event_reports_entry_id_loyalty_points_entries')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_loyalty_event_reports_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loyalty_event_reports')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_loyalty_event_reports_idempotency_key'))
    )
    op.create_index('ix_loyalty_event_reports_member_event', 'loyalty_event_reports', ['membership_id', 'event'], unique=False)


def downgrade():
    op.drop_index('ix_loyalty_event_reports_member_event', table_name='loyalty_event_reports')
    op.drop_table('loyalty_event_reports')
