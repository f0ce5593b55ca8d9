"""notification delivery and marketing pressure

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-22 16:08:18.633362

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (Money, UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('marketing_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=160), nullable=False),
    sa.Column('at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_marketing_contacts_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_marketing_contacts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_contacts')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_marketing_contacts_idempotency_key'))
    )
    with op.batch_alter_table('marketing_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_marketing_contacts_user_at', ['user_id', 'at'], unique=False)

    op.create_table('marketing_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('weekly_cap', sa.Integer(), nullable=True),
    sa.Column('quiet_start', sa.Integer(), nullable=False),
    sa.Column('quiet_end', sa.Integer(), nullable=False),
    sa.Column('held', sa.String(length=5), nullable=False),
    sa.Column('updated_at', mall.dbtypes.UTCDateTime(), nullable=True),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_marketing_policy_updated_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marketing_policy'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marketing', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('address', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('send_after', mall.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', mall.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', mall.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('error', sa.String(length=300), nullable=True))
        batch_op.create_index('ix_notifications_due', ['status', 'send_after'], unique=False,
                              postgresql_where=sa.text("status IN ('queued', 'sending')"),
                              sqlite_where=sa.text("status IN ('queued', 'sending')"))



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_due')
        batch_op.drop_column('error')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('send_after')
        batch_op.drop_column('attempts')
        batch_op.drop_column('address')
        batch_op.drop_column('marketing')

    op.drop_table('marketing_policy')
    with op.batch_alter_table('marketing_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_marketing_contacts_user_at')

    op.drop_table('marketing_contacts')
