"""sessions and tokens: a per-user session version, token expiry and last use

Revision ID: core_0005
Revises: core_0004
Create Date: 2026-12-01 05:40:00.000000

"""
from alembic import op
import sqlalchemy as sa

import mall.dbtypes  # noqa: F401  (UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'core_0005'
down_revision = 'core_0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', mall.dbtypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('expires_at', mall.dbtypes.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('last_used_at')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_version')
