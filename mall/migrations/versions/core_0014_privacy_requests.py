"""privacy requests: a shopper's data exports and account erasures

Revision ID: core_0014
Revises: core_0013
Create Date: 2026-12-20 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import mall.dbtypes  # noqa: F401  (UTCDateTime)

# revision identifiers, used by Alembic.
revision = 'core_0014'
down_revision = 'core_0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('privacy_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('idempotency_key', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('created_at', mall.dbtypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('export', 'erase')", name=op.f('ck_privacy_requests_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_requests_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_requests')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_privacy_requests_idempotency_key'))
    )
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.create_index('ix_privacy_requests_user', ['user_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('privacy_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_privacy_requests_user')
    op.drop_table('privacy_requests')
