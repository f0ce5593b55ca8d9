"""idempotency scope: a key is recorded per user and endpoint

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-12-01 06:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0006'
down_revision = 'core_0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scope', sa.String(length=100), nullable=False, server_default=''))
        batch_op.drop_constraint(batch_op.f('uq_idempotency_records_user_id_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_records_user_id_scope_key'),
                                          ['user_id', 'scope', 'key'])


def downgrade():
    # The old constraint allows one record per user and key: keep each pair's first.
    op.execute("DELETE FROM idempotency_records WHERE id NOT IN "
               "(SELECT MIN(id) FROM idempotency_records GROUP BY user_id, key)")
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_idempotency_records_user_id_scope_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_idempotency_records_user_id_key'), ['user_id', 'key'])
        batch_op.drop_column('scope')
